import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { CatalogService, Language } from '../catalog/catalog-service.js';
import type { ModuleInstallRecord } from '../entities.js';
import { MarketplaceErrors } from '../errors.js';
import type { InstallService } from '../install/install-service.js';
import type { SettingsCodec } from '../install/settings-codec.js';
import type { ModuleLoader } from '../install/module-loader.js';
import type { PurchaseService } from '../purchase-service.js';

const tags = ['marketplace'];
const config = { policy: tenantPolicy('read') };
/** Buying, installing and configuring modules is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const MODULE_ID = '^[a-z][a-z0-9-]{0,49}\\.[a-z][a-z0-9-]{0,49}$';
const params = {
  type: 'object',
  required: ['tenant', 'moduleId'],
  properties: { tenant: { type: 'string', minLength: 3, maxLength: 63 }, moduleId: { type: 'string', pattern: MODULE_ID } },
} as const;
const tenantParams = { type: 'object', required: ['tenant'], properties: { tenant: { type: 'string', minLength: 3, maxLength: 63 } } } as const;
const grantsSchema = { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } } as const;
/** The tenant's consent to delete secret settings a version no longer marks secret (never kept in clear). */
const discardSecretsSchema = { type: 'array', maxItems: 50, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 64 } } as const;

/** A module busy with another operation is worth retrying shortly: the refusal says when. */
async function retryWhenBusy<T>(reply: FastifyReply, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (MarketplaceErrors.MODULE_OPERATION_IN_PROGRESS.is(err)) reply.header('retry-after', String(err.extensions?.retryAfter ?? 1));
    throw err;
  }
}

export interface MarketplaceRouteDeps {
  catalog: CatalogService;
  installs: InstallService;
  purchases: PurchaseService;
  loader: ModuleLoader;
  codec: SettingsCodec;
}

function language(request: FastifyRequest): Language {
  const header = String(request.headers['accept-language'] ?? '');
  if (/^\s*ar\b/i.test(header)) return 'ar';
  if (/^\s*en\b/i.test(header)) return 'en';
  return (request.tenant as Tenant | null)?.locale === 'en' ? 'en' : 'ar';
}

function installJson(r: ModuleInstallRecord, settings?: Record<string, unknown>) {
  return {
    moduleId: r.moduleId,
    version: r.version,
    previousVersion: r.previousVersion ?? null,
    status: r.status,
    grants: r.grants,
    settings,
    installedAt: r.installedAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
    purgeAfter: r.purgeAfter?.toISOString() ?? null,
  };
}

