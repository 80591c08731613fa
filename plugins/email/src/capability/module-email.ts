import type { Tenant } from '@dogan/tenants';
import type { OutgoingEmail } from '../email-api.js';
import { EmailErrors } from '../errors.js';
import type { SendService } from '../send/send-service.js';
import { messageView, type MessageView } from '../send/views.js';
import { isOwnAddress, ownDomains, type SettingsService } from '../settings/settings-service.js';

/** One `email.send` of a module, as the modules runtime hands it over after checking the grant. */
export interface ModuleEmailCall {
  readonly tenant: Tenant;
  readonly moduleId: string;
  readonly op: string;
  /**
   * The module's arguments; `recipients` is the runtime's, from the granted permission (`tenant`: the
   * tenant's own addresses only; `any`), never the module's. Absent, the narrower `tenant` applies.
   */
  readonly args: Record<string, unknown>;
}

export interface ModuleEmailDeps {
  readonly sender: SendService;
  readonly settings: SettingsService;
  /** EMAIL_MODULE_DAILY_LIMIT: messages a tenant's modules may record per UTC day. */
  readonly dailyLimit: number;
}

const startOfUtcDay = (now: number) => now - (now % 86_400_000);

function text(args: Record<string, unknown>, name: string): string | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw EmailErrors.EMAIL_MESSAGE_INVALID(`${name} must be a string`);
  return value;
}

function addresses(args: Record<string, unknown>, name: string): string | string[] | undefined {
  const value = args[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value as string[];
  throw EmailErrors.EMAIL_MESSAGE_INVALID(`${name} must be an address or a list of addresses`);
}

/**
 * The `email.send` capability modules call from the sandbox: the message is checked as any other,
 * counted against the tenant's daily module limit, and with the `tenant` grant may go only to the
 * tenant's own addresses (its notice address, or its own domains). A key the module gives is its own:
 * it is kept apart from other modules' and the platform's keys.
 */
export function moduleEmailCapability(deps: ModuleEmailDeps): (call: ModuleEmailCall) => Promise<MessageView> {
  return async ({ tenant, moduleId, op, args }) => {
    if (op !== 'email.send') throw EmailErrors.EMAIL_MESSAGE_INVALID(`the email capability has no operation "${op.slice(0, 40)}"`);
    const key = text(args, 'idempotencyKey');
    const scopedKey = key === undefined ? undefined : `module:${moduleId}:${key}`;
    if (scopedKey) {
      // A retry of a send that was recorded answers with that message, whatever today's count.
      const first = await deps.sender.byKey(tenant, scopedKey);
      if (first) return messageView(first);
    }
    const data = args.data;
    if (data !== undefined && data !== null && (typeof data !== 'object' || Array.isArray(data))) throw EmailErrors.EMAIL_MESSAGE_INVALID('data must be an object');
    const locale = text(args, 'locale');
    const cc = addresses(args, 'cc');
    const message: OutgoingEmail = {
      to: addresses(args, 'to') ?? [],
      ...(cc === undefined ? {} : { cc: typeof cc === 'string' ? [cc] : cc }),
      replyTo: text(args, 'replyTo'),
      template: text(args, 'template'),
      locale: locale as OutgoingEmail['locale'],
      data: (data ?? undefined) as Record<string, unknown> | undefined,
      subject: text(args, 'subject'),
      text: text(args, 'text'),
      html: text(args, 'html'),
      idempotencyKey: scopedKey,
      source: `module:${moduleId}`,
    };
    const clean = Object.fromEntries(Object.entries(message).filter(([, v]) => v !== undefined)) as unknown as OutgoingEmail;
    const admit = async (recipients: readonly string[]) => {
      if (args.recipients !== 'any') {
        const settings = await deps.settings.record(tenant);
        const outside = recipients.find((a) => !isOwnAddress(settings, a));
        if (outside !== undefined) {
          const own = [settings?.noticeAddress, ...ownDomains(settings).map((d) => `@${d}`)].filter(Boolean).join(', ') || 'none saved in the email settings';
          throw EmailErrors.EMAIL_RECIPIENT_NOT_ALLOWED.with({ recipient: outside.slice(0, 254) }, own, JSON.stringify(outside.slice(0, 100)));
        }
      }
      const sentToday = await deps.sender.countFromSource(tenant, 'module:', startOfUtcDay(Date.now()));
      if (sentToday >= deps.dailyLimit) throw EmailErrors.EMAIL_MODULE_DAILY_LIMIT.with({ limit: deps.dailyLimit }, deps.dailyLimit);
    };
    return messageView((await deps.sender.record(tenant, clean, admit)).message);
  };
}
