import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call, demoKeyOf, startPlatform, type Answer } from './helpers.js';

/**
 * SIGTERM to the whole process group under load, as systemd, Docker and Ctrl-C send it to `npm start`:
 * the sandbox hosts must not die before the kernel has drained, every answer is either a success or a
 * problem the client may retry, the exit code is 0, and after a restart the client's retries (same
 * Idempotency-Key) leave every note stored exactly once.
 */

const NOTES = '/api/v1/demo/apps/dogan.notes/notes';
const CLIENTS = 12;

interface Attempt {
  text: string;
  key: string;
  answer: Answer | { error: string };
}

await forEachEngine(t, 'SIGTERM to the process group under load', async (t, engine) => {
  const first = await startPlatform(engine.env);
  t.teardown(() => first.signalGroup('SIGKILL'));
  const demoKey = await demoKeyOf(first);

  const attempts: Attempt[] = [];
  let stop = false;
  let n = 0;
  const client = async (c: number) => {
    while (!stop) {
      const text = `note ${c}-${n++}`;
      const key = `shutdown-${text.replace(/\s/g, '-')}`;
      try {
        attempts.push({ text, key, answer: await call(first.url, 'POST', NOTES, { key: demoKey, body: { text }, headers: { 'idempotency-key': key } }) });
      } catch (err) {
        attempts.push({ text, key, answer: { error: String((err as Error).cause ?? err) } });
        stop = true;
      }
    }
  };
  const load = Array.from({ length: CLIENTS }, (_, c) => client(c));
  await new Promise((r) => setTimeout(r, 1500));
  first.signalGroup('SIGTERM');
  const exit = await first.exited;
  stop = true;
  await Promise.all(load);

  t.same(exit, { code: 0, signal: null }, 'npm start exits 0 after SIGTERM to the group');
  t.notMatch(first.output(), /"error":"Service Unavailable"/, "no Fastify plain-JSON 503");
  const answered = attempts.filter((a): a is Attempt & { answer: Answer } => 'status' in a.answer);
  const acknowledged = answered.filter((a) => a.answer.status === 201);
  t.ok(acknowledged.length > 10, `writes were acknowledged under load (${acknowledged.length} of ${attempts.length})`);
  const badAnswers = answered.filter((a) => a.answer.status !== 201 && !(a.answer.status === 503 && a.answer.type.startsWith('application/problem+json') && a.answer.retryAfter));
  t.same(badAnswers.map((a) => a.answer), [], 'every answer is a success or a 503 problem with Retry-After the client can retry');
  t.notMatch(first.output(), /SANDBOX_UNAVAILABLE/, 'no module call was cut by a sandbox host dying early');

  // The client retries everything not acknowledged, with the same key, once the platform is back.
  const second = await startPlatform({ ...engine.env, DOGAN_ADMIN_TOKEN: TEST_ADMIN_TOKEN });
  t.teardown(() => second.signalGroup('SIGKILL'));
  const key2 = await demoKeyOf(second);
  for (const a of attempts.filter((x) => !('status' in x.answer) || x.answer.status !== 201)) {
    const retry = await call(second.url, 'POST', NOTES, { key: key2, body: { text: a.text }, headers: { 'idempotency-key': a.key } });
    t.equal(retry.status, 201, `retry of "${a.text}" is acknowledged`);
  }
  const [database] = await engine.tenantDatabases();
  const rows = await engine.tenantRows(database!, "SELECT data FROM module_documents WHERE collection = 'notes'");
  const texts = rows.map((r) => (typeof r.data === 'string' ? (JSON.parse(r.data) as { text: string }) : (r.data as { text: string })).text);
  const counts = new Map<string, number>();
  for (const x of texts) counts.set(x, (counts.get(x) ?? 0) + 1);
  t.same([...counts].filter(([, c]) => c !== 1), [], 'no note is stored twice');
  t.same(attempts.filter((a) => !counts.has(a.text)).map((a) => a.text), [], 'every note the client sent is stored');

  // Idempotency keys are the tenant's own: another tenant sending one of the same keys stores its own note.
  t.equal((await call(second.url, 'POST', '/api/admin/tenants', { key: TEST_ADMIN_TOKEN, body: { name: 'Other Co', subdomain: 'other-co' } })).status, 201);
  const otherKey = ((await call(second.url, 'POST', '/api/admin/tenants/other-co/api-keys', { key: TEST_ADMIN_TOKEN, body: { name: 'shutdown', scopes: ['read', 'write', 'admin'] } })).body as { key: string }).key;
  t.equal((await call(second.url, 'POST', '/api/v1/other-co/modules/dogan.notes/install', { key: otherKey, body: { grants: ['notes-storage'] } })).status, 201);
  const reused = acknowledged[0]!;
  const theirs = await call(second.url, 'POST', '/api/v1/other-co/apps/dogan.notes/notes', { key: otherKey, body: { text: 'the other tenant' }, headers: { 'idempotency-key': reused.key } });
  t.match(theirs, { status: 201, body: { text: 'the other tenant' } }, "the demo tenant's key does not replay its answer to another tenant");
  const otherNotes = await call(second.url, 'GET', '/api/v1/other-co/apps/dogan.notes/notes', { key: otherKey });
  t.same(((otherNotes.body as { notes: Array<{ text: string }> }).notes ?? []).map((x) => x.text), ['the other tenant'], "and it sees none of the demo tenant's notes");
  second.signalGroup('SIGTERM');
  t.same(await second.exited, { code: 0, signal: null });
});
