import type { FastifyInstance } from 'fastify';
import { routeCredentialPolicy } from '@dogan/runtime';
import type { PublisherService } from '../../services/publisher-service.js';
import type { RegistryAdminAuth } from '../auth.js';
import { adminSecurity, publisherParam } from '../schemas.js';

const nameParams = { type: 'object', required: ['name'], properties: { name: publisherParam } } as const;

/** The registry admin's API: publishers, their verified flag, tokens and keys. */
export function adminRoutes(app: FastifyInstance, publishers: PublisherService, admin: RegistryAdminAuth): void {
  // The registry admin token is the registry's own (not the platform admin's): the route checks it.
  const secured = { preHandler: admin.preHandler, config: { policy: routeCredentialPolicy('registry-admin-token', 'admin') } };

  app.post<{ Body: { name: string; displayName?: string } }>(
    '/v1/admin/publishers',
    {
      ...secured,
      schema: {
        tags: ['admin'],
        summary: 'Create a publisher; the response carries its token, shown this once',
        security: adminSecurity,
        body: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', maxLength: 39 }, displayName: { type: 'string', maxLength: 100 } },
        },
      },
    },
    async (request, reply) => {
      const created = await publishers.create(request.body.name, request.body.displayName);
      request.log.info({ publisher: created.publisher.name }, 'publisher created');
      return reply.code(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post<{ Params: { name: string }; Body: { verified: boolean } }>(
    '/v1/admin/publishers/:name/verified',
    {
      ...secured,
      schema: {
        tags: ['admin'],
        summary: 'Set or clear the verified flag of a publisher',
        security: adminSecurity,
        params: nameParams,
        body: { type: 'object', required: ['verified'], additionalProperties: false, properties: { verified: { type: 'boolean' } } },
      },
    },
    async (request) => publishers.setVerified(request.params.name, request.body.verified),
  );

  app.post<{ Params: { name: string } }>(
    '/v1/admin/publishers/:name/tokens',
    { ...secured, schema: { tags: ['admin'], summary: 'Issue another token for a publisher (shown this once)', security: adminSecurity, params: nameParams } },
    async (request, reply) => reply.code(201).header('cache-control', 'no-store').send({ token: await publishers.issueToken(request.params.name) }),
  );

  app.post<{ Params: { name: string }; Body: { publicKey: string } }>(
    '/v1/admin/publishers/:name/keys',
    {
      ...secured,
      schema: {
        tags: ['admin'],
        summary: 'Register a public key for a publisher',
        security: adminSecurity,
        params: nameParams,
        body: { type: 'object', required: ['publicKey'], additionalProperties: false, properties: { publicKey: { type: 'string', maxLength: 1000 } } },
      },
    },
    async (request, reply) => reply.code(201).send(await publishers.addKey(request.params.name, request.body.publicKey)),
  );
}
