import t from 'tap';
import { startServer } from '../sandbox/helpers.js';
import { startArena } from './helpers.js';

t.test('outbound HTTP: SSRF to internal addresses is refused before any connection, also after redirects', async (t) => {
  const hits: string[] = [];
  let active = 0;
  let maxActive = 0;
  const { port } = await startServer(t, (req, res) => {
    hits.push(req.url ?? '');
    active++;
    maxActive = Math.max(maxActive, active);
    const finish = () => {
      active--;
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/secret` });
        res.end();
      } else res.end('public data');
    };
    setTimeout(finish, 5);
  });
  const arena = await startArena(t, port);
  const fetch = (url: string) => arena.call(arena.tenant(0), 'test.hostile', `/fetch?url=${encodeURIComponent(url)}`);
  t.same((await fetch(`http://allowed.test:${port}/public`)).body, { status: 200, body: 'public data' }, 'the granted, trusted test host works');
  const refused: Array<[string, string]> = [
    [`http://127.0.0.1:${port}/secret`, 'loopback IPv4'],
    [`http://[::1]:${port}/secret`, 'loopback IPv6'],
    [`http://[::ffff:127.0.0.1]:${port}/secret`, 'IPv4-mapped IPv6'],
    ['http://169.254.169.254/latest/meta-data/', 'cloud metadata'],
    [`http://private.test:${port}/secret`, 'a name resolving to a private address'],
    [`http://localhost:${port}/secret`, 'localhost through real DNS'],
    [`http://allowed.test:${port}/redirect`, 'a redirect to an internal address'],
  ];
  for (const [url, what] of refused) {
    const res = await arena.alongside(t, () => fetch(url));
    t.equal(res.body.code, 'SANDBOX_HTTP_FORBIDDEN', `${what}: refused`);
  }
  t.notOk(hits.includes('/secret'), 'no request ever reached an internal address');
  t.ok(hits.includes('/redirect'), 'the redirect itself came from the allowed host');
  t.ok((await arena.metric('SANDBOX_HTTP_FORBIDDEN')) >= refused.length, 'every refusal is counted');

  const flood = await arena.alongside(t, () => arena.attack('fetchFlood', `?url=${encodeURIComponent(`http://allowed.test:${port}/flood`)}`));
  t.same(flood.body, { ok: 20, SANDBOX_HTTP_LIMIT: 980 }, 'a thousand parallel fetches: 20 run, the rest are refused');
  t.ok(maxActive <= 4, `at most 4 ran at once (saw ${maxActive})`);
});

t.test('outbound HTTP without the grant is refused', async (t) => {
  const arena = await startArena(t);
  await arena.runtime.enableForTenant(arena.tenant(0).id, 'test.hostile', ['store']);
  const res = await arena.call(arena.tenant(0), 'test.hostile', `/fetch?url=${encodeURIComponent('http://allowed.test:1/x')}`);
  t.equal(res.body.code, 'SANDBOX_PERMISSION_DENIED');
});
