import { readFileSync } from 'node:fs';
import t from 'tap';
import { parseRetrySchedule, DEFAULT_RETRY_SCHEDULE, unknownEventTypes, WebhookErrors, webhooksConfigSchema } from '@dogan/plugin-webhooks';

const root = new URL('../../', import.meta.url);

t.test('every webhook error code is unique, named after itself, with a 4xx status and a title', async (t) => {
  const codes = Object.keys(WebhookErrors);
  t.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    const factory = WebhookErrors[code as keyof typeof WebhookErrors];
    t.equal(factory.code, code);
    t.ok(factory.spec.status >= 400 && factory.spec.status < 500, code);
    t.ok(factory.spec.title.length > 0, code);
  }
  for (const required of ['WEBHOOK_URL_INVALID', 'WEBHOOK_URL_FORBIDDEN', 'WEBHOOK_EVENT_TYPE_UNKNOWN', 'WEBHOOK_DELIVERY_IN_PROGRESS']) t.ok(codes.includes(required), required);
});

t.test("the README's config table and .env.example name exactly the plugin's variables, with their defaults", async (t) => {
  const readme = readFileSync(new URL('plugins/webhooks/README.md', root), 'utf8');
  const table = new Map([...readme.matchAll(/^\| `(WEBHOOKS_[A-Z_]+)` \| `([^`]*)` \|/gm)].map((m) => [m[1]!, m[2]!]));
  const env = readFileSync(new URL('.env.example', root), 'utf8');
  const example = new Map([...env.matchAll(/^#?\s*(WEBHOOKS_[A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1]!, m[2]!]));
  const names = Object.keys(webhooksConfigSchema).sort();
  t.same([...table.keys()].sort(), names, 'README table');
  t.same([...example.keys()].sort(), names, '.env.example');
  for (const [name, spec] of Object.entries(webhooksConfigSchema)) {
    t.equal(table.get(name), spec.defaultText, `${name}: the README states the default`);
    t.equal(example.get(name), spec.defaultText, `${name}: .env.example states the default`);
  }
});

t.test('the default retry schedule: at least 8 attempts over about 4 hours', async (t) => {
  const waits = parseRetrySchedule(DEFAULT_RETRY_SCHEDULE);
  t.ok(waits.length + 1 >= 8, `${waits.length + 1} attempts`);
  const hours = waits.reduce((a, b) => a + b, 0) / 3_600_000;
  t.ok(hours >= 3.5 && hours <= 5, `${hours.toFixed(2)} hours`);
  t.same(parseRetrySchedule('500ms, 2s,1m'), [500, 2000, 60_000]);
  t.throws(() => parseRetrySchedule('1d'), /not a duration/);
});

t.test('event type patterns: known types, families, module types, everything', async (t) => {
  t.same(unknownEventTypes(['*', 'billing.*', 'tenant.created', 'apikey.revoked', 'webhook.disabled', 'dogan.notes.note_created', 'dogan.notes.*']), []);
  t.same(unknownEventTypes(['billing.nope', 'nope.*', 'tenant.created.extra', 'billing.x.y', 'dogan.*']), ['billing.nope', 'nope.*', 'tenant.created.extra', 'billing.x.y', 'dogan.*']);
});
