import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { sendProblem, toDoganError, type DoganError } from '@dogan/runtime';
import { RegistryErrors } from '../errors.js';

/**
 * @fastify/multipart's errors mapped onto the registry's codes; everything else (validation, bad
 * JSON, sizes, media types) maps as the kernel maps it, so the registry answers the same way whether
 * it runs alone or mounted in the platform.
 */
export function toRegistryProblem(err: FastifyError, request: FastifyRequest): DoganError {
  switch (err.code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return RegistryErrors.UPLOAD_TOO_LARGE('configured');
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
    case 'FST_PARTS_LIMIT':
    case 'FST_FILES_LIMIT':
    case 'FST_FIELDS_LIMIT':
    case 'FST_PROTO_VIOLATION':
      return RegistryErrors.UPLOAD_INVALID(err.message);
  }
  return toDoganError(err, request);
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
