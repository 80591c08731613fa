import t, { type Test } from 'tap';
import { forEachEngine, type TestEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call, waitFor, type Answer } from '../faults/helpers.js';
import { startPlatform, type PlatformProcess } from '../faults/platform-process.js';
import { startFrappeSite, type FrappeSite } from '../simulators/frappe/index.js';
import { startLlmSimulator, type LlmSimulator } from '../simulators/llm/index.js';

/**
 * An agent task as an operator meets a crash: the platform runs as `dogan start` in a child process,
 * is killed with SIGKILL in the middle of a task, and is started again on the same data dir and
 * databases. The task's side effect is a ToDo created in an ERPNext site (the Frappe simulator, in
 * this process, so it outlives the killed platform) by the ERPNext plugin's `erpnext_create_document`.
 *
 * 1. Killed while the model is asked for the second time (the tool already ran and its step is
 *    `done`): the restarted node takes the task up once its claim expires (AGENTS_TASK_CLAIM_MS),
 *    asks the model again and completes; the ToDo is not created again.
 * 2. Killed while the tool itself is in flight (the site holds its answer): the step is caught
 *    `started`. ERPNext's insert takes no idempotency key (the tool is not `idempotent`), and the site
 *    finishes the first insert although its caller died, so the restarted node does not repeat the
 *    call: the trace notes the resume, the step's result is TOOL_OUTCOME_UNKNOWN for the model to
 *    check, and the ToDo exists once.
 */

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
/** Short, so a dead node's task is taken up within the test; longer than any step of these runs. */
const CLAIM_MS = 3000;

interface Step {
  seq: number;
  kind: string;
  status: string;
  tool: string | null;
  data: Record<string, any>;
  result: any;
  startedAt: string;
  finishedAt: string | null;
}
interface Task {
  id: string;
  status: string;
  result: any;
  failure: { code: string; reason: string } | null;
  usage: { steps: number };
}

function ok(res: Answer, status: number, what: string): Record<string, any> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

/** The site's ToDos with a description, read over Frappe's REST API as anyone outside the platform would. */
async function todos(site: FrappeSite, description: string): Promise<string[]> {
  const query = new URLSearchParams({ fields: JSON.stringify(['name']), filters: JSON.stringify([['description', '=', description]]), limit_page_length: '100' });
  const res = await fetch(`${site.url}/api/resource/ToDo?${query}`, { headers: { authorization: `token ${site.apiKey}:${site.apiSecret}` } });
  const body = (await res.json()) as { data: Array<{ name: string }> };
  return body.data.map((d) => d.name);
}

