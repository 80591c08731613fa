import type { Kernel } from './kernel.js';

export interface RunningServer {
  readonly url: string;
  /** Resolves when a shutdown has completed, with the exit code it chose. */
  readonly stopped: Promise<number>;
  shutdown(reason: string): Promise<number>;
}

/**
 * Listens and installs graceful shutdown on SIGTERM and SIGINT: stop accepting (new requests get
 * 503), let in-flight requests finish, close plugins in reverse order; past DOGAN_SHUTDOWN_TIMEOUT_MS
 * connections are cut and the exit code is 1.
 */
export async function startServer(kernel: Kernel, options: { exitProcess?: boolean } = {}): Promise<RunningServer> {
  const { app, config, log } = kernel;
  const url = await app.listen({ port: config.PORT, host: config.HOST });
  log.info({ url }, 'listening');
  // Route validators not used yet compile now, in the background, so the first request to a route
  // does not pay for it and a schema that cannot compile is reported at start.
  kernel.validators.compileRemaining().then(
    (count) => log.debug({ count }, 'route validators compiled'),
    (err: unknown) => log.error({ err }, 'a route schema does not compile: requests to that route will fail'),
  );
  let resolveStopped!: (code: number) => void;
  const stopped = new Promise<number>((r) => (resolveStopped = r));
  let shuttingDown: Promise<number> | undefined;

  const shutdown = (reason: string): Promise<number> => {
    shuttingDown ??= (async () => {
      log.info({ reason }, 'shutting down: draining in-flight requests');
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), config.DOGAN_SHUTDOWN_TIMEOUT_MS);
        timer.unref();
      });
      // Keep-alive connections that finish their last request while we drain would hold the server
      // open until the client lets go; close them as soon as they go idle.
      const reaper = setInterval(() => app.server.closeIdleConnections(), 100);
      reaper.unref();
      const outcome = await Promise.race([kernel.close().then(() => 'closed' as const), timedOut]).catch((err: unknown) => {
        log.error({ err }, 'error while closing');
        return 'failed' as const;
      });
      clearTimeout(timer);
      clearInterval(reaper);
      if (outcome === 'timeout') {
        log.error({ timeoutMs: config.DOGAN_SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; cutting remaining connections');
        app.server.closeAllConnections();
      }
      const code = outcome === 'closed' ? 0 : 1;
      log.info({ code }, 'stopped');
      resolveStopped(code);
      if (options.exitProcess) {
        log.flush?.();
        process.exit(code);
      }
      return code;
    })();
    return shuttingDown;
  };
  if (options.exitProcess) {
    // `on`, not `once`: the same signal often arrives twice (the process group's, and npm forwarding
    // its own), and a second one with no listener would kill the process mid-drain. The drain is
    // bounded by DOGAN_SHUTDOWN_TIMEOUT_MS, so repeats have nothing to add.
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => void shutdown(signal));
  }
  return { url, stopped, shutdown };
}
