import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { FastifyRequest } from 'fastify';
import { KernelErrors } from '../errors.js';
import type { DoganError } from '../errors/dogan-error.js';
import { generateToken, hashToken, tokenMatcher } from './secret-hash.js';

export interface AdminAuth {
  /** True when the token is the platform admin token. */
  verify(token: string): boolean;
  /**
   * The refusal of a request without the admin token (401) or with a wrong one (403), or undefined
   * when it carries the token. The kernel runs it on routes declaring `auth: 'platform-admin'`.
   */
  check(request: FastifyRequest): DoganError | undefined;
  /** Set only on the start that generated the token: the one time it exists in clear. */
  readonly generatedToken: string | undefined;
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or not a bearer credential. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

function storedHash(file: string): { hash: string; generated?: string } {
  if (existsSync(file)) {
    const data = JSON.parse(readFileSync(file, 'utf8')) as { sha256?: string };
    if (typeof data.sha256 === 'string' && /^[0-9a-f]{64}$/.test(data.sha256)) return { hash: data.sha256 };
  }
  const generated = generateToken('dgn_admin');
  mkdirSync(dirname(file), { recursive: true });
  // The file holds only the hash, readable by the owner alone.
  writeFileSync(file, JSON.stringify({ sha256: hashToken(generated), createdAt: new Date().toISOString() }) + '\n', { mode: 0o600 });
  return { hash: hashToken(generated), generated };
}

/**
 * The platform admin credential: `DOGAN_ADMIN_TOKEN` when set; otherwise a token generated at first
 * start whose hash lives in `<data dir>/admin-token.json` and which is printed once.
 */
export function createAdminAuth(options: { token: string | undefined; dataDir: string }): AdminAuth {
  const { hash, generated } = options.token
    ? { hash: hashToken(options.token), generated: undefined }
    : storedHash(join(options.dataDir, 'admin-token.json'));
  const verify = tokenMatcher(hash);
  return {
    verify,
    generatedToken: generated,
    check(request) {
      const token = bearerToken(request);
      if (!token) return KernelErrors.UNAUTHORIZED('Send the platform admin token as "Authorization: Bearer <token>"');
      if (!verify(token)) {
        request.log.warn({ event: 'admin_auth_refused' }, 'wrong platform admin token');
        return KernelErrors.FORBIDDEN('The token is not the platform admin token');
      }
      return undefined;
    },
  };
}
