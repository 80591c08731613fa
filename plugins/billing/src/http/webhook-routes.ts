import type { FastifyInstance } from 'fastify';
import { routeCredentialPolicy } from '@dogan/runtime';
import type { BillingService } from '../billing-service.js';

/** The provider proves itself by the signature (Stripe) or secret token (Moyasar) the handler checks. */
const config = { policy: routeCredentialPolicy('webhook-signature', 'write') };

/**
 * Provider webhooks. Bodies are kept raw (a Buffer): Stripe's signature covers the exact bytes, and
 * re-serialised JSON would not verify. Unknown invoices and repeats answer 200 so the provider stops
 * retrying; a failure to apply answers 500 so it retries.
 */
export async function webhookRoutes(app: FastifyInstance, billing: BillingService): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  const schema = { tags: ['billing webhooks'], summary: 'Payment provider webhook (signature or secret token checked)' };
  for (const provider of ['stripe', 'moyasar'] as const) {
    app.post(`/api/webhooks/${provider}`, { config, schema }, async (request) => {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const result = await billing.payments.handleWebhook(provider, body, request.headers);
      return { received: true, ...result };
    });
  }
}
