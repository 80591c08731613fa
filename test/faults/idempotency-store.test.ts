import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { buildKernel, definePlugin, tenantPolicy } from '@dogan/runtime';
import tenantsPlugin, { IdempotencyStore, installIdempotency, tenantsApiRef } from '@dogan/tenants';
import { forEachEngine } from '../helpers/engines.js';
import { createTenantWithKey } from '../helpers/tenant-fixtures.js';

/**
 * The generic `Idempotency-Key` facility (tenants/src/idempotency): a route opts in with
 * `config: { idempotency: true }`; a key is scoped to the tenant and bound to the request it was
 * first used with. Each refusal is a problem+json with a stable code; 5xx answers are not kept.
 */

const HOUR = 3_600_000;

/** Time as the store sees it, moved by hand (expiry is 24 h, an in-progress lease 60 s). */
const clock = { at: Date.parse('2026-01-01T00:00:00Z'), now: () => new Date(clock.at) };
let executions = 0;
let gate: Promise<void> | null = null;

const probe = definePlugin({
  name: 'idempotency-probe',
  version: '1.0.0',
  kernel: '^0.1.0',
  dependencies: { tenants: '^0.1.0' },
  deps: { tenants: tenantsApiRef },
  async routes(app, ctx) {
    const api = ctx.services.get(tenantsApiRef);
    const store = new IdempotencyStore({ orm: api.controlPlane, now: clock.now });
    await app.register(async (scope) => {
      installIdempotency(scope, { store });
      const schema = { body: { type: 'object', required: ['amount'], properties: { amount: { type: 'integer' }, outcome: { type: 'string', enum: ['ok', 'refused', 'busy', 'crash'] } } } };
      const handler = async (request: { body: unknown }, reply: { code(n: number): { send(b: unknown): unknown; type(t: string): { send(b: unknown): unknown }; header(k: string, v: string): { type(t: string): { send(b: unknown): unknown } } } }) => {
        const execution = ++executions;
        const held = gate;
        if (held) await held;
        const body = request.body as { amount: number; outcome?: string };
        if (body.outcome === 'crash') throw new Error('the handler failed');
        if (body.outcome === 'refused') return reply.code(402).type('application/problem+json').send({ code: 'DECLINED', execution });
        if (body.outcome === 'busy') return reply.code(409).header('retry-after', '1').type('application/problem+json').send({ code: 'BUSY', execution });
        return reply.code(201).send({ charge: randomUUID(), amount: body.amount, execution });
      };
      const policy = tenantPolicy('write');
      scope.post('/api/v1/:tenant/probe/charges', { config: { policy, idempotency: true }, schema }, handler as never);
      scope.post('/api/v1/:tenant/probe/refunds', { config: { policy, idempotency: true }, schema }, handler as never);
      scope.post('/api/v1/:tenant/probe/plain', { config: { policy }, schema }, handler as never);
    });
  },
});

