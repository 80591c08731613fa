import type { ModuleManifest } from '@dogan/module-manifest';
import type { ModuleTestContext, ModuleTestRequestOptions, ModuleTestResponse } from '@dogan/sdk/testing';
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
    async setSettings(settings) {
      await runtime.enableForTenant(tenant.id, installed.key, installed.grants, settings);
    },
    async logs() {
      const lines = await runtime.readLogs(tenant, manifest.id, { limit: 1000 });
      return lines.reverse().map(({ level, message, data, at, version }) => ({ level, message, data, at, version }));
    },
  };
}
