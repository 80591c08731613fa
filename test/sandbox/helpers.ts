import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Kernel } from '@dogan/runtime';
import tenantsPlugin, { tenantsApiRef, type Tenant, type TenantsApi } from '@dogan/tenants';
import type { ModuleManifest } from '@dogan/module-manifest';
import { createModulesPlugin, moduleFromSource, modulesRuntimeRef, type ModuleRuntime } from '../../plugins/modules/src/index.js';
import type { SandboxOptionsInput } from '../../runtime/src/sandbox/index.js';
import { startTestKernel, TEST_ADMIN_TOKEN } from '../helpers/kernel.js';

export const FIXTURES = new URL('./fixtures/', import.meta.url).pathname;

export interface ModulesKernel {
  kernel: Kernel;
  runtime: ModuleRuntime;
  tenants: TenantsApi;
  tenant: (n: number) => Tenant;
  /** `GET|POST /api/v1/{tenant}/apps/{moduleId}{path}` as the platform admin. */
  call(tenant: Tenant, moduleId: string, path: string, init?: { method?: string; body?: unknown }): Promise<{ status: number; body: any; ms: number; headers: Record<string, unknown> }>;
  metric(code: string): Promise<number>;
}

/** A kernel with the tenants and modules plugins on SQLite, `tenantCount` tenants, and one sandbox host. */
export async function startModulesKernel(t: { teardown(fn: () => unknown): void }, options: { sandbox?: SandboxOptionsInput; tenantCount?: number } = {}): Promise<ModulesKernel> {
  const modules = createModulesPlugin({ sandbox: { hosts: 1, ...options.sandbox } });
  const kernel = await startTestKernel(t, { plugins: [tenantsPlugin, modules] });
  const runtime = kernel.host.service(modulesRuntimeRef);
  // Hosts start on first use in the platform; these suites watch a host's process from the start.
  await runtime.start();
  const tenants = kernel.host.service(tenantsApiRef);
  const list: Tenant[] = [];
  for (let i = 0; i < (options.tenantCount ?? 2); i++) list.push(await tenants.tenants.create({ name: `Tenant ${i}`, subdomain: `tenant-${i}`, locale: 'en' }, 'test'));
  return {
    kernel,
    runtime,
    tenants,
    tenant: (n) => list[n]!,
    async call(tenant, moduleId, path, init = {}) {
      const started = performance.now();
      const res = await kernel.app.inject({
        method: (init.method ?? 'GET') as 'GET',
        url: `/api/v1/${tenant.subdomain}/apps/${moduleId}${path}`,
        headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, cookie: 'session=secret' },
        ...(init.body !== undefined ? { payload: init.body as object } : {}),
      });
      let body: unknown = res.body;
      try {
        body = res.json();
      } catch {
        /* text */
      }
      return { status: res.statusCode, body, ms: performance.now() - started, headers: res.headers };
    },
    async metric(code) {
      const text = await kernel.metrics.getSingleMetricAsString('sandbox_breaches_total');
      const m = new RegExp(`code="${code}"} (\\d+)`).exec(text);
      return m ? Number(m[1]) : 0;
    },
  };
}

/** Registers a fixture module, replacing `{PORT}` in its manifest (local test servers have random ports). */
export function loadFixture(runtime: ModuleRuntime, name: string, vars: Record<string, string | number> = {}) {
  const dir = join(FIXTURES, name);
  let manifestText = readFileSync(join(dir, 'manifest.json'), 'utf8');
  for (const [k, v] of Object.entries(vars)) manifestText = manifestText.replaceAll(`{${k}}`, String(v));
  return runtime.register(moduleFromSource(JSON.parse(manifestText) as ModuleManifest, readFileSync(join(dir, 'bundle.js'), 'utf8'), dir));
}

/** A local HTTP server for outbound-fetch tests; records what reached it. */
export async function startServer(t: { teardown(fn: () => unknown): void }, handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => new Promise((resolve) => server.close(resolve)));
  return { server, port: (server.address() as AddressInfo).port };
}
