import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { Config } from './config/schema.js';
import { secretVariableNames } from './config/load-config.js';

/** Paths pino blanks out wherever they appear, so credentials never reach a log line. */
const REDACT = [
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-key"]',
  '*.password',
  '*.token',
  '*.apiKey',
  '*.secret',
];

export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'dogan' },
    redact: { paths: [...REDACT, ...secretVariableNames().map((n) => `*.${n}`)], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream): Logger {
  return destination ? pino(loggerOptions(config), destination) : pino(loggerOptions(config));
}
