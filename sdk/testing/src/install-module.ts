import { Ajv } from 'ajv';
import { moduleFromSource } from '@dogan/plugin-modules';
import type { ModuleManifest } from '@dogan/module-manifest';
import type { LocalPlatform } from './local-platform.js';

/**
 * The settings a tenant gets when it changes nothing: the settings schema's own `default`, filled in
 * with each property's `default` (as Ajv's `useDefaults` applies them). `{}` without a schema.
 */
export function defaultSettings(manifest: ModuleManifest): Record<string, unknown> {
  const schema = manifest.settings;
  if (!schema) return {};
  const base = schema.default;
  const settings: Record<string, unknown> = base && typeof base === 'object' ? structuredClone(base as Record<string, unknown>) : {};
  const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true });
  ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });
  ajv.compile(schema)(settings); // fills defaults; whether the rest is valid is for the platform to say
  return settings;
}

/** What {@link installModule} did. */
export interface InstalledModule {
  /** `id@version` the runtime knows it by. */
  readonly key: string;
  readonly grants: readonly string[];
  readonly settings: Record<string, unknown>;
}

/**
 * Registers a built bundle with the runtime and enables it for a tenant with every permission the
 * manifest asks for. `version` overrides the manifest's: the runtime caches code by `id@version`, so
 * a rebuilt bundle must come under a new one (`dev` uses `1.0.0-dev.N`; nothing on disk changes).
 */
export async function installModule(
  platform: LocalPlatform,
  tenantId: string,
  manifest: ModuleManifest,
  code: string,
  options: { version?: string; settings?: Record<string, unknown> } = {},
): Promise<InstalledModule> {
  const versioned = options.version ? { ...manifest, version: options.version } : manifest;
  const key = platform.runtime.register(moduleFromSource(versioned, code, manifest.id)).key;
  const grants = manifest.permissions.map((p) => p.name);
  const settings = options.settings ?? defaultSettings(manifest);
  try {
    await platform.runtime.enableForTenant(tenantId, key, grants, settings);
  } catch (err) {
    if ((err as { code?: string }).code === 'MODULE_SETTINGS_INVALID' && !options.settings) {
      throw new Error(`${(err as Error).message}; the defaults of the settings schema are not valid settings: give settings to defineModuleTests(tests, { settings })`);
    }
    throw err;
  }
  return { key, grants, settings };
}

/** A dev version for the `n`th build: semver, and later builds sort after earlier ones. */
export function devVersion(version: string, n: number): string {
  return version.includes('-') ? `${version}.dev.${n}` : `${version}-dev.${n}`;
}
