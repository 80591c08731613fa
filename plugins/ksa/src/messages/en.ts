/**
 * English messages. This catalog defines the keys: `MessageKey` is derived from it, and the Arabic
 * catalog is typed against it, so a key added here and not in Arabic fails the type check too.
 */
import type { CatalogMessage } from './catalog.js';

export const en = {
  // Error titles, one per KSA error code, then the generic ones the HTTP edge uses.
  'error.HIJRI_DATE_INVALID': 'Invalid Hijri date',
  'error.GREGORIAN_DATE_INVALID': 'Invalid Gregorian date',
  'error.DATE_OUT_OF_RANGE': 'Date outside the supported calendar range',
  'error.HIJRI_OVERRIDE_INVALID': 'Invalid Hijri month override',
  'error.INSTANT_INVALID': 'Invalid date and time',
  'error.TIMEZONE_UNKNOWN': 'Unknown time zone',
  'error.WORK_WEEK_EMPTY': 'The work week has no days',
  'error.WORK_WEEK_INVALID': 'Invalid work week',
  'error.BUSINESS_HOURS_INVALID': 'Invalid business hours',
  'error.BUSINESS_DAY_NOT_FOUND': 'No business day found',
  'error.HOLIDAY_INVALID': 'Invalid holiday',
  'error.LOCALE_UNSUPPORTED': 'Unsupported language or locale',
  'error.CURRENCY_UNSUPPORTED': 'Unsupported currency',
  'error.LOCALE_SETTINGS_INVALID': 'Invalid language and region settings',
  'error.ARGUMENT_INVALID': 'Invalid value',
  'error.AMOUNT_INVALID': 'Invalid amount',
  'error.notFound': 'Not found',
  'error.invalidRequest': 'Invalid request',
  'error.unauthorized': 'Sign-in required',
  'error.forbidden': 'Access denied',
  'error.conflict': 'Conflict with the current state',
  'error.tooManyRequests': 'Too many requests',
  'error.internal': 'Something went wrong on our side',
  'error.serviceUnavailable': 'Service temporarily unavailable',

  // Invoices (labels as on a ZATCA e-invoice).
  'invoice.invoice': 'Invoice',
  'invoice.taxInvoice': 'Tax invoice',
  'invoice.simplifiedTaxInvoice': 'Simplified tax invoice',
  'invoice.number': 'Invoice number',
  'invoice.issueDate': 'Issue date',
  'invoice.dueDate': 'Due date',
  'invoice.hijriDate': 'Hijri date',
  'invoice.gregorianDate': 'Gregorian date',
  'invoice.seller': 'Seller',
  'invoice.buyer': 'Buyer',
  'invoice.vatNumber': 'VAT registration number',
  'invoice.description': 'Description',
  'invoice.quantity': 'Quantity',
  'invoice.unitPrice': 'Unit price',
  'invoice.subtotal': 'Subtotal',
  'invoice.vat': 'VAT ({rate}%)',
  'invoice.total': 'Total',
  'invoice.totalWithVat': 'Total including VAT',
  'invoice.amountDue': 'Amount due',

  // Email subjects.
  'email.welcome.subject': 'Welcome to {product}',
  'email.trialEnding.subject': { one: 'Your trial ends in {count} day', other: 'Your trial ends in {count} days' },
  'email.trialEnded.subject': 'Your trial has ended',
  'email.invoiceIssued.subject': 'Invoice {number} from {seller}',
  'email.paymentReceived.subject': 'Payment received: {amount}',
  'email.passwordReset.subject': 'Reset your password',

  // Calendar and business time.
  'date.both': '{gregorian} ({hijri})',
  'date.dateTime': '{date}, {time}',
  'businessDays.count': { one: '{count} business day', other: '{count} business days' },
} as const satisfies Record<string, CatalogMessage>;

/** Every message key the platform can translate. */
export type MessageKey = keyof typeof en;
