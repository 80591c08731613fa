import type { DoganError, SecretBox } from '@dogan/runtime';
import type { Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import type { Dispatcher } from 'undici';
import { FrappeClient, RequestLimiter } from '../client/index.js';
import type { ErpnextConfig } from '../config.js';
import type { ConnectionInput, ConnectionView } from '../erpnext-api.js';
import { ErpnextErrors } from '../errors.js';
import { ConnectionStore, type ConnectionRecord } from '../store/connection-store.js';
import { connectionView, keyHint } from './connection-view.js';
import { checkSiteAddress, parseBaseUrl } from './site-address.js';

/** Connection names: short, URL-safe, lower case. */
export const CONNECTION_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const DEFAULT_CONNECTION = 'default';
/** A tenant with more sites than this is better served by a conversation than a form. */
export const MAX_CONNECTIONS = 10;

/** Failures that say something about the site or the credentials, which the connection's health shows. */
const SITE_FAILURES = new Set(['ERPNEXT_UNREACHABLE', 'ERPNEXT_CREDENTIALS_REFUSED', 'ERPNEXT_NOT_FRAPPE', 'ERPNEXT_TIMEOUT', 'ERPNEXT_SERVER_ERROR', 'ERPNEXT_RATE_LIMITED', 'ERPNEXT_ADDRESS_FORBIDDEN']);

export interface ConnectionServiceDeps {
  readonly tenants: TenantsApi;
  readonly box: SecretBox;
  readonly config: ErpnextConfig;
  readonly dispatcher: Dispatcher;
  /** Whether the tenant's plan includes the integration; absent when no billing plugin is loaded. */
  readonly planAllows?: (tenant: Tenant) => Promise<boolean>;
  readonly log: Logger;
}

interface CachedClient {
  readonly updatedAt: number;
  readonly client: FrappeClient;
}

/**
 * A tenant's ERPNext connections: saved only after the site answered to the credentials (unless the
 * caller opts out), encrypted at rest, never shown back. Clients are built per connection and kept
 * while the connection is unchanged; every client of a tenant shares that tenant's limiter, so one
 * tenant's agents, modules and syncs together stay under its concurrency and rate.
 */
export class ConnectionService {
  private readonly clients = new Map<string, CachedClient>();
  private readonly limiters = new Map<string, RequestLimiter>();

  constructor(private readonly deps: ConnectionServiceDeps) {}

  async tenant(ref: string): Promise<Tenant> {
    return this.deps.tenants.tenants.get(ref);
  }

  private db(tenant: Tenant) {
    return this.deps.tenants.data.of(tenant);
  }

  async list(tenant: Tenant): Promise<ConnectionView[]> {
    return (await ConnectionStore.list(await this.db(tenant))).map(connectionView);
  }

  /** A connection by name, or the default one. */
  async record(tenant: Tenant, name?: string): Promise<ConnectionRecord> {
    const db = await this.db(tenant);
    const found = name === undefined ? await ConnectionStore.getDefault(db) : await ConnectionStore.get(db, name);
    if (!found) throw ErpnextErrors.ERPNEXT_NOT_CONNECTED(name ?? DEFAULT_CONNECTION);
    return found;
  }

  async get(tenant: Tenant, name?: string): Promise<ConnectionView> {
    return connectionView(await this.record(tenant, name));
  }

  /**
   * Validates, checks the address, and (with `verify`, the default) asks the site who the
   * credentials are before writing anything: a wrong URL or refused key is an error and nothing is saved.
   */
  async save(tenant: Tenant, input: ConnectionInput, options: { verify?: boolean } = {}): Promise<ConnectionView> {
    const name = input.name ?? DEFAULT_CONNECTION;
    if (!CONNECTION_NAME.test(name)) throw ErpnextErrors.ERPNEXT_NOT_CONNECTED(name.slice(0, 64));
    await this.requirePlan(tenant);
    const baseUrl = parseBaseUrl(input.baseUrl);
    await checkSiteAddress(baseUrl, this.deps.config.ERPNEXT_ALLOW_PRIVATE_NETWORKS);
    const db = await this.db(tenant);
    if (!(await ConnectionStore.get(db, name)) && (await ConnectionStore.count(db)) >= MAX_CONNECTIONS) throw ErpnextErrors.ERPNEXT_CONNECTION_LIMIT(MAX_CONNECTIONS);
    const siteName = input.siteName ?? null;
    let user: string | null = null;
    if (options.verify !== false) {
      user = await this.newClient(tenant.id, { baseUrl, apiKey: input.apiKey, apiSecret: input.apiSecret, siteName }).getLoggedUser();
    }
    const now = Date.now();
    await ConnectionStore.save(
      db,
      {
        name,
        baseUrl,
        siteName,
        apiKey: this.deps.box.encrypt(input.apiKey),
        apiSecret: this.deps.box.encrypt(input.apiSecret),
        apiKeyHint: keyHint(input.apiKey),
        makeDefault: input.isDefault === true,
        healthStatus: user === null ? 'unknown' : 'ok',
        healthUser: user,
      },
      now,
    );
    this.clients.delete(`${tenant.id}|${name}`);
    this.deps.log.info({ tenantId: tenant.id, connection: name, baseUrl }, 'erpnext connection saved');
    return this.get(tenant, name);
  }

  async remove(tenant: Tenant, name: string): Promise<boolean> {
    const removed = await ConnectionStore.remove(await this.db(tenant), name);
    this.clients.delete(`${tenant.id}|${name}`);
    return removed;
  }

  /** Asks the site who the stored credentials are (`frappe.auth.get_logged_user`) and records the answer as the connection's health. */
  async test(tenant: Tenant, name?: string): Promise<ConnectionView> {
    const record = await this.record(tenant, name);
    try {
      const user = await (await this.client(tenant, record.name)).getLoggedUser();
      await ConnectionStore.recordHealthy(await this.db(tenant), record.name, user, Date.now());
    } catch (err) {
      await this.noteFailure(tenant, record.name, err);
    }
    return this.get(tenant, record.name);
  }

  /** Records a failure on the connection's health when it is the site's, not a document's; never throws. */
  async noteFailure(tenant: Tenant, name: string, err: unknown): Promise<void> {
    const code = (err as DoganError)?.code;
    if (typeof code !== 'string' || !SITE_FAILURES.has(code)) return;
    try {
      await ConnectionStore.recordFailure(await this.db(tenant), name, code, (err as Error).message, Date.now());
    } catch (recordErr) {
      this.deps.log.warn({ err: recordErr, tenantId: tenant.id, connection: name }, 'could not record an erpnext connection failure');
    }
  }

  /** The client of a stored connection (the default when `name` is left out), through the tenant's limiter. */
  async client(tenant: Tenant, name?: string): Promise<FrappeClient> {
    const record = await this.record(tenant, name);
    const key = `${tenant.id}|${record.name}`;
    const cached = this.clients.get(key);
    if (cached && cached.updatedAt === record.updatedAt) return cached.client;
    await checkSiteAddress(record.baseUrl, this.deps.config.ERPNEXT_ALLOW_PRIVATE_NETWORKS);
    const client = this.newClient(tenant.id, {
      baseUrl: record.baseUrl,
      apiKey: this.deps.box.decrypt(record.apiKey),
      apiSecret: this.deps.box.decrypt(record.apiSecret),
      siteName: record.siteName,
    });
    if (this.clients.size > 10_000) this.clients.clear();
    this.clients.set(key, { updatedAt: record.updatedAt, client });
    return client;
  }

  /** The plan gate: a plan without `erpnextIntegration` cannot connect (checked when billing is loaded). */
  async requirePlan(tenant: Tenant): Promise<void> {
    if (this.deps.planAllows && !(await this.deps.planAllows(tenant))) throw ErpnextErrors.ERPNEXT_NOT_IN_PLAN(tenant.plan);
  }

  private limiter(tenantId: string): RequestLimiter {
    let limiter = this.limiters.get(tenantId);
    if (!limiter) {
      limiter = new RequestLimiter({ maxConcurrent: this.deps.config.ERPNEXT_MAX_CONCURRENT, perSecond: this.deps.config.ERPNEXT_REQUESTS_PER_SECOND });
      if (this.limiters.size > 10_000) this.limiters.clear();
      this.limiters.set(tenantId, limiter);
    }
    return limiter;
  }

  private newClient(tenantId: string, site: { baseUrl: string; apiKey: string; apiSecret: string; siteName: string | null }): FrappeClient {
    return new FrappeClient({
      baseUrl: site.baseUrl,
      apiKey: site.apiKey,
      apiSecret: site.apiSecret,
      ...(site.siteName ? { siteName: site.siteName } : {}),
      dispatcher: this.deps.dispatcher,
      timeoutMs: this.deps.config.ERPNEXT_TIMEOUT_MS,
      limiter: this.limiter(tenantId),
      onRequest: (info) => this.deps.log.debug({ tenantId, erpnext: info }, 'erpnext request'),
    });
  }
}
