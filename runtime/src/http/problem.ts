import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { KernelErrors } from '../errors.js';
import { type DoganError, isDoganError } from '../errors/dogan-error.js';
import { isUnavailableError, RETRY_AFTER_SECONDS } from '../errors/unavailable.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** An RFC 9457 problem document with Dogan's `code` and `requestId` members. */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance: string;
  requestId: string;
  [extension: string]: unknown;
}

/** The `type` URI names the code, so a client can link to its explanation. */
export function problemType(code: string): string {
  return `urn:dogan:problem:${code}`;
}

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** Turns Ajv's errors into `{ field, message }` a person can act on. */
function describeValidation(items: ValidationItem[], context: string | undefined): Array<{ field: string; message: string }> {
  return items.map((e) => {
    const base = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const missing = e.keyword === 'required' ? String(e.params?.missingProperty ?? '') : '';
    const extra = e.keyword === 'additionalProperties' ? String(e.params?.additionalProperty ?? '') : '';
    const leaf = missing || extra;
    const field = [context, base, leaf].filter(Boolean).join('.');
    const message = extra ? 'is not an accepted property' : (e.message ?? 'is invalid');
    return { field: field || String(context ?? 'request'), message };
  });
}

/** A dependency (a database) that cannot answer: 503 the client may retry, never a 500 or a pass. */
export function unavailable(cause?: unknown): DoganError {
  const e = KernelErrors.SERVICE_UNAVAILABLE('A service the platform depends on is not reachable right now; retry after a few seconds');
  if (cause !== undefined) Object.defineProperty(e, 'cause', { value: cause, enumerable: false });
  return e;
}

/** Maps Fastify's own errors (bad JSON, size, media type, validation) onto the kernel's codes. */
export function toDoganError(err: FastifyError | DoganError | Error, request: FastifyRequest): DoganError {
  if (isDoganError(err)) return err;
  if (isUnavailableError(err)) return unavailable(err);
  const fe = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
  if (fe.validation) {
    const errors = describeValidation(fe.validation, fe.validationContext);
    const summary = errors.map((e) => `${e.field} ${e.message}`).join('; ');
    return KernelErrors.VALIDATION_FAILED.with({ errors }, fe.validationContext ?? 'input', summary);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return KernelErrors.INVALID_JSON(fe.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return KernelErrors.INVALID_JSON('the body is empty but Content-Type is application/json');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KernelErrors.BODY_TOO_LARGE(String(request.routeOptions.bodyLimit ?? 'configured'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return KernelErrors.UNSUPPORTED_MEDIA_TYPE(String(request.headers['content-type'] ?? ''));
  }
  if (fe instanceof SyntaxError && (fe as { statusCode?: number }).statusCode === 400) return KernelErrors.INVALID_JSON(fe.message);
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status === 405) return KernelErrors.METHOD_NOT_ALLOWED(fe.message);
  if (status >= 400 && status < 500) {
    const e = KernelErrors.BAD_REQUEST.with(fe.code ? { fastifyCode: fe.code } : undefined, fe.message);
    (e as { statusCode: number }).statusCode = status;
    return e;
  }
  return KernelErrors.INTERNAL_ERROR();
}

/** Where the edge finds the optional title translator (decorated on the root instance by the kernel). */
export interface ProblemLocalizerHolder {
  localize?: (code: string, status: number, request: FastifyRequest) => string | undefined;
}

declare module 'fastify' {
  interface FastifyInstance {
    problemLocalizer: ProblemLocalizerHolder;
  }
}

function localizedTitle(err: DoganError, request: FastifyRequest): string {
  const localize = request.server.problemLocalizer?.localize;
  if (!localize) return err.title;
  try {
    return localize(err.code, err.statusCode, request) ?? err.title;
  } catch {
    return err.title; // a translation problem must never turn a 4xx into a 500
  }
}

export function problemDocument(err: DoganError, request: FastifyRequest): ProblemDocument {
  return {
    ...(err.extensions ?? {}),
    type: problemType(err.code),
    title: localizedTitle(err, request),
    status: err.statusCode,
    detail: err.message,
    code: err.code,
    instance: request.url,
    requestId: request.id,
  };
}

export function sendProblem(reply: FastifyReply, err: DoganError): FastifyReply {
  // An error that knows when to come back (an upstream's Retry-After, a rate limit) says so in the header too.
  const wait = err.extensions?.retryAfterSeconds;
  if (typeof wait === 'number' && Number.isInteger(wait) && wait >= 0 && (err.statusCode === 429 || err.statusCode === 503) && !reply.hasHeader('retry-after')) reply.header('retry-after', String(wait));
  // A 503 always tells the client when to come back (RFC 9110 §10.2.3); a route may set its own.
  if (err.statusCode === 503 && !reply.hasHeader('retry-after')) reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply.code(err.statusCode).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problemDocument(err, reply.request)));
}

/** Every error and every unknown route leaves as `application/problem+json`; 5xx details stay in the log. */
export function installProblemHandlers(app: FastifyInstance, localizer: ProblemLocalizerHolder): void {
  app.decorate('problemLocalizer', localizer);
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toDoganError(err, request);
    if (problem.statusCode === 503) {
      request.log.warn({ err, code: problem.code }, 'request refused: a dependency is unavailable');
    } else if (problem.statusCode >= 500) {
      request.log.error({ err }, 'request failed');
    } else {
      request.log.info({ code: problem.code, detail: problem.message }, 'request refused');
    }
    return sendProblem(reply, problem);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, KernelErrors.ROUTE_NOT_FOUND(request.method, request.url.split('?')[0] ?? '')));
}
