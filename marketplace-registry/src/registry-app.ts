import multipart from '@fastify/multipart';
import type { MikroORM } from '@mikro-orm/core';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { PUBLIC_POLICY } from '@dogan/runtime';
import { loadRegistryConfig, registryPaths, type RegistryConfig } from './config.js';
import { openRegistryDatabase } from './db/open-registry-database.js';
import { createRegistryAdminAuth, type RegistryAdminAuth } from './http/auth.js';
import { installRegistryProblemHandler } from './http/problem-handlers.js';
import { adminRoutes } from './http/routes/admin-routes.js';
import { catalogRoutes } from './http/routes/catalog-routes.js';
import { publisherRoutes } from './http/routes/publisher-routes.js';
import { CatalogService } from './services/catalog-service.js';
import { PublisherService } from './services/publisher-service.js';
import { PublishService } from './services/publish-service.js';
import { FileTarballStore, type TarballStore } from './storage/tarball-store.js';

export interface RegistryOptions {
  /** Defaults to `loadRegistryConfig()` (environment and `.env`). */
  config?: RegistryConfig;
  /** Where archives go; defaults to files under REGISTRY_DATA_DIR/tarballs. */
  store?: TarballStore;
}

/** A registry ready to mount: its routes as a Fastify plugin, and its services for the CLI and tests. */
export interface RegistryApp {
  /**
   * The registry's routes as an encapsulated Fastify plugin. Every route is relative, so it works
   * under any prefix: `app.register(registry.plugin, { prefix: '/registry' })`.
   */
  readonly plugin: FastifyPluginAsync;
  readonly publishers: PublisherService;
  readonly catalog: CatalogService;
  readonly publishing: PublishService;
  readonly store: TarballStore;
  readonly orm: MikroORM;
  readonly admin: RegistryAdminAuth;
  readonly config: RegistryConfig;
  /** Closes the database; call after the Fastify app that mounts the plugin is closed. */
  close(): Promise<void>;
}

/**
 * Opens the registry's database and storage and returns its routes as a plugin. The platform mounts
 * the plugin under `/registry`; `startStandaloneRegistry` runs it alone.
 */
export async function buildRegistryApp(options: RegistryOptions = {}): Promise<RegistryApp> {
  const config = options.config ?? loadRegistryConfig();
  const paths = registryPaths(config);
  const orm = await openRegistryDatabase({ databaseUrl: config.REGISTRY_DATABASE_URL, sqlitePath: paths.sqlite });
  const store = options.store ?? new FileTarballStore(paths.tarballs);
  const publishers = new PublisherService(orm);
  const catalog = new CatalogService(orm, store);
  const publishing = new PublishService(orm, store, publishers, { maxFiles: config.REGISTRY_MAX_FILES, maxUnpackedBytes: config.REGISTRY_MAX_UNPACKED_BYTES });
  const admin = createRegistryAdminAuth({ token: config.REGISTRY_ADMIN_TOKEN, file: paths.adminToken });

  const plugin: FastifyPluginAsync = async (app: FastifyInstance) => {
    installRegistryProblemHandler(app);
    // The platform may have registered multipart already; a second parser in a child context would throw.
    if (!app.hasContentTypeParser('multipart/form-data')) await app.register(multipart);
    catalogRoutes(app, catalog);
    publisherRoutes(app, { publishers, catalog, publishing }, { maxUploadBytes: config.REGISTRY_MAX_UPLOAD_BYTES });
    adminRoutes(app, publishers, admin);
    app.get('/health', { config: { policy: PUBLIC_POLICY }, schema: { tags: ['operations'], summary: 'Liveness of the registry' } }, async () => ({ status: 'ok' }));
  };

  return { plugin, publishers, catalog, publishing, store, orm, admin, config, close: () => orm.close(true) };
}
