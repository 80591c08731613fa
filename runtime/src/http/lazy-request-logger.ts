import type { FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

const LEVELS: Level[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'];

/**
 * Fastify makes a pino child logger (bound to the request id) for every request; building it was a
 * measurable share of the hot path, yet most requests log nothing at the configured level. This
 * factory hands out a stand-in that builds the real child only when a line will actually be written.
 */
export const lazyChildLoggerFactory: NonNullable<FastifyServerOptions['childLoggerFactory']> = function (logger, bindings, options) {
  return lazyChild(logger as unknown as Logger, bindings, options) as never;
};

function lazyChild(parent: Logger, bindings: Bindings, options: ChildLoggerOptions): Logger {
  let real: Logger | undefined;
  const get = () => (real ??= parent.child(bindings, options));
  const stand: Record<string, unknown> = {
    child: (b: Bindings, o?: ChildLoggerOptions) => get().child(b, o),
    isLevelEnabled: (level: string) => parent.isLevelEnabled(level),
    bindings: () => get().bindings(),
    setBindings: (b: Bindings) => get().setBindings(b),
    flush: (cb?: (err?: Error) => void) => parent.flush(cb),
    silent: () => undefined,
  };
  for (const level of LEVELS) {
    stand[level] = (...args: unknown[]) => {
      if (!parent.isLevelEnabled(level)) return;
      (get()[level] as (...a: unknown[]) => void)(...args);
    };
  }
  Object.defineProperty(stand, 'level', { get: () => (real ?? parent).level, set: (v: string) => (get().level = v) });
  return stand as unknown as Logger;
}
