import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t from 'tap';
import { forEachEngine } from '../helpers/engines.js';
import { TEST_ADMIN_TOKEN } from '../helpers/kernel.js';
import { call, waitFor, type Answer } from '../faults/helpers.js';
import { startPlatform, type PlatformProcess } from '../faults/platform-process.js';
import { startSmtpSink } from '../email/smtp-sink.js';

/**
 * A workflow run as an operator meets a crash: the platform runs as `dogan start` in a child process
 * and is killed with SIGKILL while a run's second step (an HTTP call) is in flight. Started again on
 * the same data dir and databases, the node takes the run up when its claim lapses: the first step is
 * not run again (its output is replayed from its record), the caught step is sent again with the SAME
 * attempt and Idempotency-Key (the receiver can tell it is the same work), and the email after it is
 * sent once. The services the run calls (an HTTP service, an SMTP server) live in this process, so
 * they outlive the killed platform.
 */

const ADMIN = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };
const CLAIM_MS = 1500;

function ok(res: Answer, status: number, what: string): Record<string, any> {
  if (res.status !== status) throw new Error(`${what}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, any>;
}

forEachEngine(t, 'a workflow run killed with SIGKILL mid-step resumes after a restart, no step repeated', async (t, engine) => {
  const sink = await startSmtpSink();
  t.teardown(() => sink.close());
  const received: Array<{ path: string; key: string }> = [];
  let hold = true;
  const held: ServerResponse[] = [];
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({ path: req.url ?? '', key: String(req.headers['idempotency-key']) });
      if (req.url === '/slow' && hold) return void held.push(res);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, path: req.url }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    for (const res of held) res.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const env: Record<string, string> = {
    ...engine.env,
    EMAIL_SMTP_URL: `smtp://${sink.host}:${sink.port}`,
    EMAIL_FROM: 'Dogan <no-reply@dogan.test>',
    EMAIL_ALLOW_PRIVATE_NETWORKS: 'true',
    EMAIL_POLL_INTERVAL_MS: '100',
    WORKFLOWS_POLL_INTERVAL_MS: '100',
    WORKFLOWS_RUN_CLAIM_MS: String(CLAIM_MS),
    WORKFLOWS_HTTP_ALLOW_PRIVATE_NETWORKS: 'true',
    LOG_LEVEL: process.env.CRASH_LOG ?? 'warn',
  };
  let node: PlatformProcess = await startPlatform(env);
  t.teardown(() => node.kill());

  const tenant = ok(await call(node.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: 'Acme', subdomain: 'acme', plan: 'professional' } }), 201, 'tenant');
  const key = ok(await call(node.url, 'POST', `/api/admin/tenants/${tenant.id}/api-keys`, { headers: ADMIN, body: { name: 'test', scopes: ['read', 'write', 'admin'] } }), 201, 'key');
  const api = (method: string, path: string, body?: unknown) => call(node.url, method, `/api/v1/acme${path}`, { key: key.key as string, ...(body === undefined ? {} : { body }) });

  const wf = ok(
    await api('POST', '/workflows', {
      name: 'Confirm an order',
      trigger: { type: 'manual' },
      steps: [
        { id: 'first', type: 'http', method: 'POST', url: `${base}/first`, body: { order: '$.trigger.input.order' } },
        { id: 'slow', type: 'http', method: 'POST', url: `${base}/slow`, timeoutMs: 60_000 },
        { id: 'mail', type: 'email', to: 'ops@acme.example', subject: 'Order {{$.trigger.input.order}} confirmed', text: 'Both calls answered: {{$.steps.slow.output.body.path}}' },
      ],
    }),
    201,
    'workflow',
  );
  const started = ok(await api('POST', `/workflows/${wf.id}/run`, { input: { order: 'SO-0042' } }), 202, 'run');
  t.ok(await waitFor(async () => received.some((r) => r.path === '/slow'), 20_000, 20), 'the second step is in flight', { output: node.output().slice(-3000) });
  const firstKey = received.find((r) => r.path === '/first')!.key;

  node.child.kill('SIGKILL');
  t.equal(await node.exited, 'SIGKILL', 'killed with SIGKILL while the HTTP step was in flight');
  hold = false;
  const restartedAt = Date.now();
  node = await startPlatform(env);

  let run: Record<string, any> = {};
  const done = await waitFor(async () => {
    run = (await api('GET', `/workflows/${wf.id}/runs/${started.id}`)).body as Record<string, any>;
    return run.status === 'completed' || run.status === 'failed';
  }, 30_000, 100);
  t.ok(done, 'the run ended after the restart', { run, output: node.output().slice(-3000) });
  t.equal(run.status, 'completed', JSON.stringify(run.error));
  t.comment(`completed ${Date.now() - restartedAt} ms after the restart (claim ${CLAIM_MS} ms)`);

  t.same(received.filter((r) => r.path === '/first').map((r) => r.key), [firstKey], 'the finished first step was not run again');
  const slow = received.filter((r) => r.path === '/slow');
  t.equal(slow.length, 2, 'the step caught in flight was sent again');
  t.equal(slow[0]!.key, slow[1]!.key, 'with the same Idempotency-Key: the same attempt, not a new one');
  const steps = run.steps as Array<{ key: string; attempt: number; status: string }>;
  t.same(
    steps.map((s) => `${s.key}#${s.attempt}:${s.status}`),
    ['first#1:succeeded', 'slow#1:succeeded', 'mail#1:succeeded'],
    'one record per step: the resumed attempt is the one started before the kill',
  );
  t.ok(await waitFor(async () => sink.to('ops@acme.example').length > 0, 20_000, 50), 'the email arrived');
  await new Promise((r) => setTimeout(r, 500));
  const mail = sink.to('ops@acme.example');
  t.equal(mail.length, 1, 'one email');
  t.equal(mail[0]!.parsed.subject, 'Order SO-0042 confirmed');

  // A second tenant on the restarted node sees none of it.
  const globex = ok(await call(node.url, 'POST', '/api/admin/tenants', { headers: ADMIN, body: { name: 'Globex', subdomain: 'globex', plan: 'professional' } }), 201, 'tenant');
  const globexKey = ok(await call(node.url, 'POST', `/api/admin/tenants/${globex.id}/api-keys`, { headers: ADMIN, body: { name: 'test', scopes: ['read'] } }), 201, 'key');
  const theirs = (path: string) => call(node.url, 'GET', `/api/v1/globex${path}`, { key: globexKey.key as string });
  t.equal((await theirs(`/workflows/${wf.id}/runs/${started.id}`)).status, 404);
  t.same(((await theirs('/workflows')).body as { items: Array<{ template: string | null }> }).items.filter((w) => w.template === null), []);
  await node.kill();
}, { engines: process.env.CRASH_ENGINE ? [process.env.CRASH_ENGINE as 'sqlite'] : undefined });
