import type { MikroORM } from '@mikro-orm/core';
import { isUnavailableError } from '@dogan/runtime';
import type { Logger } from 'pino';

const HEARTBEAT_MS = 1_000;
const HEARTBEAT_TIMEOUT_MS = 2_000;

/**
 * Whether the control plane answers, as this node last saw it. Tenant requests are authenticated
 * from short-lived caches; while the control plane is down those caches cannot be trusted (a key
 * revoked or a tenant suspended meanwhile would pass), so the tenant pipeline refuses every request
 * with 503 until a heartbeat or a query succeeds again. `/ready` reports the same state.
 */
export class ControlPlaneHealth {
  private down: { since: number; reason: string } | null = null;
  private timer: NodeJS.Timeout | undefined;
  private beating = false;

  constructor(
    private readonly controlPlane: MikroORM,
    private readonly log: Logger,
  ) {}

  get healthy(): boolean {
    return this.down === null;
  }

  /** Why and since when it is down, for `/ready` and logs. */
  get reason(): string | undefined {
    return this.down ? `${this.down.reason} (for ${Math.round((Date.now() - this.down.since) / 1000)} s)` : undefined;
  }

  /** A query failed: if the failure says the database is unavailable, stop trusting caches now. */
  observe(err: unknown): void {
    if (!isUnavailableError(err)) return;
    if (!this.down) this.log.warn({ err }, 'control plane unavailable: tenant requests are refused with 503 until it answers');
    this.down ??= { since: Date.now(), reason: (err as Error).message ?? String(err) };
  }

  /** One `SELECT 1`; throws when the control plane does not answer in time. */
  async probe(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.controlPlane.em.fork().getConnection().execute('SELECT 1'),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${HEARTBEAT_TIMEOUT_MS} ms`), { code: 'ETIMEDOUT' })), HEARTBEAT_TIMEOUT_MS);
        }),
      ]);
      if (this.down) this.log.info({ downForMs: Date.now() - this.down.since }, 'control plane answers again');
      this.down = null;
    } catch (err) {
      this.observe(err);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      if (this.beating) return; // a probe still waiting: do not pile up connections
      this.beating = true;
      this.probe()
        .catch(() => undefined)
        .finally(() => (this.beating = false));
    }, HEARTBEAT_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
