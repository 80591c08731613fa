import AjvModule from 'ajv';
import type { SecretBox } from '@dogan/runtime';
import { secretFields } from '@dogan/plugin-modules';
import type { ModuleManifest } from '@dogan/module-manifest';
import { MarketplaceErrors } from '../errors.js';

const Ajv = AjvModule as unknown as typeof AjvModule.default;
const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true });
ajv.addKeyword({ keyword: 'secret', schemaType: 'boolean' });

/** What a tenant sees in place of a secret's value; sending it back keeps the stored value. */
export const SECRET_MASK = '********';

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

  /**
   * Stored settings moved from one version's schema to another's (upgrade, rollback). A secret the
   * target version does not mark secret would be stored and shown in clear: that is refused unless
   * the tenant named it in `discard`, and then its value is deleted, never kept in clear.
   */
  carry(from: ModuleManifest, to: ModuleManifest, stored: Record<string, unknown>, discard: readonly string[] = []): Record<string, unknown> {
    const stillSecret = new Set(secretFields(to));
    const losing = secretFields(from).filter((name) => stored[name] !== undefined && !stillSecret.has(name));
    const refused = losing.filter((name) => !discard.includes(name));
    if (refused.length > 0) throw MarketplaceErrors.MODULE_SECRET_DOWNGRADE.with({ settings: refused }, to.version, to.id, refused.join(', '), JSON.stringify(refused));
    const clear = this.decode(from, stored);
    for (const name of losing) delete clear[name];
    return this.encode(to, clear);
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
    const secrets = secretFields(manifest);
    // A value still encrypted under a schema that forgot the field is masked too, not shown as ciphertext.
    for (const [name, value] of Object.entries(out)) if ((secrets.includes(name) && value !== undefined) || this.box.isEncrypted(value)) out[name] = SECRET_MASK;
    return out;
  }
}
