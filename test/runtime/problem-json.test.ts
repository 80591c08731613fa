import t from 'tap';
import slow from '../fixtures/slow-plugin.js';
import { startTestKernel } from '../helpers/kernel.js';

const PROBLEM = 'application/problem+json; charset=utf-8';

t.test('every refusal is an RFC 9457 problem with a stable code', async (t) => {
  const kernel = await startTestKernel(t, { plugins: [slow], env: { DOGAN_BODY_LIMIT: '4096' } });
  const { app } = kernel;

  t.test('malformed JSON', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/json' }, payload: '{"name": "x",' });
    t.equal(res.statusCode, 400);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), { type: 'urn:dogan:problem:INVALID_JSON', title: 'Malformed JSON body', status: 400, code: 'INVALID_JSON', instance: '/echo' });
  });

  t.test('schema violation names each field', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/echo', payload: { count: 0, extra: true } });
    t.equal(res.statusCode, 400);
    const body = res.json();
    t.equal(body.code, 'VALIDATION_FAILED');
    t.same(
      body.errors.map((e: { field: string }) => e.field).sort(),
      ['body.count', 'body.extra', 'body.name'],
    );
    t.match(body.detail, /body\.name must have required property 'name'|body\.name/);
  });

  t.test('querystring violation', async (t) => {
    const res = await app.inject({ url: '/slow?ms=abc' });
    t.equal(res.statusCode, 400);
    t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ field: 'querystring.ms' }] });
  });

  t.test('unknown route', async (t) => {
    const res = await app.inject({ method: 'DELETE', url: '/nowhere?x=1' });
    t.equal(res.statusCode, 404);
    t.equal(res.headers['content-type'], PROBLEM);
    t.match(res.json(), { code: 'ROUTE_NOT_FOUND', detail: 'No route matches DELETE /nowhere' });
  });

  t.test('oversize body: the route limit and the platform limit', async (t) => {
    const routeLimit = await app.inject({ method: 'POST', url: '/echo', payload: { name: 'x'.repeat(3000), count: 1 } });
    t.equal(routeLimit.statusCode, 413);
    t.match(routeLimit.json(), { code: 'BODY_TOO_LARGE', detail: /2048 bytes/ });
    const platformLimit = await app.inject({ method: 'POST', url: '/nowhere', payload: { data: 'y'.repeat(10_000) } });
    t.equal(platformLimit.statusCode, 413);
    t.match(platformLimit.json(), { code: 'BODY_TOO_LARGE', detail: /4096 bytes/ });
  });

  t.test('unsupported media type', async (t) => {
    const res = await app.inject({ method: 'POST', url: '/echo', headers: { 'content-type': 'application/xml' }, payload: '<a/>' });
    t.equal(res.statusCode, 415);
    t.match(res.json(), { code: 'UNSUPPORTED_MEDIA_TYPE', detail: /application\/xml/ });
  });

});

t.test('handler crashes become INTERNAL_ERROR without leaking the message', async (t) => {
  const { definePlugin, PUBLIC_POLICY } = await import('@dogan/runtime');
  const boom = definePlugin({
    name: 'boom',
    version: '1.0.0',
    kernel: '^0.1.0',
    routes(app) {
      app.get('/boom', { config: { policy: PUBLIC_POLICY } }, async () => {
        throw new Error('password=hunter2 leaked');
      });
    },
  });
  const kernel = await startTestKernel(t, { plugins: [boom] });
  const res = await kernel.app.inject({ url: '/boom' });
  t.equal(res.statusCode, 500);
  t.match(res.json(), { code: 'INTERNAL_ERROR', requestId: res.headers['x-request-id'] });
  t.notMatch(res.body, /hunter2/);
});

t.test('request ids: a safe incoming id is kept, an unsafe one replaced', async (t) => {
  const kernel = await startTestKernel(t, { plugins: [slow] });
  const kept = await kernel.app.inject({ url: '/health', headers: { 'x-request-id': 'abc-123.def' } });
  t.equal(kept.headers['x-request-id'], 'abc-123.def');
  const replaced = await kernel.app.inject({ url: '/nowhere', headers: { 'x-request-id': 'evil\nline' } });
  t.match(replaced.headers['x-request-id'], /^[A-Za-z0-9_-]{8}-[0-9a-z]+$/);
  t.equal(replaced.json().requestId, replaced.headers['x-request-id']);
});

t.test('security headers on API responses', async (t) => {
  const kernel = await startTestKernel(t, { plugins: [slow] });
  const res = await kernel.app.inject({ url: '/health' });
  t.equal(res.headers['x-content-type-options'], 'nosniff');
  t.match(res.headers['content-security-policy'], /default-src 'none'; frame-ancestors 'none'/, 'no framing, nothing loaded');
  t.match(res.headers['strict-transport-security'], /max-age=\d+/);
});
