import { randomUUID } from 'node:crypto';
import { DoganError } from '@dogan/runtime';
import type { ModuleTestEmail } from '@dogan/sdk/testing';
import type { ModuleRuntime } from '@dogan/plugin-modules';

/** What `email.send` answers in the harness: the message as the platform would record it, queued. */
interface CaughtAnswer {
  readonly id: string;
  readonly status: 'queued';
  readonly to: readonly string[];
  readonly subject: string;
  readonly locale: 'ar' | 'en';
  readonly createdAt: string;
}

/** A refusal the module sees with its code, as the email plugin's would reach it. */
function refusal(code: string, message: string): DoganError {
  return new DoganError(code, { status: 400, title: 'Invalid email', message: '%s' }, message);
}

const asList = (v: unknown) => (typeof v === 'string' ? [v] : Array.isArray(v) ? v.map(String) : []);

/**
 * The harness's stand-in for the email plugin: it takes each tenant's `email.send` calls (after the
 * modules runtime checked the grant), keeps them for `t.sentEmails()`, and answers as the plugin does,
 * without an SMTP server. A key used before by the tenant answers with the first message.
 */
export class EmailCatcher {
  private readonly byTenant = new Map<string, Array<{ email: ModuleTestEmail; answer: CaughtAnswer }>>();

  /** Offers the capability; false when the modules runtime does not know `email` (modules then cannot send mail). */
  attach(runtime: ModuleRuntime): boolean {
    try {
      runtime.provideCapability('email', async (call) => this.take(call.tenant.id, call.args));
      return true;
    } catch (err) {
      if (err instanceof Error && err.message.includes('no module capability "email"')) return false;
      throw err;
    }
  }

  private take(tenantId: string, args: Record<string, unknown>): CaughtAnswer {
    const caught = this.byTenant.get(tenantId) ?? [];
    const key = typeof args.idempotencyKey === 'string' ? args.idempotencyKey : undefined;
    const first = key === undefined ? undefined : caught.find((c) => c.email.idempotencyKey === key);
    if (first) return first.answer;
    const to = asList(args.to);
    if (to.length === 0) throw refusal('EMAIL_MESSAGE_INVALID', 'Not sent: give at least one recipient in "to"');
    if (typeof args.template !== 'string' && (typeof args.subject !== 'string' || (typeof args.text !== 'string' && typeof args.html !== 'string'))) {
      throw refusal('EMAIL_MESSAGE_INVALID', 'Not sent: give a subject and an html or a text body, or a template');
    }
    const { recipients, ...rest } = args;
    const email = { ...rest, recipients: recipients === 'any' ? 'any' : 'tenant' } as ModuleTestEmail;
    const answer: CaughtAnswer = {
      id: randomUUID(),
      status: 'queued',
      to,
      subject: typeof args.subject === 'string' ? args.subject : `(template ${String(args.template)})`,
      locale: args.locale === 'en' ? 'en' : 'ar',
      createdAt: new Date().toISOString(),
    };
    caught.push({ email, answer });
    this.byTenant.set(tenantId, caught);
    return answer;
  }

  sent(tenantId: string): ModuleTestEmail[] {
    return (this.byTenant.get(tenantId) ?? []).map((c) => c.email);
  }
}
