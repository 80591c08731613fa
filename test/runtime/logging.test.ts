import { Writable } from 'node:stream';
import t from 'tap';
import { buildKernel, createLogger } from '@dogan/runtime';
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

t.test('nothing is built or written below the configured level', async (t) => {
  const { lines, stream } = capture();
  const config = testConfig({ LOG_LEVEL: 'warn' });
  const kernel = await buildKernel({ config, plugins: [slow], logger: createLogger(config, stream) });
  t.teardown(() => kernel.close());
  await kernel.app.inject({ url: '/slow?ms=1' });
  await kernel.app.inject({ url: '/nowhere' });
  t.same(lines.filter((l) => l.requestId), []);
});

t.test('secrets passed as log fields are redacted', async (t) => {
  const { lines, stream } = capture();
  const log = createLogger({ LOG_LEVEL: 'info' }, stream);
  log.info({ token: 'abc', password: 'pw', DOGAN_ADMIN_TOKEN: 'admintok', STRIPE_SECRET_KEY: 'sk_live' }, 'x');
  t.same(lines[0], { ...lines[0], token: '[redacted]', password: '[redacted]', DOGAN_ADMIN_TOKEN: '[redacted]', STRIPE_SECRET_KEY: '[redacted]' });
});
