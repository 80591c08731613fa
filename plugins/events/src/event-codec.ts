import { randomUUID } from 'node:crypto';
import { EVENT_TYPE_PATTERN, type PlatformEvent } from '@dogan/runtime';
import type { NewPlatformEvent, SqlRow } from '@dogan/tenants';
import { EventErrors } from './errors.js';

/** The largest payload an event may carry, as JSON: events say what happened, not the whole record. */
export const MAX_PAYLOAD_BYTES = 256 * 1024;

/** A complete event from what a publisher gave: id and time filled in, type and payload checked. */
export function completeEvent(input: NewPlatformEvent, now: Date = new Date()): PlatformEvent {
  if (typeof input.type !== 'string' || !EVENT_TYPE_PATTERN.test(input.type) || input.type.length > 200) {
    throw EventErrors.EVENT_TYPE_INVALID(String(input.type).slice(0, 200));
  }
  const version = input.version ?? 1;
  if (!Number.isInteger(version) || version < 1) throw EventErrors.EVENT_INVALID(`version must be a positive integer, got ${String(version)}`);
  const payloadJson = JSON.stringify(input.payload ?? null);
  if (Buffer.byteLength(payloadJson) > MAX_PAYLOAD_BYTES) throw EventErrors.EVENT_INVALID(`the payload of ${input.type} is over ${MAX_PAYLOAD_BYTES} bytes`);
  const occurredAt = input.occurredAt ?? now.toISOString();
  if (Number.isNaN(Date.parse(occurredAt))) throw EventErrors.EVENT_INVALID(`occurredAt "${occurredAt}" is not an ISO 8601 time`);
  if (input.id !== undefined && !/^[A-Za-z0-9_-]{8,36}$/.test(input.id)) throw EventErrors.EVENT_INVALID('id must be 8-36 letters, digits, "-" or "_"');
  return {
    id: input.id ?? randomUUID(),
    type: input.type,
    version,
    tenantId: input.tenantId ?? null,
    occurredAt,
    // A copy through JSON: what is stored is exactly what every subscriber will see.
    payload: JSON.parse(payloadJson) as unknown,
  };
}

/** A JSON column as the driver returns it: parsed on PostgreSQL (jsonb), text on SQLite. */
export function jsonColumn(value: unknown): unknown {
  return typeof value === 'string' ? JSON.parse(value) : value;
}

/** An event from a row with the outbox's (or dead-letter list's) columns. */
export function eventFromRow(row: SqlRow): PlatformEvent {
  return {
    id: String(row.id ?? row.event_id),
    type: String(row.type),
    version: Number(row.version),
    tenantId: row.tenant_id === null || row.tenant_id === undefined ? null : String(row.tenant_id),
    occurredAt: String(row.occurred_at),
    payload: jsonColumn(row.payload),
  };
}

/** The wire form on NATS and in the in-process queue. */
export function encodeEvent(event: PlatformEvent): string {
  return JSON.stringify(event);
}

export function decodeEvent(text: string): PlatformEvent {
  const e = JSON.parse(text) as PlatformEvent;
  if (typeof e?.id !== 'string' || typeof e.type !== 'string') throw new Error('not an event');
  return e;
}
