import t from 'tap';
import { BillingErrors } from '../../plugins/billing/src/index.js';

t.test('every billing error code is unique, named after itself, with a 4xx/5xx status and a title', async (t) => {
  const codes = Object.keys(BillingErrors);
  t.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    const factory = BillingErrors[code as keyof typeof BillingErrors];
    t.equal(factory.code, code);
    t.ok(factory.spec.status >= 400 && factory.spec.status < 600, code);
    t.ok(factory.spec.title.length > 0, code);
  }
  for (const required of ['QUOTA_EXCEEDED', 'PLAN_LIMIT_REACHED', 'PLAN_UNKNOWN', 'WEBHOOK_SIGNATURE_INVALID', 'PAYMENT_FAILED', 'INVOICE_NOT_DRAFT']) t.ok(codes.includes(required), required);
  t.equal(BillingErrors.QUOTA_EXCEEDED.spec.status, 429);
  t.equal(BillingErrors.PLAN_LIMIT_REACHED.spec.status, 403);
});
