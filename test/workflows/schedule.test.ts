import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { createTenant, createWorkflow, startWorkflowsKernel, waitFor } from './helpers.js';

/**
 * A workflow due at 09:00 Asia/Riyadh (06:00 UTC) runs once per due time, also with two nodes over
 * one database that both look every 20 ms. The nodes' clock is the test's (a schedule cannot wait
 * for tomorrow morning): it is set just before 09:00, then just after, then to the next morning.
 */

const at = (iso: string) => Date.parse(iso);

forEachEngine(t, 'a cron workflow due at 09:00 Riyadh runs once per due time, with two nodes', async (t, engine) => {
  let clock = at('2026-12-06T05:59:50Z');
  const now = () => clock;
  const env = { WORKFLOWS_SCHEDULE_TICK_MS: '20' };
  const first = await startWorkflowsKernel(t, engine, { now, env, keepData: true });
  const second = await startWorkflowsKernel(t, engine, { now, env });
  const acme = await createTenant(first.app, 'acme');
  const globex = await createTenant(first.app, 'globex');
  const wf = await createWorkflow(acme, { name: 'Morning report', trigger: { type: 'schedule', cron: '0 9 * * *', timeZone: 'Asia/Riyadh' }, steps: [{ id: 'due', type: 'set', values: { at: '$.trigger.dueAt' } }] });
  const runs = async () => (await acme.call('GET', `/workflows/${wf.id}/runs`)).json().items as Array<{ id: string; status: string; trigger: { key: string; data: { dueAt: string } } }>;
  const settle = () => new Promise((r) => setTimeout(r, 400));

  await settle();
  t.same(await runs(), [], 'nothing before 09:00, nor for a due time before the workflow existed');

  clock = at('2026-12-06T06:00:05Z');
  await waitFor('the 09:00 run', async () => (await runs()).length > 0);
  await settle();
  let seen = await runs();
  t.equal(seen.length, 1, 'one run for 09:00 between the two nodes');
  t.equal(seen[0]!.trigger.data.dueAt, '2026-12-06T06:00:00.000Z', '09:00 Riyadh is 06:00 UTC');

  clock = at('2026-12-06T06:30:00Z');
  await settle();
  t.equal((await runs()).length, 1, 'no second run later the same morning');

  clock = at('2026-12-07T06:00:01Z');
  await waitFor('the next morning run', async () => (await runs()).length > 1);
  await settle();
  seen = await runs();
  t.same(seen.map((r) => r.trigger.data.dueAt).sort(), ['2026-12-06T06:00:00.000Z', '2026-12-07T06:00:00.000Z'], 'one run per due time');
  await waitFor('both runs to complete', async () => (await runs()).every((r) => r.status === 'completed'));

  // Disabled, it does not run; the second tenant never saw any of it.
  await acme.call('POST', `/workflows/${wf.id}/disable`);
  clock = at('2026-12-08T06:00:01Z');
  await settle();
  t.equal((await runs()).length, 2, 'a disabled schedule starts nothing');
  t.same(((await globex.call('GET', '/workflows')).json().items as Array<{ template: string | null }>).filter((w) => w.template === null), []);
  t.equal((await globex.call('GET', `/workflows/${wf.id}/runs`)).statusCode, 404);
  void second;
});
