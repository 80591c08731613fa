/** Who acted: a person, a tenant API key, an agent, a module, the platform itself, or its admin. */
export const ACTOR_KINDS = ['user', 'key', 'agent', 'module', 'system', 'platform-admin'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

export interface AuditActor {
  readonly kind: ActorKind;
  /** The key's id, the user's, the module's...; null for the platform admin (there is one). */
  readonly id: string | null;
}

/** What was acted on: `{ type: 'workflows', id: '<workflow id>' }`; id null for a singleton (`email.settings`). */
export interface AuditTarget {
  readonly type: string;
  readonly id: string | null;
}

/** Settings before and after a change; secret-looking fields are masked before they are stored. */
export interface AuditChanges {
  readonly before?: Record<string, unknown> | null;
  readonly after?: Record<string, unknown> | null;
}

/** What a plugin records (`auditTrailRef.record`); the trail adds the time, seq and hashes. */
export interface AuditRecordInput {
  /** The tenant whose trail holds it; null: the platform's trail. */
  readonly tenantId: string | null;
  readonly actor: AuditActor;
  /** Dotted, lowercase: `workflows.create`, `tenant.suspend`, `billing.run`. */
  readonly action: string;
  readonly target?: AuditTarget | null;
  readonly requestId?: string | null;
  readonly ip?: string | null;
  /** An HTTP status (`201`) for requests; `ok` (the default) or `failed` for actions outside requests. */
  readonly outcome?: string;
  readonly changes?: AuditChanges | null;
  /** Context that is not a change (a key's prefix, the step a roll-back undid). */
  readonly details?: Record<string, unknown> | null;
}

/** An entry of a chain, as stored, listed, exported and hashed. */
export interface AuditTrailEntry {
  readonly seq: number;
  /** ISO 8601, milliseconds. */
  readonly at: string;
  readonly tenantId: string | null;
  readonly actor: AuditActor & { readonly label: string };
  readonly action: string;
  readonly target: AuditTarget | null;
  readonly requestId: string | null;
  readonly ip: string | null;
  readonly outcome: string | null;
  readonly changes: Record<string, unknown> | null;
  readonly details: Record<string, unknown> | null;
  readonly prevHash: string;
  readonly hash: string;
}

/** The part of the audit trail other plugins use: their actions outside requests (runs, provisioning). */
export interface AuditRecorder {
  /** Appends to the tenant's chain (or the platform's); resolves once the entry is stored. */
  record(entry: AuditRecordInput): Promise<AuditTrailEntry>;
}

/** The chain of a tenant, or the platform's. */
export const PLATFORM_CHAIN = 'platform';
export const chainOf = (tenantId: string | null): string => tenantId ?? PLATFORM_CHAIN;

export const isActorKind = (kind: string): kind is ActorKind => (ACTOR_KINDS as readonly string[]).includes(kind);

/** The actor as one label: `key:<id>`, `system:sweep`, `platform-admin`. */
export function actorLabel(actor: AuditActor): string {
  return actor.id === null ? actor.kind : `${actor.kind}:${actor.id}`;
}

/**
 * An actor from the labels the tenants plugin passed before actors had kinds (`platform-admin`,
 * `system:sweep`, `cli`, `api-key:<prefix>`): the old rows and TenantService's string actors.
 */
export function actorFromLabel(label: string): AuditActor {
  if (label === 'platform-admin') return { kind: 'platform-admin', id: null };
  const colon = label.indexOf(':');
  if (colon > 0) {
    const kind = label.slice(0, colon);
    const id = label.slice(colon + 1) || null;
    if (kind === 'api-key') return { kind: 'key', id };
    if (isActorKind(kind)) return { kind, id };
  }
  return { kind: 'system', id: label };
}
