import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { IncomingMessage, type ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/** What the pipeline knows about a finished response. */
export type ResponseFinished = (request: FastifyRequest, reply: FastifyReply, durationMs: number) => void;

const FINISH_CHANNEL = 'http.server.response.finish';

interface Started {
  readonly reply: FastifyReply;
  readonly at: number;
}

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Runs `listener` once for every response the kernel finishes sending (metrics, access log, usage
     * metering). Cheaper than an onResponse hook; see `installResponseFinished`.
     */
    onResponseFinished(listener: ResponseFinished): void;
  }
}

/**
 * Lets the pipeline and plugins (`app.onResponseFinished`) act on every finished response, with its
 * duration.
 *
 * Why not Fastify's onResponse hook: with one installed, Fastify adds and removes two listeners on
 * every response and runs a hook chain; profiled under load that was about a quarter of what the
 * whole pipeline adds over bare Fastify. Node already publishes every finished response on the
 * `http.server.response.finish` diagnostics channel, so one subscription per kernel does the same
 * with nothing added per request but the start mark. Requests made with `app.inject` never reach a
 * server, so for them (tests, embedders) a plain 'finish' listener does it.
 *
 * Returns the mark to call from the pipeline's onRequest hook.
 */
export function installResponseFinished(app: FastifyInstance): (request: FastifyRequest, reply: FastifyReply) => void {
  const listeners: ResponseFinished[] = [];
  const dispatch = (request: FastifyRequest, reply: FastifyReply, durationMs: number) => {
    for (const listener of listeners) {
      // A throw inside a diagnostics channel subscriber becomes an uncaught exception: one faulty
      // listener must cost a log line, not the process.
      try {
        listener(request, reply, durationMs);
      } catch (err) {
        request.log.error({ err }, 'a response-finished listener failed');
      }
    }
  };
  app.decorate('onResponseFinished', (listener: ResponseFinished) => void listeners.push(listener));

  // The mark is this kernel's own symbol, so with several kernels in one process (tests) each sees
  // only the requests it served, whichever server delivered them.
  const kStart = Symbol('dogan.responseStart');
  const finished = (message: unknown) => {
    const started = (message as { request: Record<symbol, Started | undefined> }).request[kStart];
    if (started) dispatch(started.reply.request, started.reply, performance.now() - started.at);
  };
  subscribe(FINISH_CHANNEL, finished);
  app.addHook('onClose', (_instance, done) => {
    unsubscribe(FINISH_CHANNEL, finished);
    done();
  });

  return (request, reply) => {
    const at = performance.now();
    if (request.raw instanceof IncomingMessage) {
      (request.raw as unknown as Record<symbol, Started>)[kStart] = { reply, at };
    } else {
      (reply.raw as ServerResponse).once('finish', () => dispatch(request, reply, performance.now() - at));
    }
  };
}
