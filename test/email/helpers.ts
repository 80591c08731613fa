import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildKernel, createLogger, type Kernel, type PluginDefinition } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type TenantsApi } from '@dogan/tenants';
import ksaPlugin from '@dogan/plugin-ksa';
import eventsPlugin from '@dogan/plugin-events';
import emailPlugin, { type EmailPlugin } from '../../plugins/email/src/index.js';
import type { TestEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';
import type { SmtpSink } from './smtp-sink.js';

/** What email suites run with: the sink on loopback, quick retries and polls, short SMTP timeouts. */
export const EMAIL_ENV = {
  EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
  EMAIL_RETRY_BASE_MS: '40',
  EMAIL_POLL_INTERVAL_MS: '50',
  EMAIL_TIMEOUT_MS: '3000',
};

export interface EmailKernel {
  readonly kernel: Kernel;
  readonly app: FastifyInstance;
  readonly api: TenantsApi;
  readonly email: EmailPlugin;
  /** Every log line the kernel wrote (debug and up): secrets must never be in it. */
  readonly logText: () => string;
}

/**
 * A kernel with tenants, KSA, events (in-process bus) and email on `engine` (`plugins` go between
 * events and email: billing, modules), logging at debug into memory.
 */
export async function startEmailKernel(
  t: { teardown(fn: () => unknown): void },
  engine: TestEngine,
  options: { env?: Record<string, string>; plugins?: PluginDefinition[] } = {},
): Promise<EmailKernel> {
  const lines: string[] = [];
  const config = engine.config({ ...EMAIL_ENV, LOG_LEVEL: 'debug', TENANT_ORM_CACHE_SIZE: '8', ...options.env });
  const logger = createLogger(config, { write: (line: string) => void lines.push(line) });
  const plugins: PluginDefinition[] = [tenantsPlugin, ksaPlugin as PluginDefinition, eventsPlugin as PluginDefinition, ...(options.plugins ?? []), emailPlugin as PluginDefinition];
  const kernel = await buildKernel({ config, logger, plugins });
  t.teardown(async () => {
    await kernel.close();
    if (config.DOGAN_DATA_DIR.startsWith(tmpdir())) rmSync(config.DOGAN_DATA_DIR, { recursive: true, force: true });
  });
  return { kernel, app: kernel.app, api: kernel.host.service(tenantsApiRef), email: kernel.host.instanceOf('email') as EmailPlugin, logText: () => lines.join('') };
}

export type TestTenant = Awaited<ReturnType<typeof createTenantWithKey>>;

export async function createTenant(app: FastifyInstance, subdomain: string, locale: 'ar' | 'en' = 'ar', scopes?: string[]): Promise<TestTenant> {
  return createTenantWithKey(app, { name: subdomain === 'acme' ? 'شركة أكمي' : subdomain, subdomain, locale }, scopes);
}

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** Calls under `/api/v1/{tenant}` with the tenant's key: `call('POST', '/email/messages', body)`. */
export function caller(app: FastifyInstance, tenant: TestTenant) {
  return (method: Method, path: string, payload?: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    app.inject({ method, url: `/api/v1/${tenant.subdomain}${path}`, headers: { ...tenant.headers, ...headers }, ...(payload === undefined ? {} : { payload: payload as object }) });
}

export type Call = ReturnType<typeof caller>;

/** Saves settings sending through `sink` as `fromAddress`; `extra` overrides (a wrong password, verify false). */
export async function useSink(call: Call, sink: SmtpSink, extra: Record<string, unknown> = {}): Promise<Record<string, any>> {
  const res = await call('PUT', '/email/settings', {
    host: sink.host,
    port: sink.port,
    security: 'none',
    fromAddress: 'billing@acme.example',
    fromName: 'أكمي',
    noticeAddress: 'owner@acme.example',
    ...extra,
  });
  if (res.statusCode !== 200) throw new Error(`settings not saved: ${res.statusCode} ${res.body}`);
  return res.json();
}

/** Polls `probe` until it gives something truthy; fails naming `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => T | undefined | null | false | Promise<T | undefined | null | false>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls a message until its status is one of `statuses`. */
export async function messageIn(call: Call, id: string, statuses: readonly string[], timeoutMs?: number): Promise<Record<string, any>> {
  return waitFor(`message ${id} to be ${statuses.join(' or ')}`, async () => {
    const body = (await call('GET', `/email/messages/${id}`)).json();
    return statuses.includes(body.status) ? body : undefined;
  }, timeoutMs);
}

export const PROBLEM = /^application\/problem\+json/;
