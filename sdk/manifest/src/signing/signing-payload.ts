import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { ModuleManifest } from '../types.js';

/** Versioned domain separator: a signature made for anything else can never verify as a release. */
export const SIGNING_PAYLOAD_PREFIX = 'dogan-module-release-v1';

/**
 * The exact bytes a publisher signs, defined once for the CLI and the registry and the platform:
 *
 * ```text
 * dogan-module-release-v1 LF <integrity of the .tgz> LF <canonical JSON of manifest.json>
 * ```
 *
 * as UTF-8. The integrity binds every byte of the package; the manifest is repeated so that what a
 * tenant is asked to grant (id, version, permissions) is signed in a form a verifier can read
 * without trusting the tarball's layout.
 */
export function signingPayload(integrity: string, manifest: ModuleManifest | Record<string, unknown>): Buffer {
  return Buffer.from(`${SIGNING_PAYLOAD_PREFIX}\n${integrity}\n${canonicalJson(manifest)}`, 'utf8');
}

/** Ed25519 signature (base64) of {@link signingPayload} with the publisher's private key. */
export function signRelease(privateKey: KeyObject, integrity: string, manifest: ModuleManifest | Record<string, unknown>): string {
  return sign(null, signingPayload(integrity, manifest), privateKey).toString('base64');
}

/**
 * True when `signature` (base64) is the Ed25519 signature of {@link signingPayload} under
 * `publicKey` (a KeyObject or an SPKI PEM). Malformed input is `false`, never a throw.
 */
export function verifyRelease(
  publicKey: KeyObject | string,
  integrity: string,
  manifest: ModuleManifest | Record<string, unknown>,
  signature: string,
): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    if (key.asymmetricKeyType !== 'ed25519' || !/^[A-Za-z0-9+/]{86}==$/.test(signature)) return false;
    return verify(null, signingPayload(integrity, manifest), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
