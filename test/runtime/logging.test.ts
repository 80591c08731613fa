import { Writable } from 'node:stream';
import t from 'tap';
import { firstPartyPlugins } from '@dogan/distribution';
import { buildKernel, createLogger, definePlugin, PUBLIC_POLICY, resolvePlatformConfig, secretVariableNames } from '@dogan/runtime';
import slow from '../fixtures/slow-plugin.js';
import { testConfig } from '../helpers/kernel.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, stream };
}

t.test('one structured access line per request, with the request id, and no credentials', async (t) => {
  const { lines, stream } = capture();
  const config = testConfig({ LOG_LEVEL: 'info' });
  const kernel = await buildKernel({ config, plugins: [slow], logger: createLogger(config, stream) });
  t.teardown(() => kernel.close());
  await kernel.app.inject({
    url: '/slow?ms=1',
    headers: { 'x-request-id': 'req-abc', authorization: 'Bearer top-secret-token', 'x-api-key': 'dgn_key_secret' },
  });
  const access = lines.filter((l) => l.msg === 'request completed');
  t.equal(access.length, 1);
  t.match(access[0], { requestId: 'req-abc', method: 'GET', route: '/slow', statusCode: 200, service: 'dogan' });
  t.type(access[0]!.durationMs, 'number');
  t.notMatch(JSON.stringify(lines), /top-secret-token|dgn_key_secret/);
});

t.test('over real connections, each kernel logs and counts only the requests it served', async (t) => {
  const served = await Promise.all(
    ['one', 'two'].map(async (name) => {
      const { lines, stream } = capture();
      const config = testConfig({ LOG_LEVEL: 'info', HOST: '127.0.0.1' });
      const kernel = await buildKernel({ config, plugins: [slow], logger: createLogger(config, stream) });
      t.teardown(() => kernel.close());
      const url = await kernel.app.listen({ port: 0, host: '127.0.0.1' });
      return { name, lines, kernel, url };
    }),
  );
  const [one, two] = served as [(typeof served)[0], (typeof served)[0]];
  for (let i = 0; i < 3; i++) await (await fetch(`${one.url}/slow?ms=5`, { headers: { 'x-request-id': `one-${i}` } })).text();
  await (await fetch(`${two.url}/nowhere`, { headers: { 'x-request-id': 'two-0' } })).text();
  // The finish notice comes as the last byte goes out; give the event loop a turn to deliver it.
  await new Promise((r) => setTimeout(r, 20));

  const access = (lines: Array<Record<string, unknown>>) => lines.filter((l) => l.msg === 'request completed');
  t.same(access(one.lines).map((l) => l.requestId), ['one-0', 'one-1', 'one-2']);
  t.match(access(one.lines)[0], { method: 'GET', route: '/slow', statusCode: 200 });
  t.ok((access(one.lines)[0]!.durationMs as number) >= 4, 'the duration covers the handler');
  t.same(access(two.lines).map((l) => [l.requestId, l.statusCode]), [['two-0', 404]]);

  const metricsOf = async (k: typeof one) => (await k.kernel.app.inject({ url: '/metrics' })).body;
  t.match(await metricsOf(one), /http_request_duration_seconds_count\{method="GET",route="\/slow",status_code="200"\} 3\n/);
  t.notMatch(await metricsOf(one), /status_code="404"/);
  t.notMatch(await metricsOf(two), /route="\/slow"/);
});

t.test('a plugin listener that throws on a finished response costs a log line, not the process', async (t) => {
  const { lines, stream } = capture();
  const config = testConfig({ LOG_LEVEL: 'info' });
  const counted: number[] = [];
  const faulty = definePlugin({
    name: 'faulty-listener',
    version: '1.0.0',
    kernel: '^0.1.0',
    pipeline(app) {
      app.onResponseFinished(() => {
        throw new Error('listener bug');
      });
      app.onResponseFinished((_request, reply) => void counted.push(reply.statusCode));
    },
  });
  const kernel = await buildKernel({ config, plugins: [slow, faulty], logger: createLogger(config, stream) });
  t.teardown(() => kernel.close());
  const url = await kernel.app.listen({ port: 0, host: '127.0.0.1' });
  for (let i = 0; i < 2; i++) t.equal((await fetch(`${url}/slow?ms=1`)).status, 200);
  await new Promise((r) => setTimeout(r, 20));
  t.same(counted, [200, 200], 'later listeners still run');
  t.equal(lines.filter((l) => l.msg === 'a response-finished listener failed').length, 2);
  t.equal(lines.filter((l) => l.msg === 'request completed').length, 2, 'the access log still writes');
});

t.test('a tenant-style child logger stays lazy and keeps the request id', async (t) => {
  const { lines, stream } = capture();
  const config = testConfig({ LOG_LEVEL: 'info' });
  const tenantish = definePlugin({
    name: 'tenantish',
    version: '1.0.0',
    kernel: '^0.1.0',
    routes(app) {
      app.get('/tenantish', { config: { policy: PUBLIC_POLICY } }, async (request) => {
        request.log = request.log.child({ tenantId: 'tenant-a' });
        request.log.debug('below the level: never built');
        return { ok: true };
      });
    },
  });
  const kernel = await buildKernel({ config, plugins: [tenantish], logger: createLogger(config, stream) });
  t.teardown(() => kernel.close());
  await kernel.app.inject({ url: '/tenantish', headers: { 'x-request-id': 'req-child' } });
  const access = lines.filter((l) => l.msg === 'request completed');
  t.match(access, [{ requestId: 'req-child', tenantId: 'tenant-a' }]);
  t.equal(lines.filter((l) => l.msg === 'below the level: never built').length, 0);
});

t.test('nothing is built or written below the configured level', async (t) => {
  const { lines, stream } = capture();
  const config = testConfig({ LOG_LEVEL: 'warn' });
  const kernel = await buildKernel({ config, plugins: [slow], logger: createLogger(config, stream) });
  t.teardown(() => kernel.close());
  await kernel.app.inject({ url: '/slow?ms=1' });
  await kernel.app.inject({ url: '/nowhere' });
  t.same(lines.filter((l) => l.requestId), []);
});

t.test("secrets passed as log fields are redacted, the loaded plugins' secret variables too", async (t) => {
  const { lines, stream } = capture();
  // As the kernel builds its logger: with every secret variable of the kernel and the loaded plugins.
  const platform = await resolvePlatformConfig({ config: testConfig(), catalog: firstPartyPlugins });
  const log = createLogger({ LOG_LEVEL: 'info' }, stream, secretVariableNames(platform.schema));
  log.info({ token: 'abc', password: 'pw', DOGAN_ADMIN_TOKEN: 'admintok', STRIPE_SECRET_KEY: 'sk_live' }, 'x');
  t.same(lines[0], { ...lines[0], token: '[redacted]', password: '[redacted]', DOGAN_ADMIN_TOKEN: '[redacted]', STRIPE_SECRET_KEY: '[redacted]' });
});
