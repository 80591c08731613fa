import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { kernelConfigSchema, type Config } from './config/schema.js';

const KERNEL_SECRETS = Object.entries(kernelConfigSchema).filter(([, spec]) => spec.secret).map(([name]) => name);

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

/** `secrets`: names of config variables never to log (the kernel's and the loaded plugins'). */
export function loggerOptions(config: Pick<Config, 'LOG_LEVEL'>, secrets: readonly string[] = KERNEL_SECRETS): LoggerOptions {
  return {
    level: config.LOG_LEVEL,
    base: { service: 'dogan' },
    redact: { paths: [...REDACT, ...new Set([...KERNEL_SECRETS, ...secrets])], censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  };
}

export function createLogger(config: Pick<Config, 'LOG_LEVEL'>, destination?: DestinationStream, secrets?: readonly string[]): Logger {
  return destination ? pino(loggerOptions(config, secrets), destination) : pino(loggerOptions(config, secrets));
}
