import { TenantErrors, type Tenant, type TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { InboundErrors } from '../errors.js';
import { parseInbound } from '../mail/parse-inbound.js';
import { SettingsStore } from '../store/settings-store.js';
import type { MailRecorder, RecordOutcome } from './mail-recorder.js';
import { presentedSecret, secretMatches } from './inbound-secret.js';

/** Tenant statuses whose mail is taken. */
const OPEN_STATUSES = new Set(['trial', 'active']);

/** A tenant named by a public route: unknown and half-made tenants are one 404, closed ones a 403. */
export async function openTenant(tenants: TenantsApi, ref: string): Promise<Tenant> {
  let tenant: Tenant | null;
  try {
    tenant = await tenants.tenants.find(ref);
  } catch (err) {
    if (TenantErrors.TENANT_ID_INVALID.is(err)) throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
    throw err;
  }
  if (!tenant || tenant.status === 'provisioning') throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
  if (!OPEN_STATUSES.has(tenant.status)) throw InboundErrors.EMAIL_INBOUND_TENANT_SUSPENDED.with({ status: tenant.status }, tenant.subdomain, tenant.status);
  return tenant;
}

export interface InboundIntakeDeps {
  readonly tenants: TenantsApi;
  readonly recorder: MailRecorder;
  readonly maxAttachmentBytes: number;
  readonly log: Logger;
}

/**
 * Mail posted by a provider: tenant, inbound secret, format, then the recorder's one transaction.
 * Every refusal (size, secret, format, events) happens before that transaction: nothing is recorded.
 */
export class InboundIntake {
  constructor(private readonly deps: InboundIntakeDeps) {}

  async receive(tenantRef: string, raw: Buffer, headers: Record<string, string | string[] | undefined>): Promise<RecordOutcome> {
    const tenant = await openTenant(this.deps.tenants, tenantRef);
    const db = await this.deps.tenants.data.of(tenant);
    const settings = await SettingsStore.get(db);
    if (!settings?.secretHash) throw InboundErrors.EMAIL_INBOUND_NOT_CONFIGURED();
    const presented = presentedSecret(headers);
    if (!secretMatches(settings.secretHash, presented)) throw InboundErrors.EMAIL_INBOUND_UNAUTHORIZED(presented ? 'The inbound secret does not match' : 'No inbound secret was sent');
    this.deps.recorder.requireOutbox();
    const contentType = typeof headers['content-type'] === 'string' ? headers['content-type'] : undefined;
    const mail = await parseInbound(raw, contentType, this.deps.maxAttachmentBytes);
    const now = Date.now();
    const result = await this.deps.recorder.record(tenant, db, mail, {
      source: 'webhook',
      also: async (tx, fresh) => {
        if (fresh) await SettingsStore.noteReceived(tx, now);
      },
    });
    this.deps.log.info({ tenantId: tenant.id, provider: mail.provider, attachments: mail.attachments.length, bytes: raw.length, duplicate: result.outcome === 'duplicate' }, 'inbound mail received');
    return result;
  }
}
