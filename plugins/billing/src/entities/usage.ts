import { EntitySchema } from '@mikro-orm/core';
import { bigint, money } from './columns.js';

/**
 * A counter per tenant, metric and usage period, incremented by batched upserts
 * (`id` = tenant|metric|periodStartMs, so one statement adds to the row on both engines).
 */
export interface UsageCounter {
  id: string;
  tenantId: string;
  metric: string;
  periodStartMs: number;
  value: number;
}

export const UsageCounterSchema = new EntitySchema<UsageCounter>({
  name: 'BillingUsageCounter',
  tableName: 'billing_usage_counters',
  properties: {
    id: { type: 'string', primary: true, length: 120 },
    tenantId: { type: 'string', length: 36, index: true },
    metric: { type: 'string', length: 60 },
    periodStartMs: bigint(),
    value: money(),
  },
});

/**
 * The API-call allowance of a hard-stopped tenant's usage period that nodes have reserved, in blocks,
 * by a conditional update that never passes the limit (`id` = the counter's id). Kept apart from the
 * counter: allowance reserved is what nodes may serve, the counter is what they served and is billed.
 */
export interface UsageAllowance {
  id: string;
  tenantId: string;
  periodStartMs: number;
  reserved: number;
}

export const UsageAllowanceSchema = new EntitySchema<UsageAllowance>({
  name: 'BillingUsageAllowance',
  tableName: 'billing_usage_allowances',
  properties: {
    id: { type: 'string', primary: true, length: 120 },
    tenantId: { type: 'string', length: 36, index: true },
    periodStartMs: bigint(),
    reserved: money(),
  },
});

/** A metered event (module use), deduplicated by the caller's key per tenant. */
export interface UsageEvent {
  id: string;
  tenantId: string;
  key: string;
  metric: string;
  quantity: number;
  /** What unique-count aggregation counts (a user id, a document id). */
  uniqueValue: string | null;
  occurredAt: Date;
}

export const UsageEventSchema = new EntitySchema<UsageEvent>({
  name: 'BillingUsageEvent',
  tableName: 'billing_usage_events',
  indexes: [{ properties: ['tenantId', 'metric', 'occurredAt'] }],
  uniques: [{ properties: ['tenantId', 'key'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36 },
    key: { type: 'string', length: 200 },
    metric: { type: 'string', length: 120 },
    quantity: money(),
    uniqueValue: { type: 'string', length: 200, nullable: true },
    occurredAt: { type: 'datetime' },
  },
});

/**
 * A module a tenant bought: recurring and per-use prices are billed each period while active. A
 * monthly one ended (uninstalled) at `endedAt` is still billed for the period that contains it.
 */
export interface ModulePurchase {
  id: string;
  tenantId: string;
  moduleId: string;
  version: string;
  publisher: string;
  pricing: Record<string, unknown>;
  active: boolean;
  createdAt: Date;
  endedAt?: Date | null;
}

export const ModulePurchaseSchema = new EntitySchema<ModulePurchase>({
  name: 'BillingModulePurchase',
  tableName: 'billing_module_purchases',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, index: true },
    moduleId: { type: 'string', length: 120 },
    version: { type: 'string', length: 40 },
    publisher: { type: 'string', length: 120 },
    pricing: { type: 'json' },
    active: { type: 'boolean', default: true },
    createdAt: { type: 'datetime' },
    endedAt: { type: 'datetime', nullable: true },
  },
});

/** The publisher's share of a paid module line, recorded when the invoice is paid. */
export interface PublisherPayout {
  /** The invoice line id: one share per line, however often payment is confirmed. */
  id: string;
  publisher: string;
  moduleId: string;
  tenantId: string;
  invoiceId: string;
  gross: number;
  sharePercent: number;
  share: number;
  currency: string;
  recordedAt: Date;
}

export const PublisherPayoutSchema = new EntitySchema<PublisherPayout>({
  name: 'BillingPublisherPayout',
  tableName: 'billing_publisher_payouts',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    publisher: { type: 'string', length: 120, index: true },
    moduleId: { type: 'string', length: 120 },
    tenantId: { type: 'string', length: 36 },
    invoiceId: { type: 'string', length: 36 },
    gross: money(),
    sharePercent: { type: 'integer' },
    share: money(),
    currency: { type: 'string', length: 3 },
    recordedAt: { type: 'datetime', index: true },
  },
});
