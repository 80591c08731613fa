import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

export const DOCS_PREFIX = '/docs';

/**
 * OpenAPI 3 generated from the route schemas (`GET /docs/json`) with a browsable UI at `/docs`.
 * Registered before any route so every plugin's routes are collected.
 */
export async function installOpenApi(
  app: FastifyInstance,
  info: { version: string; securitySchemes?: Readonly<Record<string, Readonly<Record<string, unknown>>>> },
): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Dogan platform API',
        description: 'Multi-tenant platform runtime: tenants, plugins and marketplace modules. Errors are RFC 9457 application/problem+json with a stable `code`.',
        version: info.version,
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'Platform admin token or tenant API key' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          ...(info.securitySchemes ?? {}),
        },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: false, uiConfig: { deepLinking: true } });
}
