import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PREFIX = 'dgnenc:v1:';

/**
 * Encrypts secrets at rest (module settings marked secret, provider credentials) with AES-256-GCM.
 * Ciphertext is self-describing (`dgnenc:v1:<iv>.<tag>.<data>`, base64url) so a later key rotation
 * can tell versions apart; GCM's tag makes tampering an error rather than garbage.
 */
export interface SecretBox {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  isEncrypted(value: unknown): value is string;
}

function keyFrom(config: { DOGAN_SECRET_KEY?: string; DOGAN_DATA_DIR: string }): Buffer {
  if (config.DOGAN_SECRET_KEY) return Buffer.from(config.DOGAN_SECRET_KEY, 'base64');
  const file = join(config.DOGAN_DATA_DIR, 'secret.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  // Embedded mode: a key generated once and kept beside the data it protects, readable by the owner only.
  const key = randomBytes(32);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, key.toString('base64') + '\n', { mode: 0o600 });
  return key;
}

export function createSecretBox(config: { DOGAN_SECRET_KEY?: string; DOGAN_DATA_DIR: string }): SecretBox {
  const key = keyFrom(config);
  if (key.length !== 32) throw new Error('DOGAN_SECRET_KEY must be 32 bytes, base64-encoded');
  return {
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `${PREFIX}${iv.toString('base64url')}.${cipher.getAuthTag().toString('base64url')}.${data.toString('base64url')}`;
    },
    decrypt(ciphertext) {
      if (!ciphertext.startsWith(PREFIX)) throw new Error('not an encrypted value');
      const [iv, tag, data] = ciphertext.slice(PREFIX.length).split('.');
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv ?? '', 'base64url'));
      decipher.setAuthTag(Buffer.from(tag ?? '', 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data ?? '', 'base64url')), decipher.final()]).toString('utf8');
    },
    isEncrypted: (value): value is string => typeof value === 'string' && value.startsWith(PREFIX),
  };
}
