/**
 * @dogan/module-manifest: the format of a Dogan module, with no dependency on the platform. The
 * manifest's types, JSON Schema and validator, event namespaces, the package layout, and the release
 * signing that the SDK writes and the registry and the platform check. The SDK, the registry and the
 * platform all read a module through this one package, so they cannot disagree about it.
 */
export type * from './types.js';
export { EMAIL_RECIPIENT_SCOPES, ERPNEXT_ACCESS_LEVELS, ERPNEXT_DOCTYPE_PATTERN, manifestSchema, MODULE_CATEGORIES, MODULE_ID_PATTERN, PUBLISHER_NAME_PATTERN } from './schema.js';
export { validateManifest, formatManifestProblems, type ManifestProblem, type ManifestValidation } from './validate-manifest.js';
export { jsonErrorOffset, locateJsonError, type JsonErrorLocation } from './json-error-location.js';
export { inModuleNamespace, moduleEventPrefix, PLATFORM_EVENT_NAMESPACES } from './event-namespace.js';
export {
  BUNDLE_FILE,
  CHECKSUMS_FILE,
  MANIFEST_FILE,
  PACKAGE_ROOT,
  README_FILE,
  REQUIRED_FILES,
  packageFileName,
  type PackageChecksums,
} from './package-layout.js';
export { canonicalJson } from './signing/canonical-json.js';
export { sha512Integrity, isSha512Integrity } from './signing/integrity.js';
export { SIGNING_PAYLOAD_PREFIX, signingPayload, signRelease, verifyRelease } from './signing/signing-payload.js';
export { generatePublisherKeyPair, publicKeyId, readPrivateKey, writeKeyPair, type PublisherKeyPair } from './signing/keys.js';
