import swagger from '@fastify/swagger';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import { createLogger, KernelErrors, sendProblem } from '@dogan/runtime';
import type { RegistryConfig } from './config.js';
import { buildRegistryApp, type RegistryApp, type RegistryOptions } from './registry-app.js';
import { registrySecuritySchemes } from './http/schemas.js';

export interface StandaloneRegistry {
  readonly app: FastifyInstance;
  readonly registry: RegistryApp;
  close(): Promise<void>;
}

/**
 * The registry as its own service: a Fastify app with OpenAPI at `<prefix>/docs/json`, the registry
 * plugin under `prefix` (default none) and problem+json for unknown routes. Not listening yet.
 */
export async function buildStandaloneRegistry(options: RegistryOptions & { config: RegistryConfig; prefix?: string }): Promise<StandaloneRegistry> {
  const registry = await buildRegistryApp(options);
  const prefix = options.prefix ?? '';
  const app = Fastify({
    loggerInstance: createLogger({ LOG_LEVEL: options.config.LOG_LEVEL }).child({ service: 'registry' }),
    logController: new LogController({ disableRequestLogging: options.config.LOG_LEVEL !== 'debug' && options.config.LOG_LEVEL !== 'trace' }),
    ajv: { customOptions: { allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false } },
  }) as unknown as FastifyInstance;
  try {
    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: { title: 'Dogan marketplace registry', version: '0.1.0', description: 'Signed, immutable module releases. Errors are RFC 9457 problem+json with a stable `code`.' },
        components: {
          securitySchemes: registrySecuritySchemes,
        },
      },
    });
    await app.register(registry.plugin, { prefix });
    app.get(`${prefix}/docs/json`, { schema: { hide: true } }, async () => app.swagger());
    app.setNotFoundHandler((request, reply) => sendProblem(reply, KernelErrors.ROUTE_NOT_FOUND(request.method, request.url.split('?')[0] ?? '')));
    await app.ready();
  } catch (err) {
    await app.close().catch(() => undefined);
    await registry.close();
    throw err;
  }
  return {
    app,
    registry,
    close: async () => {
      await app.close();
      await registry.close();
    },
  };
}
