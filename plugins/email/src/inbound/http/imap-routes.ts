import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import { InboundErrors } from '../errors.js';
import type { ImapPoller } from '../imap/imap-poller.js';
import type { MailboxService } from '../imap/mailbox-service.js';
import { imapBody, tenantParams } from './schemas.js';

const tags = ['email'];
const read = { config: { policy: tenantPolicy('read') } };
/** Which mailbox the platform reads, with whose password, is for the tenant's admins. */
const admin = { config: { policy: tenantPolicy('admin') } };
const path = '/api/v1/:tenant/email/inbound/imap';

/** The tenant's IMAP mailbox: settings in (the password never out), a login test, and a poll on demand. */
export async function imapRoutes(instance: FastifyInstance, mailboxes: MailboxService, poller: ImapPoller): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.put(
    path,
    { ...admin, schema: { tags, summary: 'Save the IMAP mailbox to read new mail from (the password is stored encrypted and never returned); polled once per cluster', params: tenantParams, body: imapBody } },
    async (request) => mailboxes.save(tenantOf(request), request.body),
  );

  app.get(path, { ...read, schema: { tags, summary: 'The IMAP mailbox: settings without the password, and its status (last poll, last error code and time)', params: tenantParams } }, async (request) =>
    mailboxes.get(tenantOf(request)),
  );

  app.delete(path, { ...admin, schema: { tags, summary: 'Stop reading the IMAP mailbox and forget its settings (mail received stays)', params: tenantParams } }, async (request, reply) => {
    await mailboxes.remove(tenantOf(request));
    return reply.code(204).send();
  });

  app.post(
    `${path}/test`,
    { ...admin, schema: { tags, summary: 'Log in with the stored settings and open the mailbox; a failure (EMAIL_IMAP_AUTH_FAILED, EMAIL_IMAP_UNREACHABLE...) is also recorded on its status', params: tenantParams } },
    async (request) => mailboxes.test(tenantOf(request)),
  );

  app.post(
    `${path}/poll`,
    { ...admin, schema: { tags, summary: 'Read the mailbox now instead of at the next scheduled poll; answers what the poll took', params: tenantParams } },
    async (request) => {
      const tenant = tenantOf(request);
      const view = await mailboxes.get(tenant);
      if (!view.enabled) throw InboundErrors.EMAIL_IMAP_SETTING_INVALID.with({ field: 'enabled' }, 'mailbox is disabled; enable it to poll');
      const result = await poller.poll(tenant);
      return { ...result, imap: await mailboxes.get(tenant) };
    },
  );
}
