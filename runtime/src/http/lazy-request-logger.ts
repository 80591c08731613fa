import type { FastifyServerOptions } from 'fastify';
import type { Bindings, ChildLoggerOptions, Logger } from 'pino';

/**
 * The request's logger, bound to its request id: a stand-in that builds the real pino child only when
 * a line will actually be written, since most requests log nothing at the configured level. The kernel
 * runs Fastify without a logger of its own and sets this on each request in its one onRequest hook:
 * Fastify's per-request child logger, with its validation of custom loggers, was a measurable share
 * of the hot path. Methods live on the prototype so that one per request costs one small object.
 */
export class LazyRequestLogger {
  private real: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindingsOf: Bindings,
    private readonly options?: ChildLoggerOptions,
  ) {}

  private get realChild(): Logger {
    return (this.real ??= this.parent.child(this.bindingsOf, this.options));
  }

  get level(): string {
    return (this.real ?? this.parent).level;
  }

  set level(value: string) {
    this.realChild.level = value;
  }

  isLevelEnabled(level: string): boolean {
    return (this.real ?? this.parent).isLevelEnabled(level);
  }

  fatal(...args: unknown[]): void {
    if (this.isLevelEnabled('fatal')) (this.realChild.fatal as (...a: unknown[]) => void)(...args);
  }

  error(...args: unknown[]): void {
    if (this.isLevelEnabled('error')) (this.realChild.error as (...a: unknown[]) => void)(...args);
  }

  warn(...args: unknown[]): void {
    if (this.isLevelEnabled('warn')) (this.realChild.warn as (...a: unknown[]) => void)(...args);
  }

  info(...args: unknown[]): void {
    if (this.isLevelEnabled('info')) (this.realChild.info as (...a: unknown[]) => void)(...args);
  }

  debug(...args: unknown[]): void {
    if (this.isLevelEnabled('debug')) (this.realChild.debug as (...a: unknown[]) => void)(...args);
  }

  trace(...args: unknown[]): void {
    if (this.isLevelEnabled('trace')) (this.realChild.trace as (...a: unknown[]) => void)(...args);
  }

  silent(): void {}

  /**
   * A child that is lazy too (the tenant pipeline binds `tenantId` on every tenant request): the
   * bindings merge now, the pino child is built only if it writes.
   */
  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    if (this.real || options || this.options) return this.realChild.child(bindings, options);
    return new LazyRequestLogger(this.parent, { ...this.bindingsOf, ...bindings }) as unknown as Logger;
  }

  bindings(): Bindings {
    return this.realChild.bindings();
  }

  setBindings(bindings: Bindings): void {
    this.realChild.setBindings(bindings);
  }

  flush(cb?: (err?: Error) => void): void {
    this.parent.flush(cb);
  }
}
