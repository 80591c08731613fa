import Fastify from 'fastify';
import t from 'tap';
import { installProblemHandlers } from '../../runtime/src/http/problem.js';
import { installValidation } from '../../runtime/src/http/validation.js';

// Ajv takes Infinity for an integer ("1e309" in a query string after coercion, or in a JSON body,
// which JSON.parse reads as Infinity): every route refuses a number that is not finite, naming it.
t.test('numbers that are not finite are refused in every part, with the field named', async (t) => {
  const app = Fastify();
  installValidation(app);
  installProblemHandlers(app, { localize: undefined });
  const schema = { type: 'object', properties: { n: { type: 'integer', minimum: 0 }, list: { type: 'array', items: { type: 'number' } } } } as const;
  app.post('/x', { schema: { querystring: schema, body: schema } }, async (request) => ({ query: request.query, body: request.body }));
  t.teardown(() => app.close());

  const post = (url: string, payload: string) => app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload });
  const cases: Array<[string, string, RegExp]> = [
    ['/x?n=1e309', '{}', /querystring\.n\b/],
    ['/x', '{"n":1e309}', /body\.n\b/],
    ['/x', '{"list":[1,2,-1e400]}', /body\.list\.2\b/],
  ];
  for (const [url, body, field] of cases) {
    const res = await post(url, body);
    t.equal(res.statusCode, 400, `${url} ${body}: 400`);
    t.equal(res.json().code, 'VALIDATION_FAILED');
    t.match(JSON.stringify(res.json()), field, 'names the field');
    t.match(JSON.stringify(res.json()), /finite/, 'says why');
  }
  const ok = await post('/x?n=5', '{"n":1e3,"list":[1.5]}');
  t.equal(ok.statusCode, 200, 'finite numbers pass');
  t.same(ok.json(), { query: { n: 5 }, body: { n: 1000, list: [1.5] } });
});
