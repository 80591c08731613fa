import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminAuth, type AdminAuth } from './auth/admin-token.js';
import { loadConfig } from './config/load-config.js';
import type { Config } from './config/schema.js';
import { accessLog } from './http/access-log.js';
import { installHealthRoutes } from './http/health.js';
import { createMetricsRegistry, installHttpMetrics } from './http/metrics.js';
import { DOCS_PREFIX, installOpenApi } from './http/openapi.js';
import { installProblemHandlers, sendProblem, toDoganError } from './http/problem.js';
import { installValidation } from './http/validation.js';
import { requestIdFrom } from './http/request-id.js';
import { installRequestContext } from './http/request-context.js';
import { installResponseFinished } from './http/response-finished.js';
import { KERNEL_VERSION } from './kernel-version.js';
import { createLogger } from './logger.js';
import type { PluginDefinition } from './plugin/define-plugin.js';
import { importPlugins, parsePluginList, type PluginCatalog } from './plugin/load-plugins.js';
import { PluginHost } from './plugin/plugin-host.js';
import { resolvePluginOrder } from './plugin/resolve-plugins.js';

export interface KernelOptions {
  /** Defaults to `loadConfig()` (environment and `.env`). */
  config?: Config;
  /** Plugin definitions to load instead of importing `DOGAN_PLUGINS` (tests, embedding). */
  plugins?: readonly PluginDefinition[];
  /** The plugins `DOGAN_PLUGINS` may name (and `all` means); a distribution's, the kernel has none. */
  catalog?: PluginCatalog;
  /** Defaults to a pino logger at `LOG_LEVEL` on stdout. */
  logger?: Logger;
}

export interface Kernel {
  readonly app: FastifyInstance;
  readonly config: Config;
  readonly host: PluginHost;
  readonly metrics: Registry;
  readonly adminAuth: AdminAuth;
  readonly log: Logger;
  /** Stops accepting, drains in-flight requests, then closes plugins in reverse order. */
  close(): Promise<void>;
}

/** Resolves which plugins load and in what order, without initialising any (`dogan plugins`). */
export async function resolveConfiguredPlugins(config: Config, plugins?: readonly PluginDefinition[], catalog?: PluginCatalog): Promise<PluginDefinition[]> {
  const definitions = plugins ?? (await importPlugins(parsePluginList(config.DOGAN_PLUGINS, catalog), catalog));
  return resolvePluginOrder(definitions, KERNEL_VERSION);
}

function createApp(config: Config): FastifyInstance {
  return Fastify({
    // No logger of Fastify's own: the onRequest hook gives each request a lazy logger bound to its id,
    // and the access log writes one line per request instead of Fastify's two.
    logger: false,
    genReqId: requestIdFrom,
    bodyLimit: config.DOGAN_BODY_LIMIT,
    // Requests that arrive while draining get our own 503 problem (request-context.ts), not Fastify's plain JSON.
    return503OnClosing: false,
    forceCloseConnections: 'idle',
    // Errors Fastify raises before routing (a malformed URL escape) get the same problem documents.
    frameworkErrors: (err, request, reply) => {
      sendProblem(reply as never, toDoganError(err, request as never));
    },
  }) as unknown as FastifyInstance;
}

/**
 * Builds the platform: validated config, the request pipeline (request id, problem+json errors,
 * security headers, metrics, OpenAPI), then every configured plugin in dependency order.
 * The returned app is ready to `listen`.
 */
export async function buildKernel(options: KernelOptions = {}): Promise<Kernel> {
  const config = options.config ?? loadConfig();
  const log = options.logger ?? createLogger(config);
  const ordered = await resolveConfiguredPlugins(config, options.plugins, options.catalog);
  const metrics = createMetricsRegistry();
  const adminAuth = createAdminAuth({ token: config.DOGAN_ADMIN_TOKEN, dataDir: config.DOGAN_DATA_DIR });
  const host = new PluginHost(ordered, { config, log, metrics, adminAuth });
  await host.init();

  const app = createApp(config);
  const lifecycle = { closing: false };
  try {
    installValidation(app);
    installProblemHandlers(app, {
      get localize() {
        return host.problemLocalizer;
      },
    });
    const markStart = installResponseFinished(app);
    app.onResponseFinished(accessLog(installHttpMetrics(app, metrics)));
    installRequestContext(app, { docsPrefix: DOCS_PREFIX, log, markStart, lifecycle });
    const securitySchemes = Object.assign({}, ...host.plugins.map((p) => p.definition.securitySchemes ?? {})) as Record<string, Record<string, unknown>>;
    await installOpenApi(app, { version: KERNEL_VERSION, securitySchemes });
    installHealthRoutes(app, { checks: host.readinessChecks, plugins: () => host.plugins.length });
    await host.register(app);
    app.addHook('onClose', async () => host.close());
    await app.ready();
    await host.ready();
  } catch (err) {
    await app.close().catch(() => undefined);
    await host.close();
    throw err;
  }
  const close = () => {
    lifecycle.closing = true;
    return app.close();
  };
  return { app, config, host, metrics, adminAuth, log, close };
}
