import type { EntityManager, QueryResult } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/knex';
import { PostgreSqlPlatform } from '@mikro-orm/postgresql';
import type { Dialect } from './tenant-database-manager.js';

/** A value bound to a `?` placeholder. JSON goes in as text, through the session's `json` placeholder. */
export type SqlParam = string | number | bigint | boolean | Date | Buffer | null;

const isSqlParam = (v: unknown): v is SqlParam =>
  v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean' || v instanceof Date || Buffer.isBuffer(v);

/** A value from untyped code (a migration's parameters) as a bound value: objects go in as JSON text. */
export function toSqlParam(value: unknown): SqlParam {
  if (isSqlParam(value)) return value;
  if (value === undefined) return null;
  if (typeof value === 'object') return JSON.stringify(value);
  throw new TypeError(`a ${typeof value} cannot be bound to an SQL parameter`);
}

/** A row as the driver returns it; name the columns you select with a type of your own. */
export type SqlRow = Record<string, unknown>;

/**
 * Plain SQL on one database (a tenant's, or the control plane), the same on PostgreSQL and SQLite:
 * `?` placeholders, values bound by the driver's escaping. Take one per unit of work (a request, a
 * job): a tenant database left unused may be closed, and a later session opens it again.
 */
export interface SqlSession {
  readonly dialect: Dialect;
  /**
   * Which database the session is on: its connection's name, `control-plane` or `tenant:<id>` (the
   * short-lived connections of provisioning and tools have names of their own).
   */
  readonly database: string;
  /** The placeholder of a JSON value given as text: `?::jsonb` on PostgreSQL, `?` on SQLite. */
  readonly json: string;
  /** The rows a statement returns (`SELECT`, or a write with `RETURNING`). */
  query<R extends object = SqlRow>(sql: string, params?: readonly SqlParam[]): Promise<R[]>;
  /** Runs a statement for its effect; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly SqlParam[]): Promise<number>;
  /** Runs `work` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(work: (tx: SqlSession) => Promise<T>): Promise<T>;
}

/** The SQL EntityManager behind an EntityManager; every database here is an SQL one. */
function sqlEntityManager(em: EntityManager): SqlEntityManager {
  if (!(em instanceof SqlEntityManager)) throw new Error(`EntityManager of "${em.name}" is not an SQL one`);
  return em;
}

/**
 * A session over an EntityManager: its statements join the transaction the EntityManager is in, so
 * raw statements and entity writes inside one `transactional` commit together.
 */
export function sqlSession(em: EntityManager): SqlSession {
  const sql = sqlEntityManager(em);
  const dialect: Dialect = em.getPlatform() instanceof PostgreSqlPlatform ? 'postgresql' : 'sqlite';
  return {
    dialect,
    database: em.name,
    json: dialect === 'postgresql' ? '?::jsonb' : '?',
    query: <R extends object>(text: string, params: readonly SqlParam[] = []) => sql.execute<R[]>(text, [...params], 'all'),
    async run(text, params = []) {
      const result = await sql.execute<QueryResult>(text, [...params], 'run');
      return Number(result.affectedRows ?? 0);
    },
    transaction: (work) => sql.transactional((tx) => work(sqlSession(tx))),
  };
}
