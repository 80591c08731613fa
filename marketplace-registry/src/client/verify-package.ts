import { MANIFEST_FILE, sha512Integrity, verifyRelease, type ModuleManifest } from '@dogan/module-manifest';
import { RegistryErrors } from '../errors.js';
import { inspectTarball, type InspectLimits } from '../inspect/inspect-tarball.js';

/** What the registry says about a release; the archive must prove it. */
export interface ExpectedRelease {
  readonly id: string;
  readonly version: string;
  readonly integrity: string;
  readonly signature: string;
  readonly keyId: string;
  readonly publisher: string;
}

/**
 * Checks an archive before anything is unpacked: first its SHA-512 against the published integrity,
 * then the publisher's Ed25519 signature over that integrity and the manifest inside the archive
 * (read in memory by the same safe inspector the registry uses), then that the signed manifest is
 * the release that was asked for.
 */
export async function verifyPackage(
  data: Buffer,
  expected: ExpectedRelease,
  publicKeyPem: string | undefined,
  limits: InspectLimits,
): Promise<{ manifest: ModuleManifest; files: ReadonlyMap<string, Buffer> }> {
  const { id, version } = expected;
  const actual = sha512Integrity(data);
  if (actual !== expected.integrity) throw RegistryErrors.MODULE_INTEGRITY_MISMATCH(id, version, actual, expected.integrity);
  if (!publicKeyPem) {
    throw RegistryErrors.MODULE_SIGNATURE_INVALID(id, version, `it is signed with key ${expected.keyId}, which is not a trusted key of publisher "${expected.publisher}"`);
  }
  const inspected = await inspectTarball(data, limits, () => true);
  let manifest: ModuleManifest;
  try {
    manifest = JSON.parse(inspected.contents.get(MANIFEST_FILE)!.toString('utf8')) as ModuleManifest;
  } catch {
    throw RegistryErrors.MODULE_SIGNATURE_INVALID(id, version, `${MANIFEST_FILE} is not JSON`);
  }
  if (!verifyRelease(publicKeyPem, actual, manifest, expected.signature)) {
    throw RegistryErrors.MODULE_SIGNATURE_INVALID(id, version, `the signature does not verify with key ${expected.keyId} over this archive and its manifest`);
  }
  if (manifest.id !== id || manifest.version !== version || id.split('.')[0] !== expected.publisher) {
    throw RegistryErrors.MODULE_SIGNATURE_INVALID(id, version, `the signed manifest is for ${manifest.id}@${manifest.version} of another publisher or version`);
  }
  return { manifest, files: inspected.contents };
}
