import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { describePolicy, PUBLIC_POLICY, securityOf } from './route-policy.js';

export const DOCS_PREFIX = '/docs';

/**
 * OpenAPI 3 generated from the route schemas (`GET /docs/json`) with a browsable UI at `/docs`.
 * Registered before any route so every plugin's routes are collected. Each operation states its
 * route's policy (`x-dogan-policy: { auth, scope, ... }`) and the `security` that policy means.
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
    transform: ({ schema, url, route }) => {
      const policy = (route as RouteOptions).config?.policy;
      if (!policy) return { schema, url };
      const declared = (schema as { security?: unknown } | undefined)?.security;
      return { schema: { ...schema, 'x-dogan-policy': describePolicy(policy), security: securityOf(policy, declared) } as typeof schema, url };
    },
  });
  // The docs are public: their routes declare it as they are added (route-policy.ts refuses undeclared ones).
  await app.register(async (docs) => {
    docs.addHook('onRoute', (route) => {
      route.config = { ...route.config, policy: route.config?.policy ?? PUBLIC_POLICY };
    });
    await docs.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: false, uiConfig: { deepLinking: true } });
  });
}
