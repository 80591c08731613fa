import type { Locale, TemplateBody } from '../store/template-store.js';

/**
 * The platform's notices to a tenant, in Arabic and English: what billing and the webhooks plugin
 * have to tell its billing contact. Their names are reserved (a tenant cannot save a template by one
 * of them). Values come from the notice's event; dates and amounts are formatted with the tenant's
 * calendar, digits and currency by the filters. The text alternative is derived from the HTML.
 */
export const BUILTIN_TEMPLATES = {
  trial_ending: {
    ar: {
      subject: 'تنتهي الفترة التجريبية لـ {{tenantName}} في {{trialEndsAt | date}}',
      html: `<h2>تنتهي فترتك التجريبية قريبًا</h2>
<p>مرحبًا، تنتهي الفترة التجريبية لحساب <strong>{{tenantName}}</strong> {{daysLeftText}}، في {{trialEndsAt | date}}.</p>
{{#paymentMethodOnFile}}<p>لديك وسيلة دفع محفوظة، وسيستمر اشتراكك في خطة {{planId}} دون انقطاع.</p>{{/paymentMethodOnFile}}
{{^paymentMethodOnFile}}<p>أضف وسيلة دفع واختر خطة قبل ذلك التاريخ حتى تستمر خدماتك دون انقطاع.</p>{{/paymentMethodOnFile}}`,
    },
    en: {
      subject: 'The trial of {{tenantName}} ends on {{trialEndsAt | date}}',
      html: `<h2>Your trial ends soon</h2>
<p>Hello, the trial of <strong>{{tenantName}}</strong> ends {{daysLeftText}}, on {{trialEndsAt | date}}.</p>
{{#paymentMethodOnFile}}<p>A payment method is on file: your subscription to the {{planId}} plan continues without interruption.</p>{{/paymentMethodOnFile}}
{{^paymentMethodOnFile}}<p>Add a payment method and choose a plan before then to keep your services running.</p>{{/paymentMethodOnFile}}`,
    },
  },
  trial_ended: {
    ar: {
      subject: 'انتهت الفترة التجريبية لـ {{tenantName}}',
      html: `<h2>انتهت فترتك التجريبية</h2>
<p>انتهت الفترة التجريبية لحساب <strong>{{tenantName}}</strong>. بياناتك محفوظة، واختيار خطة يعيد خدماتك كما كانت.</p>`,
    },
    en: {
      subject: 'The trial of {{tenantName}} has ended',
      html: `<h2>Your trial has ended</h2>
<p>The trial of <strong>{{tenantName}}</strong> has ended. Your data is kept; choosing a plan brings your services back as they were.</p>`,
    },
  },
  payment_failed: {
    ar: {
      subject: 'تعذّر تحصيل دفعة الفاتورة {{invoiceNumber}}',
      html: `<h2>تعذّر تحصيل الدفعة</h2>
<p>لم نتمكن من تحصيل {{amount | money}} للفاتورة <strong>{{invoiceNumber}}</strong> من حساب {{tenantName}}.</p>
{{#failureMessage}}<p>السبب: {{failureMessage}}</p>{{/failureMessage}}
{{#nextAttemptAt}}<p>سنحاول مرة أخرى في {{nextAttemptAt | date}}. حدّث وسيلة الدفع قبل ذلك لتجنّب انقطاع الخدمة.</p>{{/nextAttemptAt}}`,
    },
    en: {
      subject: 'Payment for invoice {{invoiceNumber}} failed',
      html: `<h2>We could not collect your payment</h2>
<p>We could not collect {{amount | money}} for invoice <strong>{{invoiceNumber}}</strong> of {{tenantName}}.</p>
{{#failureMessage}}<p>Reason: {{failureMessage}}</p>{{/failureMessage}}
{{#nextAttemptAt}}<p>We will try again on {{nextAttemptAt | date}}. Update your payment method before then to avoid an interruption.</p>{{/nextAttemptAt}}`,
    },
  },
  dunning_retry_failed: {
    ar: {
      subject: 'تذكير: الفاتورة {{invoiceNumber}} ما زالت غير مدفوعة',
      html: `<h2>ما زالت الفاتورة غير مدفوعة</h2>
<p>فشلت المحاولة رقم {{attempt | number}} لتحصيل {{amount | money}} للفاتورة <strong>{{invoiceNumber}}</strong>.</p>
{{#nextAttemptAt}}<p>المحاولة التالية في {{nextAttemptAt | date}}. إذا فشلت كل المحاولات يُعلَّق الحساب.</p>{{/nextAttemptAt}}`,
    },
    en: {
      subject: 'Reminder: invoice {{invoiceNumber}} is still unpaid',
      html: `<h2>Your invoice is still unpaid</h2>
<p>Attempt {{attempt | number}} to collect {{amount | money}} for invoice <strong>{{invoiceNumber}}</strong> failed.</p>
{{#nextAttemptAt}}<p>The next attempt is on {{nextAttemptAt | date}}. If every attempt fails, the account is suspended.</p>{{/nextAttemptAt}}`,
    },
  },
  account_suspended: {
    ar: {
      subject: 'عُلِّق حساب {{tenantName}} لعدم السداد',
      html: `<h2>عُلِّق الحساب</h2>
<p>بعد عدة محاولات لتحصيل {{amount | money}} للفاتورة <strong>{{invoiceNumber}}</strong>، عُلِّق حساب {{tenantName}}. بياناتك محفوظة، وسداد الفاتورة يعيد تفعيل الحساب فورًا.</p>`,
    },
    en: {
      subject: 'The account of {{tenantName}} is suspended for non-payment',
      html: `<h2>Your account is suspended</h2>
<p>After several attempts to collect {{amount | money}} for invoice <strong>{{invoiceNumber}}</strong>, the account of {{tenantName}} is suspended. Your data is kept; paying the invoice reactivates the account at once.</p>`,
    },
  },
  invoice_issued: {
    ar: {
      subject: '{{#isCreditNote}}إشعار دائن{{/isCreditNote}}{{^isCreditNote}}فاتورة{{/isCreditNote}} {{invoiceNumber}} لـ {{tenantName}}',
      html: `<h2>{{#isCreditNote}}إشعار دائن{{/isCreditNote}}{{^isCreditNote}}فاتورة جديدة{{/isCreditNote}} رقم {{invoiceNumber}}</h2>
<table role="presentation" style="border-collapse:collapse;">
<tr><td style="padding:4px 0 4px 16px;">الفترة</td><td>{{periodStart | date}} – {{periodEnd | date}}</td></tr>
<tr><td style="padding:4px 0 4px 16px;">المبلغ قبل الضريبة</td><td>{{subtotal | money}}</td></tr>
<tr><td style="padding:4px 0 4px 16px;">ضريبة القيمة المضافة</td><td>{{vat | money}}</td></tr>
<tr><td style="padding:4px 0 4px 16px;"><strong>الإجمالي</strong></td><td><strong>{{total | money}}</strong></td></tr>
{{#dueAt}}<tr><td style="padding:4px 0 4px 16px;">تاريخ الاستحقاق</td><td>{{dueAt | date}}</td></tr>{{/dueAt}}
</table>
{{#invoiceHtml}}<hr>{{{invoiceHtml}}}{{/invoiceHtml}}`,
    },
    en: {
      subject: '{{#isCreditNote}}Credit note{{/isCreditNote}}{{^isCreditNote}}Invoice{{/isCreditNote}} {{invoiceNumber}} for {{tenantName}}',
      html: `<h2>{{#isCreditNote}}Credit note{{/isCreditNote}}{{^isCreditNote}}New invoice{{/isCreditNote}} {{invoiceNumber}}</h2>
<table role="presentation" style="border-collapse:collapse;">
<tr><td style="padding:4px 16px 4px 0;">Period</td><td>{{periodStart | date}} – {{periodEnd | date}}</td></tr>
<tr><td style="padding:4px 16px 4px 0;">Subtotal</td><td>{{subtotal | money}}</td></tr>
<tr><td style="padding:4px 16px 4px 0;">VAT</td><td>{{vat | money}}</td></tr>
<tr><td style="padding:4px 16px 4px 0;"><strong>Total</strong></td><td><strong>{{total | money}}</strong></td></tr>
{{#dueAt}}<tr><td style="padding:4px 16px 4px 0;">Due</td><td>{{dueAt | date}}</td></tr>{{/dueAt}}
</table>
{{#invoiceHtml}}<hr>{{{invoiceHtml}}}{{/invoiceHtml}}`,
    },
  },
  payment_received: {
    ar: {
      subject: 'استلمنا دفعتك: {{amount | money}}',
      html: `<h2>شكرًا لك</h2>
<p>استلمنا {{amount | money}} للفاتورة <strong>{{invoiceNumber}}</strong> من حساب {{tenantName}}.</p>`,
    },
    en: {
      subject: 'Payment received: {{amount | money}}',
      html: `<h2>Thank you</h2>
<p>We received {{amount | money}} for invoice <strong>{{invoiceNumber}}</strong> of {{tenantName}}.</p>`,
    },
  },
  webhook_disabled: {
    ar: {
      subject: 'أُوقف webhook لحساب {{tenantName}} بعد إخفاقات متكررة',
      html: `<h2>أُوقف webhook</h2>
<p>أوقفنا إرسال الأحداث إلى <span dir="ltr">{{url}}</span> لأن التسليم ظل يفشل.</p>
{{#reason}}<p>السبب: {{reason}}</p>{{/reason}}
<p>أصلح نقطة الاستقبال ثم فعّل الـ webhook من جديد؛ تُنسى الإخفاقات السابقة عند إعادة التفعيل.</p>`,
    },
    en: {
      subject: 'A webhook of {{tenantName}} was disabled after repeated failures',
      html: `<h2>Webhook disabled</h2>
<p>We stopped sending events to {{url}} because its deliveries kept failing.</p>
{{#reason}}<p>Reason: {{reason}}</p>{{/reason}}
<p>Fix the endpoint, then enable the webhook again; its past failures are forgotten when it is enabled.</p>`,
    },
  },
} as const satisfies Record<string, Record<Locale, { subject: string; html: string }>>;

export type BuiltinTemplateName = keyof typeof BUILTIN_TEMPLATES;

export function isBuiltinTemplate(name: string): name is BuiltinTemplateName {
  return Object.hasOwn(BUILTIN_TEMPLATES, name);
}

/** A built-in template's body in one language. */
export function builtinBody(name: BuiltinTemplateName, locale: Locale): TemplateBody {
  const body = BUILTIN_TEMPLATES[name][locale];
  return { subject: body.subject, html: body.html, text: null };
}
