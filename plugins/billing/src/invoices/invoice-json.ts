import type { Invoice, InvoiceLine } from '../entities/invoices.js';
import { toDecimalString } from '../money.js';
import { localIsoDate, type InvoiceWithLines } from './invoice-service.js';

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** The invoice as the API shows it: every amount in integer minor units, plus the decimal text. */
export function invoiceJson({ invoice, lines }: InvoiceWithLines, timezone = 'Asia/Riyadh') {
  return {
    id: invoice.id,
    number: invoice.number,
    kind: invoice.kind,
    status: invoice.status,
    correctsInvoiceId: invoice.correctsInvoiceId,
    currency: invoice.currency,
    periodStart: iso(invoice.periodStart),
    periodEnd: iso(invoice.periodEnd),
    issuedAt: iso(invoice.issuedAt),
    issueDate: invoice.issuedAt ? { gregorian: localIsoDate(new Date(invoice.issuedAt), timezone), hijri: invoice.hijriIssueDate } : null,
    dueAt: iso(invoice.dueAt),
    paidAt: iso(invoice.paidAt),
    seller: { name: invoice.sellerName, vatNumber: invoice.sellerVatNumber },
    buyer: { name: invoice.buyerName, country: invoice.buyerCountry },
    lines: lines.map((l: InvoiceLine) => ({
      kind: l.kind,
      description: l.description,
      quantity: l.quantity,
      unitAmount: l.unitAmount,
      amount: l.amount,
    })),
    subtotal: invoice.subtotal,
    vatRateBasisPoints: invoice.vatRateBasisPoints,
    vat: invoice.vat,
    total: invoice.total,
    display: { subtotal: toDecimalString(invoice.subtotal), vat: toDecimalString(invoice.vat), total: toDecimalString(invoice.total) },
    qr: invoice.qr,
  };
}

export type InvoiceJson = ReturnType<typeof invoiceJson>;
export type { Invoice };
