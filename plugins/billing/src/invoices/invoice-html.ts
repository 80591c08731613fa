import type { LocaleFormatter, MessageKey } from '@dogan/plugin-ksa';
import { createRequire } from 'node:module';
import type QRCode from 'qrcode';
import type { InvoiceWithLines } from './invoice-service.js';
import { localIsoDate } from './invoice-service.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** The QR as an inline SVG image (no external request, prints sharply). */
export function qrSvg(payload: string): Promise<string> {
  // Loaded on the first invoice rendered, not at start: the idle platform does not hold it.
  const qr = createRequire(import.meta.url)('qrcode') as typeof QRCode;
  return qr.toString(payload, { type: 'svg', errorCorrectionLevel: 'M', margin: 1 });
}

/**
 * The invoice as one bilingual page, as Saudi tax invoices are printed: every label in Arabic
 * (right-to-left) beside English (left-to-right), amounts in each language's digits, the issue date
 * in Gregorian and Hijri, and the ZATCA QR code.
 */
export async function invoiceHtml(data: InvoiceWithLines, f: { ar: LocaleFormatter; en: LocaleFormatter }, timezone: string): Promise<string> {
  const { invoice, lines } = data;
  const both = (key: MessageKey, params?: Record<string, string | number>) =>
    `<span lang="ar" dir="rtl">${escape(f.ar.translate(key, params))}</span> <span lang="en" dir="ltr">${escape(f.en.translate(key, params))}</span>`;
  const money = (minor: number) =>
    `<span lang="ar" dir="rtl">${escape(f.ar.money(minor, invoice.currency))}</span><br><span lang="en" dir="ltr">${escape(f.en.money(minor, invoice.currency))}</span>`;
  const day = invoice.issuedAt ? localIsoDate(new Date(invoice.issuedAt), timezone) : undefined;
  const title = invoice.kind === 'credit_note' ? 'invoice.invoice' : invoice.vat > 0 || invoice.buyerCountry === 'SA' ? 'invoice.simplifiedTaxInvoice' : 'invoice.invoice';
  const creditLabel = invoice.kind === 'credit_note' ? ' <span lang="ar" dir="rtl">إشعار دائن</span> <span lang="en" dir="ltr">Credit note</span>' : '';
  // Whole percents go in as numbers so each language writes them in its own digits; fractions stay exact text.
  const bp = invoice.vatRateBasisPoints;
  const rate: string | number = bp % 100 === 0 ? bp / 100 : `${Math.trunc(bp / 100)}.${String(bp % 100).padStart(2, '0')}`;
  const rows = lines
    .map(
      (l) => `<tr><td><div lang="ar" dir="rtl">${escape(l.description.ar)}</div><div lang="en" dir="ltr">${escape(l.description.en)}</div></td>` +
        `<td class="n">${escape(f.ar.number(l.quantity))}<br>${escape(f.en.number(l.quantity))}</td><td class="n">${money(l.unitAmount)}</td><td class="n">${money(l.amount)}</td></tr>`,
    )
    .join('\n');
  const qr = invoice.qr ? `<figure class="qr" data-qr="${escape(invoice.qr)}">${await qrSvg(invoice.qr)}</figure>` : '';
  return `<!doctype html>
<html lang="ar" dir="rtl">
<head><meta charset="utf-8"><title>${escape(invoice.number ?? 'draft')}</title>
<style>body{font-family:system-ui,'Noto Naskh Arabic',sans-serif;margin:2rem}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:.4rem;vertical-align:top}.n{text-align:end;white-space:nowrap}[dir=ltr]{unicode-bidi:isolate}.qr svg{width:160px}</style></head>
<body>
<h1>${both(title)}${creditLabel}</h1>
<dl>
<dt>${both('invoice.number')}</dt><dd dir="ltr">${escape(invoice.number ?? '')}</dd>
<dt>${both('invoice.gregorianDate')}</dt><dd>${day ? `<span lang="ar" dir="rtl">${escape(f.ar.gregorianDate(day))}</span> <span lang="en" dir="ltr">${escape(f.en.gregorianDate(day))}</span>` : ''}</dd>
<dt>${both('invoice.hijriDate')}</dt><dd>${day ? `<span lang="ar" dir="rtl">${escape(f.ar.hijriDate(day))}</span> <span lang="en" dir="ltr">${escape(f.en.hijriDate(day))}</span>` : ''}</dd>
<dt>${both('invoice.seller')}</dt><dd>${escape(invoice.sellerName)}</dd>
<dt>${both('invoice.vatNumber')}</dt><dd dir="ltr">${escape(invoice.sellerVatNumber ?? '')}</dd>
<dt>${both('invoice.buyer')}</dt><dd>${escape(invoice.buyerName)}</dd>
</dl>
<table>
<thead><tr><th>${both('invoice.description')}</th><th>${both('invoice.quantity')}</th><th>${both('invoice.unitPrice')}</th><th>${both('invoice.total')}</th></tr></thead>
<tbody>
${rows}
</tbody>
<tfoot>
<tr><th colspan="3">${both('invoice.subtotal')}</th><td class="n" data-amount="subtotal">${money(invoice.subtotal)}</td></tr>
<tr><th colspan="3">${both('invoice.vat', { rate })}</th><td class="n" data-amount="vat">${money(invoice.vat)}</td></tr>
<tr><th colspan="3">${both('invoice.totalWithVat')}</th><td class="n" data-amount="total">${money(invoice.total)}</td></tr>
</tfoot>
</table>
${qr}
</body>
</html>
`;
}
