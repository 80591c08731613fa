import t from 'tap';
import { spawnDogan } from '../helpers/spawn-dogan.js';

t.test('SIGTERM drains a request in flight, refuses new work, closes plugins and exits 0', async (t) => {
  const dogan = await spawnDogan(['start'], { DOGAN_PLUGINS: './test/fixtures/slow-plugin.ts' });
  t.teardown(() => void dogan.child.kill('SIGKILL'));
  const inFlight = fetch(`${dogan.url}/slow?ms=1500`);
  await new Promise((r) => setTimeout(r, 300));
  const signalledAt = Date.now();
  dogan.child.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 200));
  const refused = await fetch(`${dogan.url}/health`).then(
    (r) => r.status,
    () => 'connection refused',
  );
  t.ok(refused === 503 || refused === 'connection refused', `new requests are refused while draining (${refused})`);
  const res = await inFlight;
  t.equal(res.status, 200, 'the request in flight completes');
  t.same(await res.json(), { waited: 1500 });
  const code = await dogan.exited;
  t.equal(code, 0, 'exits 0');
  t.ok(Date.now() - signalledAt < 10_000, 'within 10 s');
  t.match(dogan.output(), /shutting down: draining in-flight requests/);
  t.match(dogan.output(), /"reason":"SIGTERM"/);
});

t.test('a request that outlives the shutdown timeout is cut and the exit code says so', async (t) => {
  const dogan = await spawnDogan(['start'], { DOGAN_PLUGINS: './test/fixtures/slow-plugin.ts', DOGAN_SHUTDOWN_TIMEOUT_MS: '300' });
  t.teardown(() => void dogan.child.kill('SIGKILL'));
  const inFlight = fetch(`${dogan.url}/slow?ms=5000`).then(
    (r) => r.status,
    () => 'cut',
  );
  await new Promise((r) => setTimeout(r, 200));
  dogan.child.kill('SIGINT');
  t.equal(await dogan.exited, 1);
  t.equal(await inFlight, 'cut');
  t.match(dogan.output(), /shutdown timed out/);
});
