import type { FastifyInstance } from 'fastify';
import { routeCredentialPolicy } from '@dogan/runtime';
import type { WebhookIntake } from '../webhooks/webhook-intake.js';

/** ERPNext proves itself by the hook's HMAC signature, which the intake checks. */
const config = { policy: routeCredentialPolicy('erpnext-webhook-signature', 'write') };

/**
 * `POST /api/webhooks/erpnext/{tenant}/{hookId}`: the body is kept raw (a Buffer), because the
 * signature covers the exact bytes ERPNext sent, whatever their content type.
 */
export async function intakeRoute(instance: FastifyInstance, intake: WebhookIntake, maxBytes: number): Promise<void> {
  await instance.register(async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: maxBytes }, (_request, body, done) => done(null, body));
    app.post(
      '/api/webhooks/erpnext/:tenant/:hookId',
      {
        config,
        bodyLimit: maxBytes,
        schema: {
          tags: ['erpnext'],
          summary: 'ERPNext Webhook intake: X-Frappe-Webhook-Signature checked, the change deduplicated and published as erpnext.<doctype>.<event>',
          // Loose on purpose: a tenant or hook that does not exist is a 404, whatever its shape.
          params: { type: 'object', required: ['tenant', 'hookId'], properties: { tenant: { type: 'string', maxLength: 80 }, hookId: { type: 'string', maxLength: 80 } } },
        },
      },
      async (request) => {
        const { tenant, hookId } = request.params as { tenant: string; hookId: string };
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        return intake.receive(tenant, hookId, body, request.headers);
      },
    );
  });
}
