/**
 * @dogan/sdk: what a module author needs outside the sandbox: `defineModule`, the manifest's types
 * and JSON Schema with its validator, the release signing that the registry and the platform check,
 * and the build/pack steps the `dogan-module` CLI runs.
 */
export { defineModule, type Handler, type ModuleDefinition } from './define-module.js';
export type * from './module-api.js';
export type * from './manifest/types.js';
export { manifestSchema, MODULE_CATEGORIES, MODULE_ID_PATTERN, PUBLISHER_NAME_PATTERN } from './manifest/schema.js';
export { validateManifest, formatManifestProblems, type ManifestProblem, type ManifestValidation } from './manifest/validate-manifest.js';
export { canonicalJson } from './signing/canonical-json.js';
export { sha512Integrity, isSha512Integrity } from './signing/integrity.js';
export { SIGNING_PAYLOAD_PREFIX, signingPayload, signRelease, verifyRelease } from './signing/signing-payload.js';
export { generatePublisherKeyPair, publicKeyId, readPrivateKey, writeKeyPair, type PublisherKeyPair } from './signing/keys.js';
export {
  BUNDLE_FILE,
  CHECKSUMS_FILE,
  MANIFEST_FILE,
  PACKAGE_ROOT,
  README_FILE,
  REQUIRED_FILES,
  packageFileName,
  type PackageChecksums,
} from './pack/package-layout.js';
export { deterministicTgz, PACK_MTIME, type PackFile } from './pack/deterministic-tgz.js';
export { buildPackageArchive, packModule, readModuleManifest, type PackageParts, type PackedModule } from './pack/pack-module.js';
export { buildCheckedModule, buildModule, SANDBOX_IMPORT, type BuildResult } from './build/build-module.js';
export { checkBundleHandlers } from './build/bundle-handlers.js';
export { defineModuleTests, type ModuleTestContext, type ModuleTests } from './testing/define-tests.js';
