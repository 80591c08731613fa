import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { InboundService } from '../intake/inbound-service.js';
import { attachmentParams, listQuery, messageParams, tenantParams } from './schemas.js';

const tags = ['email'];
const read = { config: { policy: tenantPolicy('read') } };
/** Who may let mail in (the secret) is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };

/** `attachment; filename="..."; filename*=UTF-8''...`: a name any client shows, and the exact one for those that read RFC 5987. */
function contentDisposition(filename: string | null): string {
  if (!filename) return 'attachment';
  const ascii = filename.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

/** The intake's settings and secret, and the mail received, for the tenant's API. */
export async function inboundRoutes(instance: FastifyInstance, inbound: InboundService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;
  const baseOf = (request: FastifyRequest) => `${request.protocol}://${request.host}`;

  app.get(
    '/api/v1/:tenant/email/inbound',
    { ...read, schema: { tags, summary: "Inbound mail settings: the intake URL, whether a secret is set (never the secret), the size limits, what was received, and the IMAP mailbox's status", params: tenantParams } },
    async (request) => inbound.settings(tenantOf(request), baseOf(request)),
  );

  app.post(
    '/api/v1/:tenant/email/inbound/secret',
    { ...admin, schema: { tags, summary: 'A new inbound secret, shown this once (with the URL to give Postmark or SendGrid); the old one stops working at once', params: tenantParams } },
    async (request) => inbound.rotateSecret(tenantOf(request), baseOf(request)),
  );

  app.get(
    '/api/v1/:tenant/email/inbound/messages',
    { ...read, schema: { tags, summary: 'Mail received (posted or read from the IMAP mailbox), newest first, without bodies', params: tenantParams, querystring: listQuery } },
    async (request) => inbound.messages(tenantOf(request), request.query.limit, request.query.before),
  );

  app.get('/api/v1/:tenant/email/inbound/messages/:id', { ...read, schema: { tags, summary: 'One received mail with its text, HTML and attachments (without content)', params: messageParams } }, async (request) =>
    inbound.message(tenantOf(request), request.params.id),
  );

  app.get(
    '/api/v1/:tenant/email/inbound/messages/:id/attachments/:part',
    { ...read, schema: { tags, summary: "An attachment's content, as a download", params: attachmentParams } },
    async (request, reply) => {
      const attachment = await inbound.attachment(tenantOf(request), request.params.id, request.params.part);
      // A download, never a page of this origin: whatever the mail said the content is.
      return reply
        .header('content-type', attachment.contentType)
        .header('content-disposition', contentDisposition(attachment.filename))
        .header('x-content-type-options', 'nosniff')
        .header('content-security-policy', "default-src 'none'; sandbox")
        .header('x-attachment-sha256', attachment.sha256)
        .send(attachment.content);
    },
  );
}
