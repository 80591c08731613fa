import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_FILE, type ModuleManifest, type RouteDeclaration } from '@dogan/module-manifest';
import { buildCheckedModule, readModuleManifest } from '@dogan/sdk';
import type { DevSession, DevSessionOptions } from '@dogan/sdk/testing';
import { devVersion, installModule } from './install-module.js';
import { startLocalPlatform, type LocalPlatform, type Tenant } from './local-platform.js';
import { watchModuleSources } from './source-watcher.js';

/** The dev tenant's subdomain ("dev" is reserved for the platform), and the name of the API key `dev` makes for it. */
export const DEV_TENANT = 'dev-tenant';
const DEV_KEY_NAME = 'dogan-module dev';

async function ensureDevTenant(platform: LocalPlatform): Promise<Tenant> {
  const { tenants } = platform.tenants;
  const tenant = (await tenants.find(DEV_TENANT)) ?? (await tenants.create({ name: 'Dev tenant', subdomain: DEV_TENANT, locale: 'en' }, 'dogan-module dev'));
  // A dev data dir outlives the trial period; an expired dev tenant would answer every call with 403.
  if (tenant.status === 'trial' || tenant.status === 'active') return tenant;
  return tenants.transition(tenant.id, 'activate', 'dogan-module dev');
}

/** A new key each start (keys are shown once); the previous start's keys are revoked. */
async function freshApiKey(platform: LocalPlatform, tenantId: string): Promise<string> {
  const { keys } = platform.tenants;
  for (const old of await keys.list(tenantId)) if (old.name === DEV_KEY_NAME && !old.revokedAt) await keys.revoke(tenantId, old.id);
  return (await keys.create(tenantId, { name: DEV_KEY_NAME, scopes: ['read', 'write', 'admin'] })).key;
}

/** A line to paste: the first route, with a JSON body for methods that take one. */
export function curlLine(base: string, route: RouteDeclaration | undefined, apiKey: string): string {
  const path = route?.path ?? '/';
  const method = route?.method ?? 'GET';
  const body = method === 'GET' || method === 'DELETE' ? '' : ` -H 'content-type: application/json' -d '{}'`;
  return `curl${method === 'GET' ? '' : ` -X ${method}`} -H 'authorization: Bearer ${apiKey}'${body} ${base}${path}`;
}

/** The lines of a multi-line message, indented under its heading. */
function indented(message: string): string {
  return `  ${message.replace(/\n/g, '\n  ')}`;
}

/**
 * `dogan-module dev`: builds the module, starts the platform on `port` with a data dir in
 * `<module>/.dogan/dev` (so the dev tenant and its documents survive restarts), enables the module in
 * the dev tenant, and rebuilds and re-enables it when `src/` or `manifest.json` change. Each build is
 * registered as `<version>-dev.N` because the runtime caches code by `id@version`; nothing on disk
 * is bumped. A failed build is printed at once, on start too, and the previous build (if any) keeps
 * serving until a save fixes it; only a folder without manifest.json stops `dev`.
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const { dir, out, err } = options;
  if (!existsSync(join(dir, MANIFEST_FILE))) readModuleManifest(dir); // throws its "not a module folder" message
  /** Validates, builds and checks the module: what the next dev version serves. */
  const prepare = async () => {
    const manifest = readModuleManifest(dir);
    const result = await buildCheckedModule(dir, manifest);
    return { manifest, code: readFileSync(result.outfile, 'utf8') };
  };
  // Built before the platform starts, so a broken module is reported within a second, not after it.
  const first = await prepare().catch((e: unknown) => {
    err(`build failed; serving nothing until it builds:\n${indented((e as Error).message)}`);
    return undefined;
  });
  const platform = await startLocalPlatform({ dataDir: join(dir, '.dogan', 'dev'), port: options.port, logLevel: options.logLevel });
  let tenant: Tenant;
  let apiKey: string;
  let builds = 0;
  let served: { manifest: ModuleManifest; key: string } | undefined;
  /** Enables a prepared build as the next dev version; returns what served before. */
  const deploy = async ({ manifest, code }: { manifest: ModuleManifest; code: string }) => {
    const { key } = await installModule(platform, tenant.id, manifest, code, { version: devVersion(manifest.version, ++builds) });
    const previous = served;
    served = { manifest, key };
    return previous;
  };
  try {
    tenant = await ensureDevTenant(platform);
    apiKey = await freshApiKey(platform, tenant.id);
  } catch (e) {
    await platform.close();
    throw e;
  }
  // A module whose install hook throws is fixed by a save too, like one that does not build.
  if (first) await deploy(first).catch((e: unknown) => err(`enabling the module failed; serving nothing until a save fixes it:\n${indented((e as Error).message)}`));
  const url = platform.url!;
  const mount = (manifest: ModuleManifest) => `${url}/api/v1/${tenant.subdomain}/apps/${manifest.id}`;
  const routeLines = (manifest: ModuleManifest) => {
    out(`  routes:  ${mount(manifest)}/...`);
    out(`  try:     ${curlLine(mount(manifest), manifest.routes[0], apiKey)}`);
  };
  out(`dev platform running at ${url}`);
  if (served) out(`  module:  ${served.key} (manifest.json says ${served.manifest.version}; the -dev suffix exists only in this platform)`);
  else out('  module:  not built yet; save a fix and it is served at once');
  out(`  tenant:  ${tenant.name} (subdomain "${tenant.subdomain}", id ${tenant.id})`);
  out(`  API key: ${apiKey}   (a new one each start)`);
  if (served) routeLines(served.manifest);

  const rebuild = async () => {
    const start = performance.now();
    try {
      const previous = await deploy(await prepare());
      out(`rebuilt: now serving ${served!.key} (${Math.round(performance.now() - start)} ms)`);
      if (!previous) routeLines(served!.manifest);
      else if (previous.manifest.id !== served!.manifest.id) out(`  the module id changed: routes are now under ${mount(served!.manifest)}`);
    } catch (e) {
      err(`rebuild failed; ${served ? `still serving ${served.key}` : 'serving nothing until it builds'}:\n${indented((e as Error).message)}`);
    }
  };

  // One rebuild at a time; changes during a rebuild start one more after it.
  let building: Promise<void> | undefined;
  let pending = false;
  const trigger = (): void => {
    if (building) {
      pending = true;
      return;
    }
    building = rebuild().finally(() => {
      building = undefined;
      if (pending) {
        pending = false;
        trigger();
      }
    });
  };
  const watcher = watchModuleSources(dir, trigger);
  // Said only once the watch runs: a save made right after this line is seen (it used to be printed
  // before, and a save in between was taken as the starting state and never rebuilt).
  out('watching src/ and manifest.json; Ctrl-C stops');

  let stopping: Promise<void> | undefined;
  return {
    url,
    tenant,
    apiKey,
    current: () => served?.key ?? '',
    stop() {
      stopping ??= (async () => {
        watcher.close();
        pending = false;
        await building;
        await platform.close();
      })();
      return stopping;
    },
  };
}
