import { randomUUID } from 'node:crypto';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { ErpnextTestConnection, ModuleTestContext, ModuleTestRequestOptions, ModuleTestResponse } from '@dogan/sdk/testing';
import type { InstalledModule } from './install-module.js';
import type { LocalPlatform, Tenant } from './local-platform.js';

function queryString(query: ModuleTestRequestOptions['query']): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    for (const v of Array.isArray(value) ? value : [value]) params.append(name, String(v));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/**
 * Saves an ERPNext connection of a tenant through the ERPNext plugin, as the tenant's admin does
 * (the plugin checks the credentials with the site first).
 */
export async function connectErpnext(platform: LocalPlatform, tenantId: string, connection: ErpnextTestConnection): Promise<void> {
  await platform.erpnext.connections.save(tenantId, {
    ...(connection.name === undefined ? {} : { name: connection.name }),
    baseUrl: connection.url,
    apiKey: connection.apiKey,
    apiSecret: connection.apiSecret,
    siteName: connection.siteName ?? null,
  });
}

/**
 * The ERPNext site every test tenant is connected to, from `DOGAN_TEST_ERPNEXT_URL`,
 * `DOGAN_TEST_ERPNEXT_API_KEY`, `DOGAN_TEST_ERPNEXT_API_SECRET` (and `DOGAN_TEST_ERPNEXT_SITE_NAME`);
 * undefined without a URL. A URL without its key and secret is a mistake worth stopping for.
 */
export function erpnextFromEnvironment(env: NodeJS.ProcessEnv = process.env): ErpnextTestConnection | undefined {
  const url = env.DOGAN_TEST_ERPNEXT_URL?.trim();
  if (!url) return undefined;
  const apiKey = env.DOGAN_TEST_ERPNEXT_API_KEY?.trim();
  const apiSecret = env.DOGAN_TEST_ERPNEXT_API_SECRET?.trim();
  const missing = [!apiKey && 'DOGAN_TEST_ERPNEXT_API_KEY', !apiSecret && 'DOGAN_TEST_ERPNEXT_API_SECRET'].filter(Boolean);
  if (missing.length > 0) throw new Error(`DOGAN_TEST_ERPNEXT_URL is set, but ${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not: set all three to connect the test tenants to ${url}`);
  const siteName = env.DOGAN_TEST_ERPNEXT_SITE_NAME?.trim();
  return { url, apiKey: apiKey!, apiSecret: apiSecret!, ...(siteName ? { siteName } : {}) };
}

function responseOf(res: { statusCode: number; headers: Record<string, unknown>; body: string }): ModuleTestResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  let body: unknown = res.body === '' ? null : res.body;
  if (res.body !== '' && /json/i.test(headers['content-type'] ?? '')) body = JSON.parse(res.body);
  return { status: res.statusCode, headers, body };
}

/**
 * The context one test gets: the module enabled in `tenant`. Routes go through the platform's HTTP
 * pipeline (`app.inject`, the platform admin's token), so tenant resolution, body parsing, header
 * filtering and problem+json errors are the ones production applies.
 */
export function createTestContext(platform: LocalPlatform, tenant: Tenant, manifest: ModuleManifest, installed: InstalledModule): ModuleTestContext {
  const { runtime, kernel } = platform;
  const mount = `/api/v1/${tenant.subdomain}/apps/${manifest.id}`;
  return {
    tenant: { id: tenant.id, subdomain: tenant.subdomain },
    async request(method, path, options = {}) {
      const headers: Record<string, string> = {};
      for (const [name, value] of Object.entries(options.headers ?? {})) headers[name.toLowerCase()] = value;
      headers.authorization = `Bearer ${platform.adminToken}`;
      let payload: string | undefined;
      if (options.body !== undefined) {
        const text = typeof options.body === 'string';
        payload = text ? (options.body as string) : JSON.stringify(options.body);
        headers['content-type'] ??= text ? 'text/plain; charset=utf-8' : 'application/json';
      }
      const res = await kernel.app.inject({
        method: method.toUpperCase() as 'GET',
        url: `${mount}${path.startsWith('/') ? path : `/${path}`}${queryString(options.query)}`,
        headers,
        ...(payload !== undefined ? { payload } : {}),
      });
      return responseOf(res);
    },
    async emit(type, payload = null) {
      platform.takeEventFailures(tenant.id);
      await runtime.emitEvent(tenant.id, type, payload);
      const failed = platform.takeEventFailures(tenant.id);
      if (failed.length > 0) throw new Error(failed.join('; '));
    },
    runJob(name) {
      return runtime.runJob(tenant.id, manifest.id, name);
    },
    callTool(name, args = {}, options = {}) {
      return runtime.runTool(tenant.id, manifest.id, name, args, {
        idempotencyKey: options.idempotencyKey ?? randomUUID(),
        ...(options.agentId === undefined ? {} : { agentId: options.agentId }),
        ...(options.taskId === undefined ? {} : { taskId: options.taskId }),
      });
    },
    async setSettings(settings) {
      await runtime.enableForTenant(tenant.id, installed.key, installed.grants, settings);
    },
    async logs() {
      const lines = await runtime.readLogs(tenant, manifest.id, { limit: 1000 });
      return lines.reverse().map(({ level, message, data, at, version }) => ({ level, message, data, at, version }));
    },
    connectErpnext(connection) {
      return connectErpnext(platform, tenant.id, connection);
    },
    async sentEmails() {
      return platform.sentEmails(tenant.id);
    },
  };
}
