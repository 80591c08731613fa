import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { createAdminAuth, type AdminAuth } from './auth/admin-token.js';
import { configInvalid, parseSchema, readConfigSource, secretVariableNames, sourceOf } from './config/load-config.js';
import { mergedConfigSchema, resolvePluginConfigs } from './config/plugin-config.js';
import { kernelConfigSchema, type Config, type ConfigSchema } from './config/schema.js';
import { accessLog } from './http/access-log.js';
import { installHealthRoutes } from './http/health.js';
import { createMetricsRegistry, installHttpMetrics } from './http/metrics.js';
import { DOCS_PREFIX, installOpenApi } from './http/openapi.js';
import { installProblemHandlers, sendProblem, toDoganError } from './http/problem.js';
import { installValidation, type RouteValidators } from './http/validation.js';
import { requestIdFrom } from './http/request-id.js';
import { installRequestContext } from './http/request-context.js';
import { installResponseFinished } from './http/response-finished.js';
import { installRoutePolicy, refuseUndeclaredRoutes } from './http/route-policy.js';
import { KERNEL_VERSION } from './kernel-version.js';
import { createLogger } from './logger.js';
import type { AnyPluginDefinition as PluginDefinition } from './plugin/define-plugin.js';
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
  /** The routes' validators, compiled lazily; `startServer` compiles the rest once it listens. */
  readonly validators: RouteValidators;
  /** Stops accepting, drains in-flight requests, then closes plugins in reverse order. */
  close(): Promise<void>;
}

/** Resolves which plugins load and in what order, without initialising any (`dogan plugins`). */
export async function resolveConfiguredPlugins(config: Pick<Config, 'DOGAN_PLUGINS'>, plugins?: readonly PluginDefinition[], catalog?: PluginCatalog): Promise<PluginDefinition[]> {
  const definitions = plugins ?? (await importPlugins(parsePluginList(config.DOGAN_PLUGINS, catalog), catalog));
  return resolvePluginOrder(definitions, KERNEL_VERSION);
}

export interface PlatformConfig {
  /** The kernel's values. */
  readonly config: Config;
  /** The plugins that load, in order. */
  readonly plugins: PluginDefinition[];
  /** Each plugin's config: the kernel's values and its own. */
  readonly configs: ReadonlyMap<string, Config>;
  /** The kernel's and the loaded plugins' variables (for `dogan config`, redaction, docs). */
  readonly schema: ConfigSchema;
  /** Every resolved value, the kernel's and the loaded plugins'. */
  readonly values: Readonly<Record<string, unknown>>;
}

/**
 * Reads the kernel's variables, resolves the plugins `DOGAN_PLUGINS` names, then validates each loaded
 * plugin's own variables: every bad variable of the kernel and the plugins is named in one error.
 */
export async function resolvePlatformConfig(options: Pick<KernelOptions, 'config' | 'plugins' | 'catalog'> = {}): Promise<PlatformConfig> {
  let kernel: { values: Config; problems: readonly string[] };
  let source;
  if (options.config) {
    kernel = { values: options.config, problems: [] };
    source = sourceOf(options.config);
  } else {
    source = readConfigSource();
    const parsed = parseSchema(kernelConfigSchema, source);
    kernel = { values: Object.freeze(parsed.values) as Config, problems: parsed.problems };
  }
  let plugins: PluginDefinition[];
  try {
    plugins = await resolveConfiguredPlugins({ DOGAN_PLUGINS: kernel.values.DOGAN_PLUGINS ?? 'all' }, options.plugins, options.catalog);
  } catch (err) {
    // Which plugins load cannot be known: report the kernel's own problems first, if any.
    if (kernel.problems.length > 0) throw configInvalid(kernel.problems);
    throw err;
  }
  const schema = mergedConfigSchema(plugins);
  const configs = resolvePluginConfigs(kernel, source, plugins);
  const values = Object.assign({}, kernel.values, ...configs.values()) as Record<string, unknown>;
  return { config: kernel.values, plugins, configs, schema, values };
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
  const platform = await resolvePlatformConfig(options);
  const { config, plugins: ordered, configs } = platform;
  const log = options.logger ?? createLogger(config, undefined, secretVariableNames(platform.schema));
  const metrics = createMetricsRegistry();
  const adminAuth = createAdminAuth({ token: config.DOGAN_ADMIN_TOKEN, dataDir: config.DOGAN_DATA_DIR });
  const host = new PluginHost(ordered, { config, configs, log, metrics, adminAuth });
  await host.init();

  const app = createApp(config);
  const lifecycle = { closing: false };
  let validators!: RouteValidators;
  try {
    validators = installValidation(app);
    installProblemHandlers(app, {
      get localize() {
        return host.problemLocalizer;
      },
    });
    // Before any route: every route, the kernel's own too, passes the policy chain.
    installRoutePolicy(app, { adminAuth, guards: host.routeGuards });
    const markStart = installResponseFinished(app);
    app.onResponseFinished(accessLog(installHttpMetrics(app, metrics)));
    installRequestContext(app, { docsPrefix: DOCS_PREFIX, log, markStart, lifecycle });
    const securitySchemes = Object.assign({}, ...host.plugins.map((p) => p.definition.securitySchemes ?? {})) as Record<string, Record<string, unknown>>;
    await installOpenApi(app, { version: KERNEL_VERSION, securitySchemes });
    installHealthRoutes(app, { checks: host.readinessChecks, plugins: () => host.plugins.length });
    // The kernel's routes above declare their policies; from here a plugin route without one stops the start.
    refuseUndeclaredRoutes(app, host.routeGuards);
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
  return { app, config, host, metrics, adminAuth, log, validators, close };
}