/** The tenant-facing marketplace: catalog, purchase, install, settings, enable/disable, upgrade, rollback, uninstall. */
export async function tenantModuleRoutes(instance: FastifyInstance, deps: MarketplaceRouteDeps): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const moduleOf = (request: { params: { moduleId: string } }) => request.params.moduleId;

  app.get(
    '/api/v1/:tenant/modules',
    {
      config,
      schema: {
        tags,
        summary: 'Marketplace modules with this tenant\'s status for each and the permissions they ask for',
        params: tenantParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 100 },
            category: { type: 'string', maxLength: 40 },
            pricing: { type: 'string', pattern: '^(free|one_time|subscription|per_use)(,(free|one_time|subscription|per_use))*$' },
            maxPrice: { type: 'integer', minimum: 0 },
            page: { type: 'integer', minimum: 1, default: 1 },
            perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => deps.catalog.list(tenantOf(request).id, request.query, language(request)),
  );

  app.get('/api/v1/:tenant/modules/:moduleId', { config, schema: { tags, summary: 'One module, for this tenant', params } }, async (request) => {
    const found = await deps.catalog.one(tenantOf(request).id, moduleOf(request), language(request));
    if (!found) throw MarketplaceErrors.MODULE_NOT_FOUND(moduleOf(request));
    return found;
  });

  app.post('/api/v1/:tenant/modules/:moduleId/purchase', { ...admin, schema: { tags, summary: 'Buy a module (free ones need no payment)', params } }, async (request) => {
    const summary = await deps.catalog.one(tenantOf(request).id, moduleOf(request), 'en');
    if (!summary) throw MarketplaceErrors.MODULE_NOT_FOUND(moduleOf(request));
    const manifest = await deps.catalog.manifest(moduleOf(request), summary.latestVersion);
    return deps.purchases.purchase(tenantOf(request), manifest, summary.publisher.name);
  });

  app.post(
    '/api/v1/:tenant/modules/:moduleId/install',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Install a module with the permissions the tenant grants (every required one)',
        params,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['grants'],
          properties: { version: { type: 'string', minLength: 1, maxLength: 64 }, grants: grantsSchema, settings: { type: 'object' } },
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return reply.code(201).send(installJson(await retryWhenBusy(reply, () => deps.installs.install(tenantOf(request), moduleOf(request), body))));
    },
  );

  app.post(
    '/api/v1/:tenant/modules/:moduleId/upgrade',
    {
      ...admin,
      schema: {
        tags,
        summary:
          'Upgrade to a version (default: the latest this platform runs); new required permissions must be granted, and secret settings the version no longer marks secret must be named in discardSecrets',
        params,
        body: { type: 'object', additionalProperties: false, properties: { version: { type: 'string', minLength: 1, maxLength: 64 }, grants: grantsSchema, discardSecrets: discardSecretsSchema } },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return installJson(await retryWhenBusy(reply, () => deps.installs.upgrade(tenantOf(request), moduleOf(request), body)));
    },
  );

  app.post(
    '/api/v1/:tenant/modules/:moduleId/rollback',
    {
      ...admin,
      // A rollback usually has no body at all; it then means "no consent given".
      preValidation: async (request: FastifyRequest) => {
        request.body ??= {};
      },
      schema: {
        tags,
        summary: 'Back to the version before the last upgrade, with its data (secret settings it does not mark secret must be named in discardSecrets)',
        params,
        body: { type: 'object', additionalProperties: false, properties: { discardSecrets: discardSecretsSchema } },
      },
    },
    async (request, reply) => {
      const body = request.body;
      return installJson(await retryWhenBusy(reply, () => deps.installs.rollback(tenantOf(request), moduleOf(request), body)));
    },
  );

  for (const [path, enabled] of [['enable', true], ['disable', false]] as const) {
    const summary = enabled ? 'Enable a disabled module' : 'Disable: routes answer 404, jobs and subscriptions stop, data and any monthly charge stay';
    app.post(`/api/v1/:tenant/modules/:moduleId/${path}`, { ...admin, schema: { tags, summary, params } }, async (request, reply) =>
      installJson(await retryWhenBusy(reply, () => deps.installs.setEnabled(tenantOf(request), moduleOf(request), enabled))),
    );
  }

  app.get('/api/v1/:tenant/modules/:moduleId/settings', { ...admin, schema: { tags, summary: 'Module settings (secret fields masked)', params } }, async (request) => {
    const record = await deps.installs.active(tenantOf(request).id, moduleOf(request));
    const module = await deps.loader.load(record.moduleId, record.version);
    return { settings: deps.codec.mask(module.manifest, record.settings), schema: module.manifest.settings ?? null };
  });

  app.put(
    '/api/v1/:tenant/modules/:moduleId/settings',
    { ...admin, schema: { tags, summary: "Replace settings, validated by the module's schema; a masked secret keeps its value", params, body: { type: 'object' } } },
    async (request, reply) => {
      const record = await retryWhenBusy(reply, () => deps.installs.putSettings(tenantOf(request), moduleOf(request), request.body));
      const module = await deps.loader.load(record.moduleId, record.version);
      return { settings: deps.codec.mask(module.manifest, record.settings) };
    },
  );

  app.delete(
    '/api/v1/:tenant/modules/:moduleId',
    {
      ...admin,
      schema: {
        tags,
        summary:
          'Uninstall: routes, jobs and subscriptions go now, a monthly charge ends with the current period; data is kept for the retention period (?purge=true: deleted now)',
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { purge: { type: 'boolean', default: false } } },
      },
    },
    async (request, reply) => {
      await retryWhenBusy(reply, () => deps.installs.uninstall(tenantOf(request), moduleOf(request), { purge: request.query.purge }));
      return reply.code(204).send();
    },
  );
}
