/**
 * Errors that mean "a part we depend on cannot answer now" rather than "this request is wrong" or
 * "our code is wrong": a database that is down, restarting, out of connections or unreachable. They
 * are answered 503 with Retry-After, never 500, and a check that meets one refuses instead of passing.
 */

/** SQLSTATE classes and codes of PostgreSQL that are about the server's availability, not the query. */
const UNAVAILABLE_SQLSTATES = new Set([
  '08000', // connection_exception
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08003', // connection_does_not_exist
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '08006', // connection_failure
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now (starting up, recovering)
  '57P05', // idle_session_timeout
  '40001', // serialization_failure: retrying later succeeds
  '40P01', // deadlock_detected: retrying later succeeds
]);

/** Socket-level errors Node reports when a server is gone or unreachable. */
const UNAVAILABLE_ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND', 'SQLITE_BUSY', 'SQLITE_LOCKED']);

/** Messages of pg, knex (tarn) and MikroORM that carry no code but mean the same. */
const UNAVAILABLE_MESSAGES = [
  'Connection terminated',
  'Timeout acquiring a connection',
  'Unable to acquire a connection',
  'Client has encountered a connection error',
  'Connection ended unexpectedly',
  'terminating connection',
  'the database system is',
  'timeout exceeded when trying to connect',
  'timeout expired', // pg's connectionTimeoutMillis while connecting
  'Knex: Timeout',
  'connect ECONNREFUSED',
  'aborted due to a closing pool',
];

const UNAVAILABLE_NAMES = new Set(['ConnectionException', 'KnexTimeoutError', 'TimeoutError']);

function looksUnavailable(err: object): boolean {
  const e = err as { code?: unknown; name?: unknown; message?: unknown; sqlState?: unknown };
  if (typeof e.code === 'string' && (UNAVAILABLE_ERRNOS.has(e.code) || UNAVAILABLE_SQLSTATES.has(e.code))) return true;
  if (typeof e.sqlState === 'string' && UNAVAILABLE_SQLSTATES.has(e.sqlState)) return true;
  if (typeof e.name === 'string' && UNAVAILABLE_NAMES.has(e.name)) return true;
  if (typeof e.message === 'string') {
    const message = e.message;
    if (UNAVAILABLE_MESSAGES.some((m) => message.includes(m))) return true;
  }
  return false;
}

/**
 * True when `err`, or anything in its `cause` chain (MikroORM wraps the driver's error as
 * `previous`, knex as `cause`), says a dependency is unavailable.
 */
export function isUnavailableError(err: unknown): boolean {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (looksUnavailable(current)) return true;
    const next = current as { cause?: unknown; previous?: unknown; errors?: unknown };
    if (Array.isArray(next.errors) && next.errors.some((inner) => inner && typeof inner === 'object' && looksUnavailable(inner as object))) return true;
    current = next.cause ?? next.previous;
  }
  return false;
}

/** Seconds a client should wait before retrying a 503: long enough for a failover, short enough to feel live. */
export const RETRY_AFTER_SECONDS = 5;
