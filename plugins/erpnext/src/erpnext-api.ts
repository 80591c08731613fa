import { createServiceRef } from '@dogan/runtime';

/** What a tenant admin (or the SDK's test harness) gives to connect a Frappe/ERPNext site. */
export interface ConnectionInput {
  /** The connection's name within the tenant; `default` when omitted. */
  readonly name?: string;
  /** `https://erp.example.com`: scheme and host (and port) only. */
  readonly baseUrl: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Sent as `X-Frappe-Site-Name` for a bench that hosts several sites behind one address. */
  readonly siteName?: string | null;
  /** Make this the tenant's default connection (the first connection always is). */
  readonly isDefault?: boolean;
}

/** A connection as the API shows it: never the secret, only whether one is stored and its last four characters of the key. */
export interface ConnectionView {
  readonly name: string;
  readonly baseUrl: string;
  readonly siteName: string | null;
  readonly apiKeyHint: string;
  readonly isDefault: boolean;
  readonly health: { readonly status: 'unknown' | 'ok' | 'failing'; readonly checkedAt: string | null; readonly user: string | null; readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null };
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A module's or agent's operation on one document type, run through the tenant's own connection. */
export type ErpnextVerb = 'read' | 'write' | 'submit';

/** The ERPNext plugin's service: connections per tenant, and document operations through them. */
export interface ErpnextApi {
  readonly connections: {
    save(tenantId: string, input: ConnectionInput): Promise<ConnectionView>;
    list(tenantId: string): Promise<ConnectionView[]>;
    remove(tenantId: string, name: string): Promise<boolean>;
  };
  /**
   * One operation for a module in the sandbox (`erpnext.get`, `erpnext.list`, `erpnext.create`,
   * `erpnext.update`, `erpnext.delete`, `erpnext.submit`, `erpnext.cancel`) with its JSON arguments,
   * through the tenant's connection (`args.connection` or the default). The caller has checked the grant.
   */
  moduleOperation(tenantId: string, op: string, args: Record<string, unknown>): Promise<unknown>;
}

export const erpnextApiRef = createServiceRef<ErpnextApi>({ id: 'erpnext.api' });
