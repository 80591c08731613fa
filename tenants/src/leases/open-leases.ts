import type { Logger } from 'pino';
import type { SqlSession } from '../database/sql-session.js';
import type { Leases } from './lease.js';
import { PostgresLeases } from './postgres-leases.js';
import { SqliteLeases } from './sqlite-leases.js';

/** The lease mechanism of the control plane: advisory locks on PostgreSQL, lease rows on SQLite. */
export function openLeases(config: { readonly DATABASE_URL?: string; readonly LEASE_TTL_MS: number }, controlPlane: SqlSession, log?: Logger): Leases {
  return config.DATABASE_URL
    ? new PostgresLeases({ url: config.DATABASE_URL, ttlMs: config.LEASE_TTL_MS, log })
    : new SqliteLeases({ sql: controlPlane, ttlMs: config.LEASE_TTL_MS, log });
}
