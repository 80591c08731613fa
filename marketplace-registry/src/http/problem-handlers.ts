import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { isDoganError, KernelErrors, sendProblem, type DoganError } from '@dogan/runtime';
import { RegistryErrors } from '../errors.js';

interface ValidationItem {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

function describeValidation(items: ValidationItem[], context: string): Array<{ field: string; message: string }> {
  return items.map((e) => {
    const base = (e.instancePath ?? '').replace(/^\//, '').replace(/\//g, '.');
    const leaf = String(e.params?.missingProperty ?? e.params?.additionalProperty ?? '');
    const field = [context, base, leaf].filter(Boolean).join('.');
    return { field, message: e.keyword === 'additionalProperties' ? 'is not an accepted property' : (e.message ?? 'is invalid') };
  });
}

/**
 * Fastify's and @fastify/multipart's own errors mapped onto stable codes; the kernel's handlers do
 * the same for the platform, but the registry also runs alone and must answer identically there.
 */
export function toRegistryProblem(err: FastifyError, request: FastifyRequest): DoganError {
  if (isDoganError(err)) return err;
  const fe = err as FastifyError & { validation?: ValidationItem[]; validationContext?: string };
  if (fe.validation) {
    const errors = describeValidation(fe.validation, fe.validationContext ?? 'request');
    return KernelErrors.VALIDATION_FAILED.with({ errors }, fe.validationContext ?? 'input', errors.map((e) => `${e.field} ${e.message}`).join('; '));
  }
  switch (fe.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return RegistryErrors.UPLOAD_TOO_LARGE('configured');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return RegistryErrors.UPLOAD_INVALID(fe.message);
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return KernelErrors.INVALID_JSON(fe.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return KernelErrors.BODY_TOO_LARGE(String(request.routeOptions.bodyLimit ?? 'configured'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return KernelErrors.UNSUPPORTED_MEDIA_TYPE(String(request.headers['content-type'] ?? '').slice(0, 100));
  }
  const status = typeof fe.statusCode === 'number' ? fe.statusCode : 500;
  if (status >= 400 && status < 500) {
    const e = KernelErrors.BAD_REQUEST(fe.message);
    (e as { statusCode: number }).statusCode = status;
    return e;
  }
  return KernelErrors.INTERNAL_ERROR();
}

/** Every error of the registry's routes leaves as problem+json; 5xx details stay in the log. */
export function installRegistryProblemHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, request, reply) => {
    const problem = toRegistryProblem(err, request);
    if (problem.statusCode >= 500) request.log.error({ err }, 'registry request failed');
    else request.log.info({ code: problem.code, detail: problem.message }, 'registry request refused');
    return sendProblem(reply, problem);
  });
}