void forEachEngine(t, 'Idempotency-Key: replay, refusals, in-progress, 5xx, expiry and takeover', async (t, engine) => {
  const kernel = await buildKernel({ config: engine.config(), plugins: [tenantsPlugin, probe] });
  t.teardown(() => kernel.close());
  const { app } = kernel;
  const acme = await createTenantWithKey(app, { name: 'Acme', subdomain: 'acme' });
  const other = await createTenantWithKey(app, { name: 'Other', subdomain: 'other' });
  const send = (key: string | undefined, payload: Record<string, unknown>, path = 'charges', who = acme) =>
    app.inject({ method: 'POST', url: `/api/v1/${who.subdomain}/probe/${path}`, headers: { ...who.headers, ...(key === undefined ? {} : { 'idempotency-key': key }) }, payload });

  await t.test('a replay returns the stored status and body, marked Idempotent-Replayed', async (t) => {
    const first = await send('order-1', { amount: 100 });
    t.equal(first.statusCode, 201);
    const before = executions;
    const again = await send('order-1', { amount: 100 });
    t.equal(again.statusCode, 201);
    t.equal(again.body, first.body, 'the same body, byte for byte');
    t.equal(again.headers['idempotent-replayed'], 'true');
    t.match(again.headers['content-type'], /^application\/json/);
    t.equal(executions, before, 'the handler did not run again');
    t.notOk(first.headers['idempotent-replayed'], 'the first answer is not marked');
    const elsewhere = await send('order-1', { amount: 100 }, 'charges', other);
    t.equal(elsewhere.statusCode, 201, 'keys belong to a tenant: another tenant may use the same one');
    t.not(elsewhere.json().charge, first.json().charge);
  });

  await t.test('without a key, or on a route that did not opt in, nothing is remembered', async (t) => {
    const before = executions;
    await send(undefined, { amount: 1 });
    await send(undefined, { amount: 1 });
    const p1 = await send('plain-1', { amount: 1 }, 'plain');
    const p2 = await send('plain-1', { amount: 1 }, 'plain');
    t.equal(executions, before + 4);
    t.notOk(p2.headers['idempotent-replayed']);
    t.not(p1.json().charge, p2.json().charge);
  });

  await t.test('the same key with another request is 422 IDEMPOTENCY_KEY_REUSED', async (t) => {
    await send('order-2', { amount: 200 });
    for (const [what, res] of [
      ['another body', await send('order-2', { amount: 201 })],
      ['another route', await send('order-2', { amount: 200 }, 'refunds')],
    ] as const) {
      t.equal(res.statusCode, 422, what);
      t.match(res.headers['content-type'], /^application\/problem\+json/, what);
      t.equal(res.json().code, 'IDEMPOTENCY_KEY_REUSED', what);
    }
  });

  await t.test('malformed keys are 400 IDEMPOTENCY_KEY_INVALID', async (t) => {
    const before = executions;
    for (const [what, key] of [['empty', ''], ['256 characters', 'k'.repeat(256)], ['a control character', 'order\t3'], ['not ASCII', 'caf\u00e9']] as const) {
      const res = await send(key, { amount: 1 });
      t.equal(res.statusCode, 400, what);
      t.equal(res.json().code, 'IDEMPOTENCY_KEY_INVALID', what);
    }
    t.equal(executions, before, 'nothing ran');
    t.equal((await send('k'.repeat(255), { amount: 1 })).statusCode, 201, '255 printable characters are fine');
    t.equal((await send('~ !"#$%&()*+,-./:;<=>?@[]^_`{|}', { amount: 1 })).statusCode, 201, 'so is any printable ASCII');
  });

  await t.test('a key still in progress is 409 IDEMPOTENCY_KEY_IN_PROGRESS with Retry-After', async (t) => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const slow = send('order-4', { amount: 400 });
    await sleep(100);
    const meanwhile = await send('order-4', { amount: 400 });
    t.equal(meanwhile.statusCode, 409);
    t.equal(meanwhile.json().code, 'IDEMPOTENCY_KEY_IN_PROGRESS');
    t.ok(Number(meanwhile.headers['retry-after']) >= 1, 'Retry-After tells when to try again');
    gate = null;
    open();
    const done = await slow;
    t.equal(done.statusCode, 201);
    const after = await send('order-4', { amount: 400 });
    t.equal(after.body, done.body, 'once done, the retry is a replay');
  });

  await t.test('an answer asking for a retry (Retry-After) is not kept either', async (t) => {
    const before = executions;
    const busy = await send('order-9', { amount: 900, outcome: 'busy' });
    t.equal(busy.statusCode, 409);
    const again = await send('order-9', { amount: 900, outcome: 'busy' });
    t.notOk(again.headers['idempotent-replayed']);
    t.equal(executions, before + 2, 'the retry ran again');
  });

  await t.test('a 5xx is not kept (the client may retry); a 4xx is', async (t) => {
    const before = executions;
    const crashed = await send('order-5', { amount: 500, outcome: 'crash' });
    t.equal(crashed.statusCode, 500);
    const retried = await send('order-5', { amount: 500, outcome: 'crash' });
    t.equal(retried.statusCode, 500);
    t.notOk(retried.headers['idempotent-replayed']);
    t.equal(executions, before + 2, 'the retry ran again');
    const refused = await send('order-6', { amount: 600, outcome: 'refused' });
    t.equal(refused.statusCode, 402);
    const replayed = await send('order-6', { amount: 600, outcome: 'refused' });
    t.equal(replayed.statusCode, 402);
    t.equal(replayed.headers['idempotent-replayed'], 'true');
    t.match(replayed.headers['content-type'], /^application\/problem\+json/);
    t.equal(executions, before + 3);
  });

  await t.test('an in-progress key whose owner died is taken over after the lease; a late owner cannot overwrite it', async (t) => {
    let open!: () => void;
    gate = new Promise((resolve) => (open = resolve));
    const dead = send('order-7', { amount: 700 });
    await sleep(100);
    gate = null;
    clock.at += 61_000;
    const takeover = await send('order-7', { amount: 700 });
    t.equal(takeover.statusCode, 201, 'after 60 s the key is taken over and the request runs');
    open();
    const late = await dead;
    t.equal(late.statusCode, 201, 'the first request still answers its own client');
    const replay = await send('order-7', { amount: 700 });
    t.equal(replay.body, takeover.body, 'the record is the one written by the request that took over');
  });

  await t.test('records expire after 24 h', async (t) => {
    const first = await send('order-8', { amount: 800 });
    clock.at += 23 * HOUR;
    t.equal((await send('order-8', { amount: 800 })).body, first.body, 'replayed within 24 h');
    clock.at += HOUR + 1000;
    const fresh = await send('order-8', { amount: 801 });
    t.equal(fresh.statusCode, 201, 'after 24 h the key is free, even for another request');
    t.notOk(fresh.headers['idempotent-replayed']);
    const rows = await engine.controlPlaneRows("SELECT count(*) AS n FROM idempotency_records WHERE idempotency_key = 'order-8'");
    t.equal(Number(rows[0]!.n), 1, 'one record per tenant and key');
  });
});