async function crashResume(t: Test, engine: TestEngine) {
  const sim: LlmSimulator = await startLlmSimulator();
  const site = await startFrappeSite();
  t.teardown(async () => {
    await sim.close();
    await site.close();
  });
  const env: Record<string, string> = {
    ...engine.env,
    ERPNEXT_ALLOW_PRIVATE_NETWORKS: 'true',
    AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: 'true',
    AGENTS_POLL_INTERVAL_MS: '100',
    AGENTS_TASK_CLAIM_MS: String(CLAIM_MS),
    LOG_LEVEL: process.env.CRASH_LOG ?? 'warn',
  };
  let node: PlatformProcess = await startPlatform(env);
  t.teardown(() => node.kill());

  // A tenant on a plan with ERPNext, connected to the site, with an agent allowed the ERPNext tools.
  const tenant = ok(await call(node.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: 'Acme', subdomain: 'acme', plan: 'professional' } }), 201, 'tenant');
  const key = ok(await call(node.url, 'POST', `/api/admin/tenants/${tenant.id}/api-keys`, { headers: ADMIN, body: { name: 'test', scopes: ['read', 'write', 'admin'] } }), 201, 'key');
  const api = (method: string, path: string, body?: unknown) => call(node.url, method, `/api/v1/acme${path}`, { key: key.key as string, ...(body === undefined ? {} : { body }) });
  ok(await api('PUT', '/erpnext/connection', { baseUrl: site.url, apiKey: site.apiKey, apiSecret: site.apiSecret }), 200, 'connection');
  ok(await api('PUT', '/agents/llm-profiles/default', { kind: 'openai', model: 'openai-test', baseUrl: `${sim.url}/v1`, apiKey: sim.apiKey, isDefault: true }), 200, 'profile');
  const agent = ok(await api('POST', '/agents', { name: { ar: 'سارة', en: 'Sara' }, title: { ar: 'منسقة', en: 'Coordinator' }, role: 'officer', department: 'sales', tools: ['erpnext_*'] }), 201, 'agent');

  const trace = async (id: string) => ((await api('GET', `/agents/tasks/${id}/trace`)).body as { steps: Step[] }).steps;
  const ended = async (id: string): Promise<Task> => {
    let task: Task | undefined;
    const done = await waitFor(async () => {
      task = (await api('GET', `/agents/tasks/${id}`)).body as unknown as Task;
      return ['completed', 'failed', 'cancelled', 'rejected'].includes(task.status);
    }, 30_000, 100);
    if (!done) throw new Error(`task ${id} did not end: ${JSON.stringify(await trace(id))}\n${node.output().slice(-3000)}`);
    return task!;
  };
  const restart = async (t: Test, what: string) => {
    node.child.kill('SIGKILL');
    t.equal(await node.exited, 'SIGKILL', what);
    node = await startPlatform(env);
    return Date.now();
  };
  const summary = (steps: Step[]) => steps.map((s) => `${s.kind}${s.tool ? `:${s.tool}` : ''}:${s.status}`);

  await t.test('killed while the model is asked again: the finished tool step is not repeated', async (t) => {
    sim.on('Follow up Acme', { toolCalls: [{ name: 'erpnext_create_document', arguments: { doctype: 'ToDo', doc: { description: 'Call Acme' } } }] });
    // The request after the tool (its result is the last message): held in the killed run, answered in the resumed one.
    sim.on('"description":"Call Acme"', { delayMs: 30_000, then: { text: 'Held answer: the killed node never reads it' } }, { text: 'Done: ToDo created' });
    const before = sim.requests.length;
    const task = ok(await api('POST', '/agents/tasks', { title: 'Follow up Acme', description: 'Put the call on the to-do list', agentId: agent.id }), 201, 'task');
    t.ok(await waitFor(async () => sim.requests.length === before + 2, 20_000, 20), 'the second model call is in flight', { output: node.output().slice(-3000) });
    t.equal((await todos(site, 'Call Acme')).length, 1, 'the ToDo was created before the kill');
    const mid = await trace(task.id as string);
    t.same(summary(mid), ['note:done', 'llm:done', 'tool:erpnext_create_document:done'], 'checkpointed so far: accepted, the first answer, the tool call done');

    const restartedAt = await restart(t, 'killed with SIGKILL while the model call was in flight');
    const done = await ended(task.id as string);
    const resumedIn = Date.now() - restartedAt;
    t.match(done, { status: 'completed', result: { text: 'Done: ToDo created' }, failure: null }, `completed ${resumedIn} ms after the restart`);
    t.equal((await todos(site, 'Call Acme')).length, 1, 'exactly one ToDo "Call Acme" in the site');
    const steps = await trace(task.id as string);
    // The answer lost with the node left no step (an LLM step is written once the answer is in): two LLM
    // steps in all, the first run's tool call and the resumed run's final answer, and one tool step.
    t.same(summary(steps), ['note:done', 'llm:done', 'tool:erpnext_create_document:done', 'llm:done'], 'the trace: accepted, tool call, the tool once, the final answer');
    t.equal(steps[2]!.seq, mid[2]!.seq, 'the tool step is the one written before the kill');
    t.same(steps[2]!.finishedAt, mid[2]!.finishedAt, 'and was not run again');
    t.ok(Date.parse(steps[3]!.startedAt) >= restartedAt, 'the final answer came from the restarted node');
    t.equal(done.usage.steps, 2, 'two model calls counted: the lost one is not');
    t.equal(sim.requests.length, before + 3, 'the model was asked three times: twice before the kill, once after');
    t.same(sim.unscripted, [], 'no request went unscripted');
    t.same(sim.rejected, [], 'no request was refused');
  });

  await t.test('killed while the tool is in flight: the call is not repeated, and the model is told its outcome is unknown', async (t) => {
    sim.on('Follow up Globex', { toolCalls: [{ name: 'erpnext_create_document', arguments: { doctype: 'ToDo', doc: { description: 'Call Globex' } } }] });
    sim.on('TOOL_OUTCOME_UNKNOWN', { text: 'Done: Globex ToDo created' });
    const before = sim.requests.length;
    const posts = () => site.stats.byPath.get('/api/resource/ToDo') ?? 0;
    const postsBefore = posts();
    const logged = () => site.requestLog.filter((r) => r.method === 'POST' && r.path === '/api/resource/ToDo').length;
    const loggedBefore = logged();
    // The site holds every answer for 4 s: the insert is outstanding when the node is killed.
    site.setLatency(4000);
    const task = ok(await api('POST', '/agents/tasks', { title: 'Follow up Globex', description: 'Put the call on the to-do list', agentId: agent.id }), 201, 'task');
    t.ok(await waitFor(async () => posts() === postsBefore + 1, 20_000, 10), 'the insert reached the site');
    await new Promise((r) => setTimeout(r, 100)); // its body with it
    const killedAt = Date.now();
    const restartedAt = await restart(t, 'killed with SIGKILL while the tool call was in flight');
    site.setLatency(0);
    const done = await ended(task.id as string);
    t.match(done, { status: 'completed', result: { text: 'Done: Globex ToDo created' }, failure: null }, `completed ${Date.now() - restartedAt} ms after the restart`);
    // The held insert was finished by the site after its caller died (as a real site does).
    t.ok(await waitFor(async () => logged() === loggedBefore + 1, 10_000, 50), 'the one insert was answered');
    await new Promise((r) => setTimeout(r, 300));
    t.equal(logged(), loggedBefore + 1, 'and no second insert was sent');
    const created = await todos(site, 'Call Globex');
    t.equal(created.length, 1, 'ONE ToDo "Call Globex": the call caught in flight was not repeated');
    const steps = await trace(task.id as string);
    t.same(summary(steps), ['note:done', 'llm:done', 'tool:erpnext_create_document:failed', 'note:erpnext_create_document:done', 'llm:done'], 'the tool step, then the note of the resume, then the model again');
    const tool = steps[2]!;
    t.match(tool.result, { error: { code: 'TOOL_OUTCOME_UNKNOWN' } }, 'the step says its outcome is unknown');
    t.ok(Date.parse(tool.startedAt) < killedAt && Date.parse(tool.finishedAt!) >= restartedAt, 'the step was started by the killed node and closed by the restarted one');
    t.match(steps[3]!.data, { event: 'resumed', step: tool.seq, action: 'outcome unknown, not repeated' }, 'the trace marks the resume');
    t.equal(sim.requests.length, before + 2, 'the model was asked twice: before the tool and after the resume');
    t.same(sim.unscripted, [], 'no request went unscripted');
  });

  await t.test('a second tenant on the restarted node sees none of it', async (t) => {
    const globex = ok(await call(node.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: 'Globex', subdomain: 'globex', plan: 'professional' } }), 201, 'tenant');
    const globexKey = ok(await call(node.url, 'POST', `/api/admin/tenants/${globex.id}/api-keys`, { headers: ADMIN, body: { name: 'test', scopes: ['read'] } }), 201, 'key');
    const theirs = (path: string) => call(node.url, 'GET', `/api/v1/globex${path}`, { key: globexKey.key as string });
    const acmeTasks = ((await api('GET', '/agents/tasks')).body as { items: Array<{ id: string }> }).items;
    t.ok(acmeTasks.length >= 2, 'acme has its tasks');
    t.same(((await theirs('/agents/tasks')).body as { items: unknown[] }).items, [], 'globex lists none of them');
    t.equal((await theirs(`/agents/tasks/${acmeTasks[0]!.id}/trace`)).status, 404, "acme's trace is not globex's");
    t.equal((await theirs('/erpnext/connection')).status, 409, "and globex has no connection to acme's site");
  });

  await node.kill();
}

void forEachEngine(t, 'agent task crash and resume with `dogan start`, SIGKILL and an ERPNext side effect', crashResume, {
  engines: process.env.CRASH_ENGINE ? [process.env.CRASH_ENGINE as 'sqlite'] : undefined,
});
