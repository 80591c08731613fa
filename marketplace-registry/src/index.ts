/** @dogan/marketplace-registry: the module registry service, and the platform's client for it. */
export { buildRegistryApp, type RegistryApp, type RegistryOptions } from './registry-app.js';
export { buildStandaloneRegistry, type StandaloneRegistry } from './standalone-server.js';
export { loadRegistryConfig, registryConfigSchema, type RegistryConfig } from './config.js';
export { RegistryErrors } from './errors.js';
export { registrySecuritySchemes } from './http/schemas.js';
export { FileTarballStore, type TarballStore } from './storage/tarball-store.js';
export { inspectTarball, type InspectLimits, type InspectedPackage } from './inspect/inspect-tarball.js';
export type { SearchQuery, VersionView } from './services/catalog-service.js';
export { RegistryClient, type RegistryClientOptions, type VerifiedPackage } from './client/registry-client.js';
