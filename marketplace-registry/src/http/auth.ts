import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { bearerToken, generateToken, hashToken, sendProblem, tokenMatchesHash } from '@dogan/runtime';
import type { Publisher } from '../db/entities.js';
import { RegistryErrors } from '../errors.js';
import type { PublisherService } from '../services/publisher-service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the publisher preHandler on authenticated routes. */
    registryPublisher?: Publisher;
  }
}

/** A preHandler that admits requests carrying a publisher token and records whose it is. */
export function publisherAuth(publishers: PublisherService) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const token = bearerToken(request);
    if (!token) return sendProblem(reply, RegistryErrors.PUBLISHER_TOKEN_MISSING());
    const publisher = await publishers.authenticate(token);
    if (!publisher) {
      request.log.warn({ event: 'registry_token_refused' }, 'unknown publisher token');
      return sendProblem(reply, RegistryErrors.PUBLISHER_TOKEN_INVALID());
    }
    request.registryPublisher = publisher;
    return undefined;
  };
}

/** The authenticated publisher of a request that passed {@link publisherAuth}. */
export function currentPublisher(request: FastifyRequest): Publisher {
  if (!request.registryPublisher) throw RegistryErrors.PUBLISHER_TOKEN_MISSING();
  return request.registryPublisher;
}

export interface RegistryAdminAuth {
  preHandler(request: FastifyRequest, reply: FastifyReply): Promise<unknown>;
  /** Set only on the start that generated the token: the one time it exists in clear. */
  readonly generatedToken: string | undefined;
}

/**
 * The registry admin credential: the configured token, else one generated at first start whose
 * SHA-256 alone is kept in `file` (mode 0600).
 */
export function createRegistryAdminAuth(options: { token: string | undefined; file: string }): RegistryAdminAuth {
  let hash: string;
  let generated: string | undefined;
  if (options.token) hash = hashToken(options.token);
  else {
    const stored = existsSync(options.file) ? (JSON.parse(readFileSync(options.file, 'utf8')) as { sha256?: string }).sha256 : undefined;
    if (stored && /^[0-9a-f]{64}$/.test(stored)) hash = stored;
    else {
      generated = generateToken('dgr_admin');
      hash = hashToken(generated);
      mkdirSync(dirname(options.file), { recursive: true });
      writeFileSync(options.file, JSON.stringify({ sha256: hash, createdAt: new Date().toISOString() }) + '\n', { mode: 0o600 });
    }
  }
  return {
    generatedToken: generated,
    async preHandler(request, reply) {
      const token = bearerToken(request);
      if (!token) return sendProblem(reply, RegistryErrors.ADMIN_TOKEN_MISSING());
      if (!tokenMatchesHash(token, hash)) return sendProblem(reply, RegistryErrors.ADMIN_TOKEN_INVALID());
      return undefined;
    },
  };
}
