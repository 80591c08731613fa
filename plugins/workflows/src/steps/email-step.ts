// The email plugin's entry (plugins/email/src/index.ts) is being written; until it exists, its
// service type is read from its file. Replace with `from '@dogan/plugin-email'` once it does.
import type { EmailApi, OutgoingEmail } from '@dogan/plugin-email';
import { isDoganError } from '@dogan/runtime';
import type { EmailStep } from '../definition/types.js';
import { abortable, failureFrom, stepFailure, unavailable } from './step-failures.js';
import type { StepContext, StepExecutor, StepOutcome } from './step-executor.js';

/**
 * `email`: renders and queues one message through the email plugin (a template with data, or a
 * subject and body). The step ends when the message is recorded, not when it leaves: the email
 * plugin's own queue retries delivery, so a slow mail server does not hold the run.
 *
 * Idempotency: the attempt's key goes with the message; a send with a key the tenant used before
 * returns the first message and sends nothing, so a resumed attempt never mails twice.
 *
 * `billing-contact` in `to` stands for where the tenant's platform notices go (the email plugin
 * knows: its settings, billing's customer email, the tenant's contact), in that contact's language
 * unless the step names one; a tenant with none fails the step for good.
 *
 * Outcome: a suppressed recipient (a bounce or complaint on record) is the email plugin's decision,
 * not a failure: the output says `suppressed` and the run goes on. A refusal (no such template, an
 * invalid address) is final; the plugin failing to record the message (5xx) is retried.
 */

/** What the step needs of the email plugin. */
export type EmailSender = Pick<EmailApi, 'send' | 'billingContact'>;

/** The address a step may name instead of one it knows: where the tenant's platform notices go. */
export const BILLING_CONTACT = 'billing-contact';

/** The message as the email plugin takes it, `billing-contact` replaced by the tenant's address (and its language, unless the step names one). */
async function message(step: EmailStep, ctx: StepContext, api: EmailSender): Promise<OutgoingEmail> {
  const named = typeof step.to === 'string' ? [step.to] : [...step.to];
  let to: string | readonly string[] = step.to;
  let locale = step.locale;
  if (named.includes(BILLING_CONTACT)) {
    const contact = await api.billingContact(ctx.tenant.id);
    if (!contact) throw stepFailure('WORKFLOW_EMAIL_FAILED', 'the email is addressed to billing-contact, and this tenant has no billing contact', false, { cause: 'NO_BILLING_CONTACT' });
    const addresses = [...new Set(named.map((address) => (address === BILLING_CONTACT ? contact.address : address)))];
    to = typeof step.to === 'string' ? addresses[0]! : addresses;
    locale ??= contact.locale;
  }
  const optional = { template: step.template, locale, data: step.data, subject: step.subject, text: step.text, html: step.html };
  const given = Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined));
  return { to, ...given, idempotencyKey: ctx.idempotencyKey, source: `workflow:${ctx.workflowId}` };
}

export function emailExecutor(email: () => EmailSender | undefined): StepExecutor<EmailStep> {
  return {
    type: 'email',
    // Rendering and recording a message is quick; sending happens later, in the email plugin's queue.
    defaultTimeoutMs: 30_000,
    async perform(step: EmailStep, ctx: StepContext): Promise<StepOutcome> {
      const api = email();
      if (!api) throw unavailable('email', 'email');
      try {
        const sent = await abortable(ctx.signal, message(step, ctx, api).then((m) => api.send(ctx.tenant.id, m)));
        return { kind: 'done', output: { messageId: sent.id, status: sent.status } };
      } catch (err) {
        // Should the plugin ever refuse a send whose every recipient is suppressed, it is still no failure.
        if (isDoganError(err) && err.code === 'EMAIL_RECIPIENT_SUPPRESSED' && !ctx.signal.aborted) return { kind: 'done', output: { messageId: null, status: 'suppressed' } };
        throw failureFrom(ctx, err, 'WORKFLOW_EMAIL_FAILED', 'email');
      }
    },
  };
}
