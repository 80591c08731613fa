import AjvModule from 'ajv';
import type { SecretBox } from '@dogan/runtime';
import type { ModuleManifest } from '@dogan/sdk';
import { MarketplaceErrors } from '../errors.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });

/** What a tenant sees in place of a secret's value; sending it back keeps the stored value. */
export const SECRET_MASK = '********';

function secretFields(manifest: ModuleManifest): string[] {
  const props = (manifest.settings?.properties ?? {}) as Record<string, { secret?: boolean }>;
  return Object.entries(props)
    .filter(([, p]) => p?.secret === true)
    .map(([name]) => name);
}

/**
 * A module's settings for one tenant: validated by the module's schema, secret fields (`"secret":
 * true` in the schema) encrypted at rest and never returned in clear.
 */
export class SettingsCodec {
  constructor(private readonly box: SecretBox) {}

  /**
   * Validates `input` (a masked secret means "keep what is stored") and returns what to store.
   * Throws MODULE_SETTINGS_INVALID with the fields named.
   */
  encode(manifest: ModuleManifest, input: unknown, stored: Record<string, unknown> = {}): Record<string, unknown> {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw MarketplaceErrors.MODULE_SETTINGS_INVALID(manifest.id, 'settings are a JSON object');
    }
    const secrets = secretFields(manifest);
    const clear: Record<string, unknown> = { ...(input as Record<string, unknown>) };
    for (const name of secrets) {
      if (clear[name] === SECRET_MASK && typeof stored[name] === 'string') clear[name] = this.box.decrypt(stored[name] as string);
    }
    if (manifest.settings) {
      const validate = ajv.compile(manifest.settings);
      if (!validate(clear)) {
        const why = (validate.errors ?? []).map((e) => `${e.instancePath.replace(/^\//, '') || 'settings'} ${e.message}`).join('; ');
        throw MarketplaceErrors.MODULE_SETTINGS_INVALID(manifest.id, why);
      }
    } else if (Object.keys(clear).length > 0) {
      throw MarketplaceErrors.MODULE_SETTINGS_INVALID(manifest.id, 'this module has no settings');
    }
    for (const name of secrets) if (typeof clear[name] === 'string') clear[name] = this.box.encrypt(clear[name] as string);
    return clear;
  }

  /** The settings the module itself receives: secrets decrypted. */
  decode(manifest: ModuleManifest, stored: Record<string, unknown>): Record<string, unknown> {
    const out = { ...stored };
    for (const name of secretFields(manifest)) if (this.box.isEncrypted(out[name])) out[name] = this.box.decrypt(out[name] as string);
    return out;
  }

  /** The settings as the tenant's admins see them: secrets masked. */
  mask(manifest: ModuleManifest, stored: Record<string, unknown>): Record<string, unknown> {
    const out = { ...stored };
    for (const name of secretFields(manifest)) if (out[name] !== undefined) out[name] = SECRET_MASK;
    return out;
  }
}
