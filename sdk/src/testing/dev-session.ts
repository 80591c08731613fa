import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';
import { buildModule } from '../build/build-module.js';
import type { ModuleManifest, RouteDeclaration } from '../manifest/types.js';
import { readModuleManifest } from '../pack/pack-module.js';
import { devVersion, installModule } from './install-module.js';
import { startLocalPlatform, type LocalPlatform, type Tenant } from './local-platform.js';

/** The dev tenant's subdomain ("dev" is reserved for the platform), and the name of the API key `dev` makes for it. */
export const DEV_TENANT = 'dev-tenant';
const DEV_KEY_NAME = 'dogan-module dev';
/** Editors write a file in several steps; one rebuild per burst of changes. */
const DEBOUNCE_MS = 200;

export interface DevSessionOptions {
  /** The module folder. */
  readonly dir: string;
  /** 0 for any free port. */
  readonly port: number;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  /** The kernel's pino level (default silent). */
  readonly logLevel?: string;
}

/** A running `dogan-module dev`. */
export interface DevSession {
  readonly url: string;
  readonly tenant: Tenant;
  readonly apiKey: string;
  /** `id@version` being served now. */
  current(): string;
  /** Stops watching, drains requests and closes the platform. */
  stop(): Promise<void>;
}

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

/**
 * `dogan-module dev`: builds the module, starts the platform on `port` with a data dir in
 * `<module>/.dogan/dev` (so the dev tenant and its documents survive restarts), enables the module in
 * the dev tenant, and rebuilds and re-enables it when `src/` or `manifest.json` change. Each build is
 * registered as `<version>-dev.N` because the runtime caches code by `id@version`; nothing on disk
 * is bumped. A failed rebuild is printed and the previous build keeps serving.
 */
export async function startDevSession(options: DevSessionOptions): Promise<DevSession> {
  const { dir, out, err } = options;
  let manifest: ModuleManifest = readModuleManifest(dir);
  const built = await buildModule(dir);
  const platform = await startLocalPlatform({ dataDir: join(dir, '.dogan', 'dev'), port: options.port, logLevel: options.logLevel });
  let builds = 1;
  let current: string;
  let tenant: Tenant;
  let apiKey: string;
  try {
    tenant = await ensureDevTenant(platform);
    apiKey = await freshApiKey(platform, tenant.id);
    current = (await installModule(platform, tenant.id, manifest, readFileSync(built.outfile, 'utf8'), { version: devVersion(manifest.version, builds) })).key;
  } catch (e) {
    await platform.close();
    throw e;
  }
  const url = platform.url!;
  const mount = () => `${url}/api/v1/${tenant.subdomain}/apps/${manifest.id}`;
  out(`dev platform running at ${url}`);
  out(`  module:  ${current} (manifest.json says ${manifest.version}; the -dev suffix exists only in this platform)`);
  out(`  tenant:  ${tenant.name} (subdomain "${tenant.subdomain}", id ${tenant.id})`);
  out(`  API key: ${apiKey}   (a new one each start)`);
  out(`  routes:  ${mount()}/...`);
  out(`  try:     ${curlLine(mount(), manifest.routes[0], apiKey)}`);
  out('watching src/ and manifest.json; Ctrl-C stops');

  const rebuild = async () => {
    const start = performance.now();
    try {
      const next = readModuleManifest(dir);
      const result = await buildModule(dir);
      const key = (await installModule(platform, tenant.id, next, readFileSync(result.outfile, 'utf8'), { version: devVersion(next.version, builds + 1) })).key;
      builds++;
      if (next.id !== manifest.id) out(`  the module id changed: routes are now under ${url}/api/v1/${tenant.subdomain}/apps/${next.id}`);
      manifest = next;
      current = key;
      out(`rebuilt: now serving ${current} (${Math.round(performance.now() - start)} ms)`);
    } catch (e) {
      err(`rebuild failed; still serving ${current}:\n  ${(e as Error).message.replace(/\n/g, '\n  ')}`);
    }
  };

  // One rebuild at a time; changes during a rebuild start one more after it.
  let timer: NodeJS.Timeout | undefined;
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
  const changed = () => {
    clearTimeout(timer);
    timer = setTimeout(trigger, DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = [
    watch(join(dir, 'src'), { recursive: true }, changed),
    // The folder, not the file: editors that save by renaming would end a watch on the file itself.
    watch(dir, (_event, name) => {
      if (name === 'manifest.json') changed();
    }),
  ];

  let stopping: Promise<void> | undefined;
  return {
    url,
    tenant,
    apiKey,
    current: () => current,
    stop() {
      stopping ??= (async () => {
        for (const w of watchers) w.close();
        clearTimeout(timer);
        pending = false;
        await building;
        await platform.close();
      })();
      return stopping;
    },
  };
}
