/**
 * @dogan/sdk: what a module author needs outside the sandbox: `defineModule`, the module format
 * (`@dogan/module-manifest`, re-exported), and the build/pack steps the `dogan-module` CLI runs.
 * Running a module's tests needs the local platform, `@dogan/module-testing`, loaded on demand.
 */
export { defineModule, type Handler, type ModuleDefinition } from './define-module.js';
export type * from './module-api.js';
// The module format, for authors' scripts: the same package the registry and the platform read.
export * from '@dogan/module-manifest';
export { deterministicTgz, PACK_MTIME, type PackFile } from './pack/deterministic-tgz.js';
export { buildPackageArchive, packModule, readModuleManifest, type PackageParts, type PackedModule } from './pack/pack-module.js';
export { buildCheckedModule, buildModule, SANDBOX_IMPORT, stopBuildService, type BuildResult } from './build/build-module.js';
export { checkBundleHandlers } from './build/bundle-handlers.js';
export { defineModuleTests, type ModuleTestContext, type ModuleTests } from './testing/define-tests.js';
