import { bool, int, str, type Config, type ConfigValues } from '@dogan/runtime';

const DURATION = /^(\d{1,9})(ms|s|m|h)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
/** Shopify's shape: nine attempts (the first and eight retries) over about four hours. */
export const DEFAULT_RETRY_SCHEDULE = '1m,5m,10m,30m,30m,1h,1h,1h';

/** `1m,5m,1h` as milliseconds: the wait before each retry, so a schedule of 8 delays means 9 attempts. */
export function parseRetrySchedule(text: string): number[] {
  return text.split(',').map((part) => {
    const m = DURATION.exec(part.trim());
    if (!m) throw new Error(`"${part.trim()}" is not a duration such as 500ms, 30s, 5m or 1h`);
    return Number(m[1]) * UNIT_MS[m[2]!]!;
  });
}

/** The webhooks plugin's variables: what may be called, how long to wait, how often to retry. */
export const webhooksConfigSchema = {
  WEBHOOKS_ALLOW_PRIVATE_NETWORKS: bool({
    description: 'Let webhook URLs reach private, loopback and link-local addresses (tests and closed networks only; never on a shared platform)',
    default: false,
  }),
  WEBHOOKS_TIMEOUT_MS: int({ description: 'How long a webhook receiver has to answer a delivery, ms; longer counts as a failed attempt', default: 10_000, min: 100, max: 60_000 }),
  WEBHOOKS_RETRY_SCHEDULE: str({
    description: 'Waits before each retry of a failed delivery, comma-separated (ms, s, m, h); N waits mean N+1 attempts',
    default: DEFAULT_RETRY_SCHEDULE,
    pattern: /^\s*\d{1,9}(ms|s|m|h)\s*(,\s*\d{1,9}(ms|s|m|h)\s*){0,49}$/,
  }),
  WEBHOOKS_DISABLE_AFTER_FAILED_DELIVERIES: int({
    description: 'Consecutive deliveries that fail every attempt before a webhook is disabled automatically',
    default: 5,
    min: 1,
    max: 1000,
  }),
  WEBHOOKS_DISABLE_AFTER_FAILING_HOURS: int({ description: 'Hours a webhook may keep failing, with no success, before it is disabled automatically', default: 24, min: 1, max: 720 }),
  WEBHOOKS_POLL_INTERVAL_MS: int({ description: 'How often each node looks for deliveries that are due, ms', default: 1000, min: 10, max: 60_000 }),
  WEBHOOKS_CONCURRENCY: int({ description: 'Deliveries one node sends at once', default: 16, min: 1, max: 256 }),
};

export type WebhooksConfig = Config & ConfigValues<typeof webhooksConfigSchema>;
