import t from 'tap';
import platformInfo from '../../plugins/platform-info/src/index.js';
import slow from '../fixtures/slow-plugin.js';
import { startTestKernel } from '../helpers/kernel.js';

t.test('/metrics has process metrics and a bounded HTTP histogram by route pattern and status', async (t) => {
  const kernel = await startTestKernel(t, { plugins: [slow, platformInfo] });
  await kernel.app.inject({ url: '/slow?ms=1' });
  await kernel.app.inject({ url: '/slow?ms=2' });
  await kernel.app.inject({ url: '/does/not/exist/1' });
  await kernel.app.inject({ url: '/does/not/exist/2' });
  const res = await kernel.app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain/);
  t.match(res.body, /process_cpu_user_seconds_total/);
  t.match(res.body, /nodejs_eventloop_lag_seconds/);
  t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/slow",status_code="200"\} 2/);
  t.match(res.body, /http_request_duration_seconds_count\{method="GET",route="unmatched",status_code="404"\} 2/, 'unknown URLs share one label value');
  t.notMatch(res.body, /does\/not\/exist/, 'raw URLs never become labels');
  t.notMatch(res.body, /ms=1/);
});

t.test('/docs/json is OpenAPI 3 built from the route schemas, and /docs serves the UI', async (t) => {
  const kernel = await startTestKernel(t, { plugins: [slow, platformInfo] });
  const res = await kernel.app.inject({ url: '/docs/json' });
  t.equal(res.statusCode, 200);
  const doc = res.json();
  t.match(doc.openapi, /^3\./);
  t.equal(doc.info.version, '0.1.0');
  t.ok(doc.paths['/health'].get, 'kernel routes are documented');
  t.ok(doc.paths['/api/v1/system/status'].get, 'plugin routes are documented');
  t.same(doc.paths['/echo'].post.requestBody.content['application/json'].schema.required, ['name', 'count'], 'body schemas come through');
  t.notOk(doc.paths['/metrics'], 'operations-only routes are hidden');
  const ui = await kernel.app.inject({ url: '/docs/' });
  t.equal(ui.statusCode, 200);
  t.match(ui.body, /swagger-ui/i);
});

t.test('the request histogram renders valid cumulative buckets, sum and count', async (t) => {
  const { Registry } = await import('prom-client');
  const { RequestHistogram } = await import('../../runtime/src/http/request-histogram.js');
  const registry = new Registry();
  const h = new RequestHistogram('req_seconds', 'test', [0.01, 0.1, 1], registry);
  for (const s of [0.005, 0.05, 0.05, 0.5, 5]) h.observe('GET', '/x', 200, s);
  h.observe('POST', '/x', 400, 0.001);
  const text = await registry.metrics();
  t.match(text, /# TYPE req_seconds histogram/);
  t.match(text, /req_seconds_bucket\{method="GET",route="\/x",status_code="200",le="0.01"\} 1\n/);
  t.match(text, /req_seconds_bucket\{method="GET",route="\/x",status_code="200",le="0.1"\} 3\n/);
  t.match(text, /req_seconds_bucket\{method="GET",route="\/x",status_code="200",le="1"\} 4\n/);
  t.match(text, /req_seconds_bucket\{method="GET",route="\/x",status_code="200",le="\+Inf"\} 5\n/);
  t.match(text, /req_seconds_sum\{method="GET",route="\/x",status_code="200"\} 5.605\n/);
  t.match(text, /req_seconds_count\{method="POST",route="\/x",status_code="400"\} 1\n/);
});
