import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { TenantData } from '@dogan/tenants';
import type { Clock } from '../clock.js';
import { InvoiceLineSchema, InvoiceSchema, type Invoice, type InvoiceKind, type InvoiceLine, type LineKind } from '../entities/invoices.js';
import { BillingErrors } from '../errors.js';
import { invoiceIssued, type RecordEvents } from '../events.js';
import { assertMinor, invoiceTotals, toDecimalString } from '../money.js';
import type { PlanCatalog } from '../plans/plan-catalog.js';
import { lineText, type Bilingual } from './line-text.js';
import { nextInvoiceNumber } from './numbering.js';
import { encodeZatcaQr, zatcaTimestamp } from './zatca-qr.js';

export interface NewLine {
  kind: LineKind;
  description: Bilingual;
  quantity?: number;
  unitAmount?: number;
  amount: number;
  metadata?: Record<string, unknown>;
}

export interface BuyerInfo {
  id: string;
  name: string;
  country: string;
  timezone: string;
}

export interface InvoiceWithLines {
  invoice: Invoice;
  lines: InvoiceLine[];
}

/** Days a tenant has to pay an issued invoice before it counts as overdue. */
export const PAYMENT_TERMS_DAYS = 7;

/** The calendar date of an instant in a zone (`2026-02-01`), for the Gregorian and Hijri issue dates. */
export function localIsoDate(at: Date, timezone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * Invoices: drafts with lines, issue (number, VAT, ZATCA QR and Hijri date fixed in one
 * transaction), void, credit notes. Nothing about an issued invoice changes but its status.
 */
export class InvoiceService {
  constructor(
    private readonly deps: {
      orm: MikroORM;
      /** SQL beside the ORM's writes (the invoice number, in the issuing transaction). */
      data: TenantData;
      clock: Clock;
      catalog: PlanCatalog;
      seller: { name: string; vatNumber: string | undefined };
      /** Hijri (Umm al-Qura) ISO date of a Gregorian ISO date, with the platform's overrides. */
      hijriOf(isoDate: string): string;
      events: RecordEvents;
    },
  ) {}

  /**
   * A draft with its lines and totals; `em` lets callers create it inside their own transaction, and
   * `id` lets them record the draft elsewhere in that transaction (the billing step that made it).
   */
  async createDraft(
    em: EntityManager,
    input: { id?: string; buyer: BuyerInfo; currency: string; periodStart: Date; periodEnd: Date; lines: NewLine[]; kind?: InvoiceKind; correctsInvoiceId?: string | null },
  ): Promise<InvoiceWithLines> {
    if (input.lines.length === 0) throw BillingErrors.INVOICE_EMPTY();
    const rate = await this.deps.catalog.taxRate(input.buyer.country, em);
    const amounts = input.lines.map((l) => assertMinor(l.amount, 'line amount'));
    const totals = invoiceTotals(amounts, rate);
    const now = this.deps.clock.now();
    const invoice = em.create(InvoiceSchema, {
      id: input.id ?? randomUUID(),
      tenantId: input.buyer.id,
      kind: input.kind ?? 'invoice',
      number: null,
      status: 'draft',
      correctsInvoiceId: input.correctsInvoiceId ?? null,
      currency: input.currency,
      periodStart: input.periodStart,
      periodEnd: input.periodEnd,
      subtotal: totals.subtotal,
      vatRateBasisPoints: rate,
      vat: totals.vat,
      total: totals.total,
      sellerName: this.deps.seller.name,
      sellerVatNumber: this.deps.seller.vatNumber ?? null,
      buyerName: input.buyer.name,
      buyerCountry: input.buyer.country,
      qr: null,
      issuedAt: null,
      hijriIssueDate: null,
      dueAt: null,
      paidAt: null,
      voidedAt: null,
      paymentAttempts: 0,
      firstFailedAt: null,
      nextAttemptAt: null,
      createdAt: now,
      updatedAt: now,
    });
    const lines = input.lines.map((l, position) =>
      em.create(InvoiceLineSchema, {
        id: randomUUID(),
        invoiceId: invoice.id,
        position,
        kind: l.kind,
        description: l.description,
        quantity: l.quantity ?? 1,
        unitAmount: l.unitAmount ?? l.amount,
        amount: l.amount,
        metadata: l.metadata ?? {},
      }),
    );
    await em.flush();
    return { invoice, lines };
  }

  /** A draft in a transaction of its own. */
  draft(input: Parameters<InvoiceService['createDraft']>[1]): Promise<InvoiceWithLines> {
    return this.deps.orm.em.fork().transactional((em) => this.createDraft(em, input));
  }

  /**
   * Issues a draft: the next number of its sequence, VAT recomputed from its lines, the QR and the
   * Hijri date, all in one transaction (with `billing.invoice_issued`), so a failure leaves the
   * draft, consumes no number and says nothing.
   */
  async issue(invoiceId: string, timezone = 'Asia/Riyadh'): Promise<Invoice> {
    return this.deps.orm.em.fork().transactional(async (em) => {
      // Claim the draft with a conditional write first: on PostgreSQL it takes the row lock, so a
      // concurrent issue of the same draft waits, re-reads, finds it issued and is refused.
      const claimed = await em.nativeUpdate(InvoiceSchema, { id: invoiceId, status: 'draft' }, { updatedAt: this.deps.clock.now() });
      const invoice = await em.findOne(InvoiceSchema, { id: invoiceId }, { refresh: true });
      if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(invoiceId);
      if (claimed !== 1 || invoice.status !== 'draft') throw BillingErrors.INVOICE_NOT_DRAFT(invoice.number ?? invoice.id, invoice.status);
      const lines = await em.find(InvoiceLineSchema, { invoiceId }, { orderBy: { position: 'asc' } });
      const totals = invoiceTotals(lines.map((l) => l.amount), invoice.vatRateBasisPoints);
      const vatNumber = this.deps.seller.vatNumber;
      if (!vatNumber && (totals.vat !== 0 || invoice.buyerCountry === 'SA')) throw BillingErrors.INVOICE_SELLER_VAT_MISSING();
      const now = this.deps.clock.now();
      const prefix = invoice.kind === 'credit_note' ? 'CN' : 'INV';
      invoice.number = await nextInvoiceNumber(this.deps.data.controlPlaneWithin(em), prefix, now.getUTCFullYear());
      Object.assign(invoice, totals);
      invoice.status = 'issued';
      invoice.issuedAt = now;
      invoice.hijriIssueDate = this.deps.hijriOf(localIsoDate(now, timezone));
      invoice.dueAt = new Date(now.getTime() + PAYMENT_TERMS_DAYS * 86_400_000);
      invoice.qr = vatNumber
        ? encodeZatcaQr({
            sellerName: invoice.sellerName,
            vatNumber,
            timestamp: zatcaTimestamp(now),
            total: toDecimalString(totals.total),
            vatTotal: toDecimalString(totals.vat),
          })
        : null;
      await this.deps.events(em, [invoiceIssued(invoice)]);
      return invoice;
    });
  }

  async find(tenantId: string, ref: string): Promise<InvoiceWithLines> {
    const em = this.deps.orm.em.fork();
    const invoice = await em.findOne(InvoiceSchema, /^[0-9a-f-]{36}$/.test(ref) ? { id: ref, tenantId } : { number: ref, tenantId });
    if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(ref);
    return { invoice, lines: await em.find(InvoiceLineSchema, { invoiceId: invoice.id }, { orderBy: { position: 'asc' } }) };
  }

  async byId(id: string): Promise<InvoiceWithLines> {
    const em = this.deps.orm.em.fork();
    const invoice = await em.findOne(InvoiceSchema, { id });
    if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(id);
    return { invoice, lines: await em.find(InvoiceLineSchema, { invoiceId: id }, { orderBy: { position: 'asc' } }) };
  }

  async list(tenantId: string): Promise<InvoiceWithLines[]> {
    const em = this.deps.orm.em.fork();
    const invoices = await em.find(InvoiceSchema, { tenantId, status: { $ne: 'draft' } }, { orderBy: { issuedAt: 'desc', number: 'desc' } });
    const lines = invoices.length ? await em.find(InvoiceLineSchema, { invoiceId: { $in: invoices.map((i) => i.id) } }, { orderBy: { position: 'asc' } }) : [];
    return invoices.map((invoice) => ({ invoice, lines: lines.filter((l) => l.invoiceId === invoice.id) }));
  }

  /** Voids an unpaid issued invoice (a paid one needs a credit note). */
  async void(invoiceId: string): Promise<Invoice> {
    const em = this.deps.orm.em.fork();
    const invoice = await em.findOne(InvoiceSchema, { id: invoiceId });
    if (!invoice) throw BillingErrors.INVOICE_NOT_FOUND(invoiceId);
    // Conditional update: a payment confirmed at the same moment wins, and the void is refused.
    const changed = await em.nativeUpdate(InvoiceSchema, { id: invoiceId, status: 'issued' }, { status: 'void', voidedAt: this.deps.clock.now(), nextAttemptAt: null });
    if (changed !== 1) throw BillingErrors.INVOICE_STATUS_INVALID(invoice.number ?? invoice.id, invoice.status, 'void');
    return (await this.byId(invoiceId)).invoice;
  }

  /** A credit note reversing an issued or paid invoice in full: negative lines, its own `CN-` number. */
  async creditNote(invoiceId: string, buyer: BuyerInfo): Promise<Invoice> {
    const { invoice, lines } = await this.byId(invoiceId);
    if (invoice.kind !== 'invoice' || (invoice.status !== 'issued' && invoice.status !== 'paid')) {
      throw BillingErrors.INVOICE_STATUS_INVALID(invoice.number ?? invoice.id, invoice.status, 'credit');
    }
    const draft = await this.deps.orm.em.fork().transactional((em) =>
      this.createDraft(em, {
        buyer,
        currency: invoice.currency,
        periodStart: invoice.periodStart,
        periodEnd: invoice.periodEnd,
        kind: 'credit_note',
        correctsInvoiceId: invoice.id,
        lines: lines.map((l) => ({ kind: 'credit', description: l.description, quantity: l.quantity, unitAmount: -l.unitAmount, amount: -l.amount, metadata: { ...l.metadata, credits: invoice.number } })),
      }),
    );
    const issued = await this.issue(draft.invoice.id, buyer.timezone);
    if (invoice.status === 'issued') await this.void(invoice.id).catch(() => undefined);
    return issued;
  }

  static describe = lineText;
}
