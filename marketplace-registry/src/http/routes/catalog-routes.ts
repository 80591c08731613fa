import type { FastifyInstance } from 'fastify';
import { MODULE_CATEGORIES } from '@dogan/module-manifest';
import { PUBLIC_POLICY } from '@dogan/runtime';
import type { CatalogService } from '../../services/catalog-service.js';
import { idParam, packageVersionParams, publisherParam } from '../schemas.js';

const PRICING_MODELS = ['free', 'one_time', 'subscription', 'per_use'];
/** The catalog is public: anyone may search it and download a package (which its signature, not its source, makes trustworthy). */
const config = { policy: PUBLIC_POLICY };

/** Public reading: search, package and version metadata, resolution for installs, downloads. */
export function catalogRoutes(app: FastifyInstance, catalog: CatalogService): void {
  app.get<{ Querystring: { q?: string; category?: string; pricing?: string; maxPrice?: number; publisher?: string; page: number; perPage: number } }>(
    '/v1/packages',
    {
      config,
      schema: {
        tags: ['catalog'],
        summary: 'Search modules by Arabic or English text, category, pricing and publisher',
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            q: { type: 'string', maxLength: 200 },
            category: { type: 'string', enum: [...MODULE_CATEGORIES] },
            pricing: { type: 'string', pattern: `^(${PRICING_MODELS.join('|')})(,(${PRICING_MODELS.join('|')}))*$`, description: 'comma-separated pricing models' },
            maxPrice: { type: 'integer', minimum: 0, description: 'highest price in minor units (halalas, cents)' },
            publisher: publisherParam,
            page: { type: 'integer', minimum: 1, maximum: 10_000, default: 1 },
            perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => {
      const { pricing, ...rest } = request.query;
      return catalog.search({ ...rest, pricing: pricing?.split(',') });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/packages/:id',
    { config, schema: { tags: ['catalog'], summary: 'A module: publisher, dist-tags and every version', params: { type: 'object', required: ['id'], properties: { id: idParam } } } },
    async (request) => catalog.package(request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { range: string } }>(
    '/v1/packages/:id/resolve',
    {
      config,
      schema: {
        tags: ['catalog'],
        summary: 'The version a new install gets for a semver range or dist-tag (never a yanked version)',
        params: { type: 'object', required: ['id'], properties: { id: idParam } },
        querystring: { type: 'object', additionalProperties: false, properties: { range: { type: 'string', minLength: 1, maxLength: 100, default: 'latest' } } },
      },
    },
    async (request) => catalog.resolve(request.params.id, request.query.range),
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/v1/packages/:id/versions/:version',
    { config, schema: { tags: ['catalog'], summary: 'One version: manifest, integrity, signature and key id', params: packageVersionParams } },
    async (request) => catalog.version(request.params.id, request.params.version),
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/v1/packages/:id/versions/:version/tarball',
    { config, schema: { tags: ['catalog'], summary: 'Download the package archive of an exact version (yanked versions included)', params: packageVersionParams } },
    async (request, reply) => {
      const { id, version } = request.params;
      const { data, integrity } = await catalog.tarball(id, version);
      return reply
        .type('application/gzip')
        .header('content-disposition', `attachment; filename="${id}-${version}.tgz"`)
        .header('x-dogan-integrity', integrity)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .send(data);
    },
  );
}
