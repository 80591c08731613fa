import type { FastifyInstance, FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { KernelErrors } from '../errors.js';
import { LazyRequestLogger } from './lazy-request-logger.js';
import { sendProblem } from './problem.js';

/**
 * The headers a JSON API needs (OWASP's REST security cheat sheet), a subset of what @fastify/helmet
 * sets for web pages: each header costs on every response (12 of them measured at a third of bare
 * Fastify's throughput). CSP `frame-ancestors` does what X-Frame-Options did; COOP, DNS prefetch,
 * referrer and XSS-auditor headers only matter to HTML pages.
 */
const API_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
});

/** The docs UI loads its own scripts and styles, so it gets a policy that allows same-origin ones. */
const DOCS_CSP = "default-src 'self'; img-src 'self' data: validator.swagger.io; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/**
 * The pipeline's one onRequest hook (each hook costs on every request): the request's logger bound to
 * its id, the start mark for its duration, the `x-request-id` header and the security headers.
 */
export function installRequestContext(
  app: FastifyInstance,
  options: {
    docsPrefix: string;
    log: Logger;
    markStart: (request: FastifyRequest, reply: FastifyReply) => void;
    /** Set once the kernel starts draining: new requests on kept-alive connections are refused, retryably. */
    lifecycle: { readonly closing: boolean };
  },
): void {
  const { markStart, lifecycle } = options;
  app.addHook('onRequest', (request, reply, done) => {
    markStart(request, reply);
    request.log = new LazyRequestLogger(options.log, { requestId: request.id }) as unknown as FastifyBaseLogger;
    reply.header('x-request-id', request.id);
    reply.headers(API_HEADERS);
    if (request.url.startsWith(options.docsPrefix)) reply.header('content-security-policy', DOCS_CSP);
    if (lifecycle.closing) {
      // Nothing of this request ran: the client can send it again, to this node after a restart or to another.
      reply.header('connection', 'close');
      return void sendProblem(reply, KernelErrors.SERVICE_UNAVAILABLE('The platform is shutting down; retry shortly'));
    }
    done();
  });
}
