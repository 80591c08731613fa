import { AuditErrors } from './audit-errors.js';
import type { AuditFilters } from './audit-store.js';
import { ACTOR_KINDS, type ActorKind, type AuditTrailEntry } from './trail-entry.js';

/** The filters of the list and the export, as query parameters. */
const filterProperties = {
  actorKind: { type: 'string', enum: [...ACTOR_KINDS] },
  actorId: { type: 'string', minLength: 1, maxLength: 100 },
  action: { type: 'string', minLength: 1, maxLength: 120, description: '`workflows` matches workflows and workflows.*' },
  targetType: { type: 'string', minLength: 1, maxLength: 60 },
  targetId: { type: 'string', minLength: 1, maxLength: 200 },
  from: { type: 'string', format: 'date-time', description: 'Entries at or after' },
  to: { type: 'string', format: 'date-time', description: 'Entries before' },
} as const;

export const exportQuery = { type: 'object', additionalProperties: false, properties: filterProperties } as const;

export const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    ...filterProperties,
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
    cursor: { type: 'string', minLength: 1, maxLength: 100, description: 'The nextCursor of the previous page' },
  },
} as const;

export interface FilterQuery {
  actorKind?: ActorKind;
  actorId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  from?: string;
  to?: string;
}

export function filtersOf(query: FilterQuery): AuditFilters {
  const from = query.from === undefined ? undefined : new Date(query.from);
  const to = query.to === undefined ? undefined : new Date(query.to);
  if (from && to && from.getTime() >= to.getTime()) throw AuditErrors.AUDIT_RANGE_INVALID(query.from!, query.to!);
  return { actorKind: query.actorKind, actorId: query.actorId, action: query.action, targetType: query.targetType, targetId: query.targetId, from, to };
}

const CURSOR_PREFIX = 'a1.';

/** An opaque cursor: where the next page starts (entries before this seq). */
export const encodeCursor = (seq: number): string => Buffer.from(`${CURSOR_PREFIX}${seq}`, 'utf8').toString('base64url');

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const seq = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : NaN;
  if (!Number.isSafeInteger(seq) || seq < 1) throw AuditErrors.AUDIT_CURSOR_INVALID();
  return seq;
}

const nullableString = { type: ['string', 'null'] } as const;
const nullableObject = { type: ['object', 'null'], additionalProperties: true } as const;

export const entrySchema = {
  type: 'object',
  required: ['seq', 'at', 'tenantId', 'actor', 'action', 'target', 'requestId', 'ip', 'outcome', 'prevHash', 'hash'],
  properties: {
    seq: { type: 'integer' },
    at: { type: 'string', format: 'date-time' },
    tenantId: nullableString,
    actor: { type: 'object', properties: { kind: { type: 'string', enum: [...ACTOR_KINDS] }, id: nullableString, label: { type: 'string' } } },
    action: { type: 'string' },
    target: { type: ['object', 'null'], properties: { type: { type: 'string' }, id: nullableString } },
    requestId: nullableString,
    ip: nullableString,
    outcome: nullableString,
    changes: nullableObject,
    details: nullableObject,
    prevHash: { type: 'string' },
    hash: { type: 'string' },
  },
} as const;

export const pageSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: { items: { type: 'array', items: entrySchema }, nextCursor: nullableString },
} as const;

export const verificationSchema = {
  type: 'object',
  required: ['ok', 'entries'],
  properties: {
    ok: { type: 'boolean' },
    entries: { type: 'integer' },
    firstBadSeq: { type: 'integer' },
    reason: { type: 'string', enum: ['hash_mismatch', 'prev_hash_mismatch', 'seq_gap', 'head_mismatch'] },
    detail: { type: 'string' },
  },
} as const;

/** One NDJSON line of the export. */
export const ndjsonLine = (entry: AuditTrailEntry): string => `${JSON.stringify(entry)}\n`;
