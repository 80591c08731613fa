import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Collection, HttpMethod, ModuleManifest } from '@dogan/module-manifest';
import { ModuleErrors } from './errors.js';

/** A module version the platform can run: its manifest, bundle and derived look-ups. */
export interface LoadedModule {
  readonly manifest: ModuleManifest;
  readonly code: string;
  /** `id@version`. */
  readonly key: string;
  /** SHA-512 of the bundle, base64 (the registry's integrity format). */
  readonly integrity: string;
  readonly collections: ReadonlyMap<string, Collection>;
  /** The declared route for a call (its handler, path parameters and the scope it asks for beyond the method's). */
  matchRoute(method: string, path: string): { handler: string; params: Record<string, string>; scope?: string } | 'method' | undefined;
}

const MODULE_ID = /^[a-z][a-z0-9-]*\.[a-z][a-z0-9-]*$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/;
const COLLECTION = /^[a-z][a-z0-9_]{0,62}$/;
const HANDLER = /^[A-Za-z_$][A-Za-z0-9_$]{0,100}$/;
/** Agent tool names, as the manifest schema has them: agents' tool names are built from them (agent-tools.ts). */
const TOOL_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/** The checks the sandbox depends on; the full manifest schema (sdk/manifest/src/schema.ts) runs on install. */
function checkManifest(m: ModuleManifest, where: string): void {
  const fail = (why: string) => {
    throw ModuleErrors.MODULE_INVALID(where, why);
  };
  if (!m || typeof m !== 'object') fail('manifest.json is not an object');
  if (!MODULE_ID.test(String(m.id))) fail(`id "${String(m.id)}" must look like "publisher.name"`);
  if (!SEMVER.test(String(m.version))) fail(`version "${String(m.version)}" is not semver`);
  for (const key of ['permissions', 'collections', 'routes', 'events', 'jobs'] as const) if (!Array.isArray(m[key])) fail(`"${key}" must be an array`);
  for (const c of m.collections) if (!COLLECTION.test(String(c.name))) fail(`collection name "${String(c.name)}" is invalid`);
  if (m.agentTools !== undefined && !Array.isArray(m.agentTools)) fail('"agentTools" must be an array');
  for (const tool of m.agentTools ?? []) if (!TOOL_NAME.test(String(tool.name))) fail(`agent tool name "${String(tool.name)}" is invalid`);
  for (const r of [...m.routes, ...m.events, ...m.jobs, ...(m.agentTools ?? [])]) if (!HANDLER.test(String(r.handler))) fail(`handler "${String(r.handler)}" is not an identifier`);
  for (const r of m.routes) if (typeof r.path !== 'string' || !r.path.startsWith('/')) fail(`route path "${String(r.path)}" must start with /`);
}

function routeMatcher(manifest: ModuleManifest): LoadedModule['matchRoute'] {
  const table = manifest.routes.map((r) => ({ method: r.method as HttpMethod, parts: r.path.split('/').filter(Boolean), handler: r.handler, scope: r.scope }));
  return (method, path) => {
    const parts = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const route of table) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const same = route.parts.every((p, i) => {
        if (p.startsWith(':')) {
          params[p.slice(1)] = decodeURIComponent(parts[i]!);
          return true;
        }
        return p === parts[i];
      });
      if (!same) continue;
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { handler: route.handler, params, scope: route.scope };
      methodMismatch = true;
    }
    return methodMismatch ? 'method' : undefined;
  };
}

export function moduleFromSource(manifest: ModuleManifest, code: string, where = 'module'): LoadedModule {
  checkManifest(manifest, where);
  return {
    manifest,
    code,
    key: `${manifest.id}@${manifest.version}`,
    integrity: `sha512-${createHash('sha512').update(code).digest('base64')}`,
    collections: new Map(manifest.collections.map((c) => [c.name, c])),
    matchRoute: routeMatcher(manifest),
  };
}

/** Reads `manifest.json` and `bundle.js` from a directory (tests and the SDK harness, until installs land). */
export async function loadModuleFromDirectory(dir: string): Promise<LoadedModule> {
  let manifest: ModuleManifest;
  let code: string;
  try {
    manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as ModuleManifest;
    code = await readFile(join(dir, 'bundle.js'), 'utf8');
  } catch (err) {
    throw ModuleErrors.MODULE_INVALID(dir, (err as Error).message);
  }
  return moduleFromSource(manifest, code, dir);
}
