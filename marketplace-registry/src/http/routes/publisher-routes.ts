import type { FastifyInstance, FastifyRequest } from 'fastify';
import { PUBLIC_POLICY, routeCredentialPolicy } from '@dogan/runtime';
import { RegistryErrors } from '../../errors.js';
import type { CatalogService } from '../../services/catalog-service.js';
import type { PublisherService } from '../../services/publisher-service.js';
import type { PublishService } from '../../services/publish-service.js';
import { currentPublisher, publisherAuth } from '../auth.js';
import { packageVersionParams, publisherParam, publisherSecurity, idParam } from '../schemas.js';

interface Services {
  publishers: PublisherService;
  catalog: CatalogService;
  publishing: PublishService;
}

// Headroom for the multipart framing and the small fields around the archive.
const MULTIPART_OVERHEAD = 64 * 1024;

/** Reads `tarball`, `signature`, `keyId` and optional `tag` from a multipart upload, bounded. */
async function readUpload(request: FastifyRequest, maxUploadBytes: number) {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > maxUploadBytes + MULTIPART_OVERHEAD) throw RegistryErrors.UPLOAD_TOO_LARGE(maxUploadBytes);
  const fields: Record<string, string> = {};
  let tarball: Buffer | undefined;
  const parts = request.parts({ limits: { fileSize: maxUploadBytes, files: 1, fields: 4, fieldSize: 1024, parts: 5 } });
  for await (const part of parts) {
    if (part.type === 'file') {
      if (part.fieldname !== 'tarball') throw RegistryErrors.UPLOAD_INVALID(`unexpected file field "${part.fieldname}"; send the archive as "tarball"`);
      try {
        tarball = await part.toBuffer();
      } catch (err) {
        if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') throw RegistryErrors.UPLOAD_TOO_LARGE(maxUploadBytes);
        throw err;
      }
    } else if (['signature', 'keyId', 'tag'].includes(part.fieldname)) {
      fields[part.fieldname] = String(part.value);
    } else {
      throw RegistryErrors.UPLOAD_INVALID(`unexpected field "${part.fieldname}"`);
    }
  }
  if (!tarball || tarball.length === 0) throw RegistryErrors.UPLOAD_INVALID('the "tarball" file field is missing or empty');
  if (!fields.signature || !fields.keyId) throw RegistryErrors.UPLOAD_INVALID('the "signature" and "keyId" fields are required');
  if (fields.tag !== undefined && !/^[a-z][a-z0-9-]{0,39}$/.test(fields.tag)) throw RegistryErrors.DIST_TAG_INVALID(`"${fields.tag.slice(0, 50)}" is not a tag name`);
  return { tarball, signature: fields.signature, keyId: fields.keyId, tag: fields.tag };
}

/** What a publisher does with its token: who am I, keys, publish, deprecate, yank, tag. */
export function publisherRoutes(app: FastifyInstance, services: Services, options: { maxUploadBytes: number }): void {
  const auth = publisherAuth(services.publishers);
  // The publisher's token is the registry's own credential: the route checks it (the kernel cannot).
  const secured = { preHandler: auth, config: { policy: routeCredentialPolicy('publisher-token', 'write') } };
  const securedRead = { preHandler: auth, config: { policy: routeCredentialPolicy('publisher-token', 'read') } };

  app.get('/v1/publishers/me', { ...securedRead, schema: { tags: ['publishers'], summary: 'The publisher the token belongs to', security: publisherSecurity } }, async (request) =>
    services.publishers.view(currentPublisher(request).name),
  );

  app.get<{ Params: { name: string } }>(
    '/v1/publishers/:name',
    { config: { policy: PUBLIC_POLICY }, schema: { tags: ['publishers'], summary: 'A publisher and its registered public keys', params: { type: 'object', required: ['name'], properties: { name: publisherParam } } } },
    async (request) => services.publishers.view(request.params.name),
  );

  app.post<{ Body: { publicKey: string } }>(
    '/v1/publishers/me/keys',
    {
      ...secured,
      schema: {
        tags: ['publishers'],
        summary: 'Register an Ed25519 public key (SPKI PEM) for signing releases',
        security: publisherSecurity,
        body: { type: 'object', required: ['publicKey'], additionalProperties: false, properties: { publicKey: { type: 'string', maxLength: 1000 } } },
      },
    },
    async (request, reply) => reply.code(201).send(await services.publishers.addKey(currentPublisher(request).name, request.body.publicKey)),
  );

  app.put<{ Params: { id: string; version: string } }>(
    '/v1/packages/:id/versions/:version',
    {
      ...secured,
      schema: {
        tags: ['publishing'],
        summary: 'Publish a signed version (multipart: tarball, signature, keyId, tag?); versions are immutable',
        security: publisherSecurity,
        consumes: ['multipart/form-data'],
        params: packageVersionParams,
      },
    },
    async (request, reply) => {
      const upload = await readUpload(request, options.maxUploadBytes);
      const result = await services.publishing.publish({ publisher: currentPublisher(request), ...request.params, ...upload });
      return reply.code(201).send(result);
    },
  );

  const changeBody = (field: string) => ({
    type: 'object',
    required: [field],
    additionalProperties: false,
    properties: { [field]: { type: 'string', minLength: 1, maxLength: 500 } },
  });

  app.post<{ Params: { id: string; version: string }; Body: { message: string } }>(
    '/v1/packages/:id/versions/:version/deprecate',
    { ...secured, schema: { tags: ['publishing'], summary: 'Deprecate a version (it stays installable, with a warning)', security: publisherSecurity, params: packageVersionParams, body: changeBody('message') } },
    async (request) => services.catalog.deprecate(currentPublisher(request), request.params.id, request.params.version, request.body.message),
  );

  app.post<{ Params: { id: string; version: string }; Body: { reason: string } }>(
    '/v1/packages/:id/versions/:version/yank',
    { ...secured, schema: { tags: ['publishing'], summary: 'Yank a version: never chosen for new installs, still downloadable by exact version', security: publisherSecurity, params: packageVersionParams, body: changeBody('reason') } },
    async (request) => services.catalog.yank(currentPublisher(request), request.params.id, request.params.version, request.body.reason),
  );

  app.put<{ Params: { id: string; tag: string }; Body: { version: string } }>(
    '/v1/packages/:id/dist-tags/:tag',
    {
      ...secured,
      schema: {
        tags: ['publishing'],
        summary: 'Point a dist-tag at a version',
        security: publisherSecurity,
        params: { type: 'object', required: ['id', 'tag'], properties: { id: idParam, tag: { type: 'string', maxLength: 40 } } },
        body: { type: 'object', required: ['version'], additionalProperties: false, properties: { version: { type: 'string', maxLength: 64 } } },
      },
    },
    async (request) => services.catalog.setDistTag(currentPublisher(request), request.params.id, request.params.tag, request.body.version),
  );
}
