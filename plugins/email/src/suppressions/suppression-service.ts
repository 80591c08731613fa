import { TenantErrors, type Tenant, type TenantData, type TenantService } from '@dogan/tenants';
import type { Logger } from 'pino';
import { addressKey, checkAddress } from '../addresses.js';
import { EmailErrors } from '../errors.js';
import type { SettingsService } from '../settings/settings-service.js';
import { SuppressionStore, type SuppressionReason, type SuppressionRecord } from '../store/suppression-store.js';

export interface SuppressionView {
  readonly address: string;
  readonly reason: SuppressionReason;
  readonly detail: string | null;
  readonly source: string;
  readonly createdAt: string;
}

export const suppressionView = (s: SuppressionRecord): SuppressionView => ({ address: s.address, reason: s.reason, detail: s.detail, source: s.source, createdAt: new Date(s.createdAt).toISOString() });

/**
 * One event of a mail provider's bounce webhook, in Postmark's shape: `RecordType` `Bounce` (with a
 * `Type` such as `HardBounce`) or `SpamComplaint`, and the `Email` it concerns.
 */
export interface ProviderEvent {
  readonly RecordType?: unknown;
  readonly Type?: unknown;
  readonly Email?: unknown;
  readonly Description?: unknown;
  readonly Details?: unknown;
}

/** Bounce types that say the address will never take mail: Postmark's, and the plain words other providers use. */
const PERMANENT_BOUNCES = new Set(['hardbounce', 'bademailaddress', 'manuallydeactivated', 'hard', 'permanent', 'blocked']);

export interface IntakeOutcome {
  readonly outcome: 'suppressed' | 'already_suppressed' | 'ignored';
  readonly address: string | null;
  readonly reason?: SuppressionReason;
}

/** Tenant statuses whose provider reports are taken (a suspended tenant's bounces still count). */
const OPEN_STATUSES = new Set(['trial', 'active', 'suspended', 'expired', 'cancelled']);

/**
 * A tenant's suppression list: addresses that bounced hard (a 5xx at RCPT TO, or a provider's
 * report) or complained, and those its admins added. The queue sends nothing to them.
 */
export class SuppressionService {
  constructor(
    private readonly data: TenantData,
    private readonly tenants: TenantService,
    private readonly settings: SettingsService,
    private readonly log: Logger,
  ) {}

  async list(tenant: Tenant, limit: number, offset: number) {
    const { items, total } = await SuppressionStore.list(await this.data.of(tenant), limit, offset);
    return { items: items.map(suppressionView), total };
  }

  async add(tenant: Tenant, address: string, reason: SuppressionReason, detail: string | null, source: string): Promise<{ view: SuppressionView; added: boolean }> {
    const key = addressKey(checkAddress(address));
    const db = await this.data.of(tenant);
    const added = await SuppressionStore.add(db, { address: key, reason, detail, source }, Date.now());
    return { view: suppressionView((await SuppressionStore.get(db, key))!), added };
  }

  async remove(tenant: Tenant, address: string): Promise<void> {
    const key = addressKey(address);
    if (!(await SuppressionStore.remove(await this.data.of(tenant), key))) throw EmailErrors.EMAIL_SUPPRESSION_NOT_FOUND(JSON.stringify(key.slice(0, 254)));
  }

  /**
   * A provider's report, authenticated by the tenant's intake secret. A hard bounce or a complaint
   * suppresses the address; other reports (soft bounces, opens) are taken and ignored.
   */
  async receive(tenantRef: string, secret: string | undefined, body: unknown): Promise<IntakeOutcome[]> {
    const tenant = await this.intakeTenant(tenantRef);
    if (!secret) throw EmailErrors.EMAIL_INTAKE_UNAUTHORIZED('was called without a secret');
    if (!(await this.settings.intakeSecretMatches(tenant, secret))) throw EmailErrors.EMAIL_INTAKE_UNAUTHORIZED('secret does not match');
    const events = Array.isArray(body) ? body : [body];
    if (events.length === 0 || events.length > 100) throw EmailErrors.EMAIL_INTAKE_INVALID('must be one event object or a list of 1 to 100');
    const outcomes: IntakeOutcome[] = [];
    for (const event of events) outcomes.push(await this.one(tenant, event as ProviderEvent));
    return outcomes;
  }

  private async one(tenant: Tenant, event: ProviderEvent): Promise<IntakeOutcome> {
    if (typeof event !== 'object' || event === null) throw EmailErrors.EMAIL_INTAKE_INVALID('is not an object');
    const record = typeof event.RecordType === 'string' ? event.RecordType.toLowerCase() : '';
    const type = typeof event.Type === 'string' ? event.Type.toLowerCase().replace(/[\s_-]/g, '') : '';
    if (typeof event.Email !== 'string') throw EmailErrors.EMAIL_INTAKE_INVALID('has no "Email" string');
    const address = addressKey(checkAddress(event.Email));
    let reason: SuppressionReason | undefined;
    if (record === 'spamcomplaint' || type === 'spamcomplaint') reason = 'complaint';
    else if (record === 'bounce' && PERMANENT_BOUNCES.has(type)) reason = 'hard_bounce';
    else if (record !== 'bounce') throw EmailErrors.EMAIL_INTAKE_INVALID('has a RecordType other than Bounce or SpamComplaint');
    if (!reason) return { outcome: 'ignored', address };
    const words = [event.Type, event.Description, event.Details].filter((v): v is string => typeof v === 'string' && v !== '').join(': ');
    const { added } = await this.add(tenant, address, reason, words || null, 'provider');
    this.log.info({ tenantId: tenant.id, reason, added }, 'email address suppressed by a provider report');
    return { outcome: added ? 'suppressed' : 'already_suppressed', address, reason };
  }

  private async intakeTenant(ref: string): Promise<Tenant> {
    let tenant: Tenant | null;
    try {
      tenant = await this.tenants.find(ref);
    } catch (err) {
      if (TenantErrors.TENANT_ID_INVALID.is(err)) throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
      throw err;
    }
    if (!tenant || !OPEN_STATUSES.has(tenant.status)) throw TenantErrors.TENANT_NOT_FOUND(ref.slice(0, 80));
    return tenant;
  }
}
