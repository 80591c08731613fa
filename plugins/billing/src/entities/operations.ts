import { EntitySchema } from '@mikro-orm/core';

/** Every step of billing that moves money, each claimed once per tenant, purpose and period. */
export type OperationPurpose = 'start' | 'trial_conversion' | 'upgrade' | 'cycle_change' | 'renewal' | 'period_close';
export type OperationStatus = 'open' | 'done' | 'failed';

/**
 * A money-moving step, claimed before money moves. The row is the claim: its unique key (tenant,
 * purpose, period) makes a second claim of the same step fail, and while it is open it holds the
 * tenant's subscription (`BillingSubscription.operationId`), so no other step changes it meanwhile.
 * It records everything needed to finish the step (`plan`) and the invoice it created, so a run
 * that finds it abandoned (lease over) completes the collection of that same invoice.
 */
export interface BillingOperation {
  id: string;
  tenantId: string;
  subscriptionId: string;
  purpose: OperationPurpose;
  /** The period (or the state of the period) the step is for, e.g. the end of the usage period it closes. */
  periodKey: string;
  status: OperationStatus;
  /** The invoice this step created; set in the transaction that creates the draft. */
  invoiceId: string | null;
  /** What the step does: lines, period, charges to take and the subscription changes to apply (JSON). */
  plan: Record<string, unknown>;
  /** Until when the claimer is trusted to be working on it; after that any run may finish it. */
  leaseUntil: Date;
  createdAt: Date;
  updatedAt: Date;
}

export const BillingOperationSchema = new EntitySchema<BillingOperation>({
  name: 'BillingOperation',
  tableName: 'billing_operations',
  uniques: [{ properties: ['tenantId', 'purpose', 'periodKey'] }],
  indexes: [{ properties: ['status', 'leaseUntil'] }],
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36 },
    subscriptionId: { type: 'string', length: 36 },
    purpose: { type: 'string', length: 20 },
    periodKey: { type: 'string', length: 160 },
    status: { type: 'string', length: 8 },
    invoiceId: { type: 'string', length: 36, nullable: true },
    plan: { type: 'json' },
    leaseUntil: { type: 'datetime' },
    createdAt: { type: 'datetime' },
    updatedAt: { type: 'datetime' },
  },
});
