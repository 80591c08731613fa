import type { WorkflowDefinition } from './definition/types.js';

/**
 * The workflows every tenant starts with (the seed provisioned workflows per plan). They follow up the
 * platform's own notices, which the email plugin sends at once: a reminder on the trial's last days,
 * and a second notice when a payment is still failing two business days later. They count against
 * the plan's workflow limit, can be changed or deleted like any other, and are installed only once.
 */
export const DEFAULT_WORKFLOWS: ReadonlyArray<{ readonly template: string; readonly definition: WorkflowDefinition }> = [
  {
    template: 'trial_ending_reminder',
    definition: {
      name: 'Trial ending reminder',
      description: 'Two business days after the trial-ending notice, remind the billing contact once more',
      trigger: { type: 'event', event: 'billing.trial_ending' },
      steps: [
        { id: 'pause', type: 'wait', businessDays: 2 },
        { id: 'remind', type: 'email', to: 'billing-contact', template: 'trial_ending', data: { trialEndsAt: '$.trigger.event.payload.trialEndsAt' }, retry: { maxAttempts: 3, backoffMs: 60_000 } },
      ],
    },
  },
  {
    template: 'payment_failed_follow_up',
    definition: {
      name: 'Payment failed follow-up',
      description: 'Two business days after a failed payment, send the billing contact a second notice',
      trigger: { type: 'event', event: 'billing.payment_failed' },
      steps: [
        { id: 'pause', type: 'wait', businessDays: 2 },
        { id: 'notify', type: 'email', to: 'billing-contact', template: 'payment_failed', data: { invoice: '$.trigger.event.payload' }, retry: { maxAttempts: 3, backoffMs: 60_000 } },
      ],
    },
  },
];
