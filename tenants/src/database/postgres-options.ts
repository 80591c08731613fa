/**
 * Timeouts for every PostgreSQL pool the platform opens. Without them a server that stops answering
 * (a partition, a failover in progress) holds a request for knex's default 60 s, or for the OS's TCP
 * timeout while connecting; with them the request fails in seconds and is answered 503 + Retry-After.
 */
export const POSTGRES_DRIVER_OPTIONS = {
  acquireConnectionTimeout: 5_000,
  connection: { connectionTimeoutMillis: 5_000 },
} as const;
