import { EntitySchema } from '@mikro-orm/core';
import { money } from './columns.js';

export type InvoiceStatus = 'draft' | 'issued' | 'paid' | 'void';
export type InvoiceKind = 'invoice' | 'credit_note';
export type LineKind = 'plan' | 'proration' | 'overage' | 'module' | 'credit';

/** An invoice or credit note. Never edited after issue; amounts in minor units. */
export interface Invoice {
  id: string;
  tenantId: string;
  kind: InvoiceKind;
  /** Gapless per sequence and year (`INV-2026-000001`); null while draft. */
  number: string | null;
  status: InvoiceStatus;
  correctsInvoiceId: string | null;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  subtotal: number;
  vatRateBasisPoints: number;
  vat: number;
  total: number;
  sellerName: string;
  sellerVatNumber: string | null;
  buyerName: string;
  buyerCountry: string;
  /** ZATCA Phase 1 QR payload (base64 TLV), fixed at issue. */
  qr: string | null;
  issuedAt: Date | null;
  /** Umm al-Qura date of issue (`1447-08-12`), fixed at issue. */
  hijriIssueDate: string | null;
  dueAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  /** Dunning: attempts so far, when the first failed, when the next is due. */
  paymentAttempts: number;
  firstFailedAt: Date | null;
  nextAttemptAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const InvoiceSchema = new EntitySchema<Invoice>({
  name: 'BillingInvoice',
  tableName: 'billing_invoices',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, index: true },
    kind: { type: 'string', length: 12 },
    number: { type: 'string', length: 32, nullable: true, unique: true },
    status: { type: 'string', length: 8, index: true },
    correctsInvoiceId: { type: 'string', length: 36, nullable: true },
    currency: { type: 'string', length: 3 },
    periodStart: { type: 'datetime' },
    periodEnd: { type: 'datetime' },
    subtotal: money(),
    vatRateBasisPoints: { type: 'integer' },
    vat: money(),
    total: money(),
    sellerName: { type: 'string', length: 200 },
    sellerVatNumber: { type: 'string', length: 15, nullable: true },
    buyerName: { type: 'string', length: 200 },
    buyerCountry: { type: 'string', length: 2 },
    qr: { type: 'text', nullable: true },
    issuedAt: { type: 'datetime', nullable: true },
    hijriIssueDate: { type: 'string', length: 10, nullable: true },
    dueAt: { type: 'datetime', nullable: true },
    paidAt: { type: 'datetime', nullable: true },
    voidedAt: { type: 'datetime', nullable: true },
    paymentAttempts: { type: 'integer', default: 0 },
    firstFailedAt: { type: 'datetime', nullable: true },
    nextAttemptAt: { type: 'datetime', nullable: true, index: true },
    createdAt: { type: 'datetime', onCreate: () => new Date() },
    updatedAt: { type: 'datetime', onCreate: () => new Date(), onUpdate: () => new Date() },
  },
});

export interface InvoiceLine {
  id: string;
  invoiceId: string;
  position: number;
  kind: LineKind;
  description: { en: string; ar: string };
  quantity: number;
  unitAmount: number;
  amount: number;
  /** Module id and publisher for marketplace lines; metric details for overage. */
  metadata: Record<string, unknown>;
}

export const InvoiceLineSchema = new EntitySchema<InvoiceLine>({
  name: 'BillingInvoiceLine',
  tableName: 'billing_invoice_lines',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    invoiceId: { type: 'string', length: 36, index: true },
    position: { type: 'integer' },
    kind: { type: 'string', length: 12 },
    description: { type: 'json' },
    quantity: money(),
    unitAmount: money(),
    amount: money(),
    metadata: { type: 'json' },
  },
});

/** The counter behind gapless numbering: one row per sequence and year, incremented under a row lock. */
export interface InvoiceSequence {
  name: string;
  last: number;
}

export const InvoiceSequenceSchema = new EntitySchema<InvoiceSequence>({
  name: 'BillingInvoiceSequence',
  tableName: 'billing_invoice_sequences',
  properties: {
    name: { type: 'string', primary: true, length: 20 },
    last: { type: 'integer', default: 0 },
  },
});

/** A charge waiting for the tenant's next invoice (a paid module, a one-time fee). */
export interface PendingCharge {
  id: string;
  tenantId: string;
  kind: 'module';
  description: { en: string; ar: string };
  amount: number;
  currency: string;
  metadata: Record<string, unknown>;
  invoiceId: string | null;
  createdAt: Date;
}

export const PendingChargeSchema = new EntitySchema<PendingCharge>({
  name: 'BillingPendingCharge',
  tableName: 'billing_pending_charges',
  properties: {
    id: { type: 'string', primary: true, length: 36 },
    tenantId: { type: 'string', length: 36, index: true },
    kind: { type: 'string', length: 12 },
    description: { type: 'json' },
    amount: money(),
    currency: { type: 'string', length: 3 },
    metadata: { type: 'json' },
    invoiceId: { type: 'string', length: 36, nullable: true, index: true },
    createdAt: { type: 'datetime' },
  },
});
