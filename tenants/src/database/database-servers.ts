import type { TenantsConfig as Config } from '../config.js';

/** A PostgreSQL server that can hold tenant databases. The URL (with any password) stays in config. */
export interface DatabaseServer {
  readonly name: string;
  readonly url: string;
}

/**
 * The servers tenant databases may be placed on: `TENANT_DB_SERVERS`, or the control plane's own
 * server as "default". Empty in embedded mode (SQLite files).
 */
export function configuredServers(config: Config): DatabaseServer[] {
  if (config.TENANT_DB_SERVERS) {
    return config.TENANT_DB_SERVERS.split(',').map((pair) => {
      const at = pair.indexOf('=');
      return { name: pair.slice(0, at), url: pair.slice(at + 1) };
    });
  }
  return config.DATABASE_URL ? [{ name: 'default', url: config.DATABASE_URL }] : [];
}

/** The URL of one database on a server: same host and credentials, another database name. */
export function databaseUrl(serverUrl: string, databaseName: string): string {
  const url = new URL(serverUrl);
  url.pathname = '/' + encodeURIComponent(databaseName);
  return url.toString();
}

/** PostgreSQL identifiers for tenant databases: `dogan_tenant_<32 hex>`, safe to quote and unique. */
export function tenantDatabaseName(tenantId: string): string {
  return 'dogan_tenant_' + tenantId.replace(/-/g, '').toLowerCase();
}

/** The server with the fewest tenants (ties: the first configured), for new placements. */
export function leastLoadedServer(servers: readonly DatabaseServer[], counts: ReadonlyMap<string, number>): DatabaseServer {
  let best = servers[0]!;
  for (const s of servers) if ((counts.get(s.name) ?? 0) < (counts.get(best.name) ?? 0)) best = s;
  return best;
}
