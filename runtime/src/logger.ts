import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config/schema.js';
import { secretVariableNames } from './config/load-config.js';

/**
 * Paths pino blanks out, so credentials never reach a log line. Exact paths, not `*.x` wildcards:
 * wildcards are walked on every line and child logger, a cost measured on the request path.
 */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  'password',
  'token',
  'apiKey',
  'secret',
];

export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'dogan' },
    redact: { paths: [...REDACT, ...secretVariableNames()], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config));
}
