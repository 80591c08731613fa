import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A publisher's Ed25519 key pair as PEM text (PKCS#8 private, SPKI public). */
export interface PublisherKeyPair {
  readonly privateKeyPem: string;
  readonly publicKeyPem: string;
  readonly keyId: string;
}

/**
 * The id of a public key: `SHA256:` and the unpadded base64url SHA-256 of its DER SPKI bytes, as
 * SSH prints fingerprints. The registry and the platform name keys by it.
 */
export function publicKeyId(publicKey: KeyObject | string): string {
  const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const der = key.export({ type: 'spki', format: 'der' });
  return `SHA256:${createHash('sha256').update(der).digest('base64url')}`;
}

/** A new Ed25519 key pair from node:crypto. */
export function generatePublisherKeyPair(): PublisherKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyPem,
    keyId: publicKeyId(publicKey),
  };
}

/**
 * Writes the pair as `<base>.key` (mode 0600: the owner alone reads it) and `<base>.pub`; refuses to
 * overwrite an existing private key, which may be the only copy.
 */
export function writeKeyPair(base: string, pair: PublisherKeyPair): { privateKeyPath: string; publicKeyPath: string } {
  const privateKeyPath = `${base}.key`;
  const publicKeyPath = `${base}.pub`;
  if (existsSync(privateKeyPath)) throw new Error(`${privateKeyPath} exists; move it away first if you really want a new key`);
  mkdirSync(dirname(base), { recursive: true, mode: 0o700 });
  writeFileSync(privateKeyPath, pair.privateKeyPem, { mode: 0o600, flag: 'wx' });
  chmodSync(privateKeyPath, 0o600); // the umask may have narrowed it further, never widened; pin it
  writeFileSync(publicKeyPath, pair.publicKeyPem, { mode: 0o644 });
  return { privateKeyPath, publicKeyPath };
}

/** Reads an Ed25519 private key file, refusing one that others can read. */
export function readPrivateKey(path: string): KeyObject {
  if (!existsSync(path)) throw new Error(`no private key at ${path}; create one with "dogan-module keys"`);
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new Error(`${path} is readable by other users; run "chmod 600 ${path}"`);
  }
  const key = createPrivateKey(readFileSync(path));
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${path} is not an Ed25519 private key`);
  return key;
}
