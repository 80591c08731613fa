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

  /**
   * @param parent the logger this one is a child of: pino's, or another lazy one (`child()`), so a
   *   chain of bindings (request id, then tenant id) costs nothing until a line is written.
   */
  constructor(
    private readonly parent: Logger | LazyRequestLogger,
    private readonly bindingsOf: Bindings,
    private readonly options?: ChildLoggerOptions,
  ) {}

  private get realChild(): Logger {
    return (this.real ??= this.parentLogger.child(this.bindingsOf, this.options));
  }

  private get parentLogger(): Logger {
    return this.parent instanceof LazyRequestLogger ? this.parent.realChild : this.parent;
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
   * A child that is lazy too (the tenant pipeline binds `tenantId` on every tenant request). No
   * merged bindings object either: on Node 20 an object literal that starts with a spread and adds
   * to it takes V8's slow path (measured at ~1.5 µs, four times a pino child).
   */
  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    // Options may change the level, which a lazy child reads from its parent: build those for real.
    if (this.real || options) return this.realChild.child(bindings, options);
    return new LazyRequestLogger(this, bindings) as unknown as Logger;
  }

  bindings(): Bindings {
    return this.realChild.bindings();
  }

  setBindings(bindings: Bindings): void {
    this.realChild.setBindings(bindings);
  }

  flush(cb?: (err?: Error) => void): void {
    (this.parent as Logger).flush(cb);
  }
}
