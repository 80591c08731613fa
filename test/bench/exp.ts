import Fastify, { LogController } from 'fastify';
import { createLogger } from '../../runtime/src/logger.js';
import { loadConfig } from '../../runtime/src/config/load-config.js';
import { requestIdFrom } from '../../runtime/src/http/request-id.js';
import { installResponseHeaders } from '../../runtime/src/http/response-headers.js';
import { installAccessLog } from '../../runtime/src/http/access-log.js';
import { createMetricsRegistry, installHttpMetrics } from '../../runtime/src/http/metrics.js';
import { installProblemHandlers } from '../../runtime/src/http/problem.js';
import { installOpenApi } from '../../runtime/src/http/openapi.js';
import pino from 'pino';
const mode = (process.env.MODE ?? '').split(',');
const config = loadConfig({ envFile: false, env: { LOG_LEVEL: 'warn' } });
const opts: any = { logger: false };
if (mode.includes('log')) { delete opts.logger; opts.loggerInstance = createLogger(config); opts.logController = new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }); }
if (mode.includes('plainlog')) { delete opts.logger; opts.loggerInstance = pino({level:'warn'}); opts.logController = new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }); }
if (mode.includes('id')) opts.genReqId = requestIdFrom;
if (mode.includes('opts')) Object.assign(opts, { bodyLimit: 1048576, return503OnClosing: true, forceCloseConnections: 'idle', ajv: { customOptions: { allErrors: true, coerceTypes: 'array', useDefaults: true, removeAdditional: false } } });
const app = Fastify(opts);
if (mode.includes('problem')) installProblemHandlers(app as any);
if (mode.includes('hdr')) installResponseHeaders(app as any, { docsPrefix: '/docs' });
if (mode.includes('metrics')) installAccessLog(app as any, installHttpMetrics(app as any, createMetricsRegistry()));
if (mode.includes('swagger')) await installOpenApi(app as any, { version: '0.1.0' });
app.get('/hello', async () => ({ hello: 'world' }));
const url = await app.listen({ port: 0, host: '127.0.0.1' });
process.stdout.write(`LISTENING ${url}\n`);
