import { randomBytes, randomUUID } from 'node:crypto';
import type { SecretBox } from '@dogan/runtime';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { ConnectionService } from '../connections/connection-service.js';
import { ErpnextErrors } from '../errors.js';
import { DOC_EVENTS, HookStore, type DocEvent, type HookRecord } from '../store/hook-store.js';
import { DOCTYPE_PATTERN } from './event-type.js';

/** Hooks per tenant: one per doctype and a few more, far from a limit anyone reaches by accident. */
export const MAX_HOOKS = 100;

export interface HookInput {
  readonly connection?: string;
  readonly doctype: string;
  readonly events: readonly string[];
  readonly enabled?: boolean;
}

/** A hook secret: 32 random bytes, typed once into ERPNext's Webhook Secret field. */
function newSecret(): string {
  return `erpwhsec_${randomBytes(32).toString('base64url')}`;
}

function checkEvents(events: readonly string[]): DocEvent[] {
  const unknown = events.filter((e) => !(DOC_EVENTS as readonly string[]).includes(e));
  if (unknown.length > 0 || events.length === 0) throw ErpnextErrors.ERPNEXT_SETTING_INVALID.with({ field: 'events' }, `events must be some of ${DOC_EVENTS.join(', ')}`);
  return [...new Set(events)] as DocEvent[];
}

/** A tenant's incoming-webhook hooks: each has its own secret, shown at creation and rotation only. */
export class HookService {
  constructor(
    private readonly tenants: TenantsApi,
    private readonly box: SecretBox,
    private readonly connections: ConnectionService,
  ) {}

  private db(tenant: Tenant) {
    return this.tenants.data.of(tenant);
  }

  async create(tenant: Tenant, input: HookInput): Promise<{ hook: HookRecord; secret: string }> {
    if (!DOCTYPE_PATTERN.test(input.doctype)) throw ErpnextErrors.ERPNEXT_DOCTYPE_INVALID(JSON.stringify(input.doctype.slice(0, 150)));
    const events = checkEvents(input.events);
    // The hook belongs to a connection: its events name which site they came from.
    const connection = await this.connections.record(tenant, input.connection);
    const db = await this.db(tenant);
    if ((await HookStore.count(db)) >= MAX_HOOKS) throw ErpnextErrors.ERPNEXT_HOOK_LIMIT(MAX_HOOKS);
    const secret = newSecret();
    const id = randomUUID();
    await HookStore.insert(db, { id, connection: connection.name, doctype: input.doctype, events, secret: this.box.encrypt(secret), enabled: input.enabled ?? true }, Date.now());
    return { hook: (await HookStore.get(db, id))!, secret };
  }

  async list(tenant: Tenant): Promise<HookRecord[]> {
    return HookStore.list(await this.db(tenant));
  }

  async get(tenant: Tenant, id: string): Promise<HookRecord> {
    const hook = await HookStore.get(await this.db(tenant), id);
    if (!hook) throw ErpnextErrors.ERPNEXT_HOOK_NOT_FOUND(id);
    return hook;
  }

  async update(tenant: Tenant, id: string, changes: { events?: readonly string[]; enabled?: boolean }): Promise<HookRecord> {
    await this.get(tenant, id);
    const db = await this.db(tenant);
    await HookStore.update(db, id, { ...(changes.events ? { events: checkEvents(changes.events) } : {}), ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}) }, Date.now());
    return this.get(tenant, id);
  }

  async rotateSecret(tenant: Tenant, id: string): Promise<{ hook: HookRecord; secret: string }> {
    await this.get(tenant, id);
    const secret = newSecret();
    await HookStore.update(await this.db(tenant), id, { secret: this.box.encrypt(secret) }, Date.now());
    return { hook: await this.get(tenant, id), secret };
  }

  async delete(tenant: Tenant, id: string): Promise<void> {
    if (!(await HookStore.delete(await this.db(tenant), id))) throw ErpnextErrors.ERPNEXT_HOOK_NOT_FOUND(id);
  }

  /** The hook's secret in clear, for checking a signature. */
  secretOf(hook: HookRecord): string {
    return this.box.decrypt(hook.secret);
  }
}
