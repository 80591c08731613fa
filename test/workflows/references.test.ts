import t from 'tap';
import { DoganError } from '@dogan/runtime';
import { findReferences, parseReference, readPath, resolveValue, type RunScope } from '../../plugins/workflows/src/definition/index.js';

const scope: RunScope = {
  trigger: { event: { type: 'erpnext.sales_invoice.submitted', payload: { doc: { name: 'SINV-1', grand_total: 1500, 'due date': '2026-04-01', items: [{ code: 'A' }, { code: 'B' }] } } } },
  steps: { invoice: { output: { name: 'SINV-1', customer: 'Acme', lines: [1, 2, 3], empty: null } } },
  vars: { customer: 'Acme', total: 1500, nested: { a: { b: true } }, trap: '$.vars.secret', secret: 's3cret', braces: '{{$.vars.secret}}' },
  run: { id: 'run-1', workflowId: 'wf-1', version: 2, startedAt: '2026-03-01T06:00:00.000Z' },
};

t.test('parseReference reads dot names, indexes and quoted keys', async (t) => {
  t.same(parseReference('$.steps.invoice.output.lines[0]').segments, ['steps', 'invoice', 'output', 'lines', 0]);
  t.same(parseReference("$.trigger.event.payload.doc['due date']").segments, ['trigger', 'event', 'payload', 'doc', 'due date']);
  t.same(parseReference("$.vars['it\\'s']").segments, ['vars', "it's"]);
  t.same(parseReference('$.vars.my-key_2').segments, ['vars', 'my-key_2']);
  t.same(parseReference("$['vars'][3]").segments, ['vars', 3]);
  const refused = ['$', '$.', '$.a.', '$.a[', '$.a[01]', '$.a[-1]', '$.a["x"]', "$.a['x'", '$.a b', '$.a.b()', '$.0', '$.__proto__', '$.a.constructor', "$.a['prototype']", `$.${'a.'.repeat(300)}a`];
  for (const text of refused) {
    let err: unknown;
    try {
      parseReference(text, '/x');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof DoganError && err.code === 'WORKFLOW_REFERENCE_INVALID' && err.extensions?.path === '/x', `refused: ${text.slice(0, 40)}`);
  }
});

t.test('findReferences yields every reference with the pointer of its string', async (t) => {
  const value = {
    to: ['$.vars.customer', 'fixed@example.com'],
    subject: 'Invoice {{$.steps.invoice.output.name}} for {{ $.vars.customer }}',
    'a/b': { deep: [{ x: "$.trigger.event.payload.doc['due date']" }] },
    '$.keys.are.not.references': 1,
    plain: 'price $5, {{name}}',
    n: 3,
  };
  const found = [...findReferences(value, '/steps/0')].map((f) => [f.path, f.reference.text, f.embedded]);
  t.same(found, [
    ['/steps/0/to/0', '$.vars.customer', false],
    ['/steps/0/subject', '$.steps.invoice.output.name', true],
    ['/steps/0/subject', '$.vars.customer', true],
    ['/steps/0/a~1b/deep/0/x', "$.trigger.event.payload.doc['due date']", false],
  ]);
});

t.test('resolveValue: whole references give values, embedded ones give text', async (t) => {
  const out = resolveValue(
    {
      invoice: '$.steps.invoice.output',
      total: '$.vars.total',
      second: '$.trigger.event.payload.doc.items[1].code',
      due: "$.trigger.event.payload.doc['due date']",
      text: 'Invoice {{$.steps.invoice.output.name}} of {{$.vars.total}} ({{$.vars.nested}}) flag={{$.vars.nested.a.b}}',
      list: ['$.vars.customer', 'literal', 7, null, { deep: '$.run.version' }],
    },
    scope,
  );
  t.same(out, {
    invoice: { name: 'SINV-1', customer: 'Acme', lines: [1, 2, 3], empty: null },
    total: 1500,
    second: 'B',
    due: '2026-04-01',
    text: 'Invoice SINV-1 of 1500 ({"a":{"b":true}}) flag=true',
    list: ['Acme', 'literal', 7, null, { deep: 2 }],
  });
});

t.test('a path that leads nowhere resolves to null (and to nothing inside text)', async (t) => {
  t.same(
    resolveValue(
      {
        missing: '$.vars.nope',
        deeper: '$.vars.nope.deeper[3]',
        pastEnd: '$.steps.invoice.output.lines[9]',
        intoString: '$.vars.customer.length',
        indexIntoObject: '$.vars.nested[0]',
        nameIntoArray: '$.steps.invoice.output.lines.length',
        noStep: '$.steps.later.output',
        item: '$.item',
        nullValue: '$.steps.invoice.output.empty',
        text: '[{{$.vars.nope}}][{{$.steps.invoice.output.empty}}]',
      },
      scope,
    ),
    { missing: null, deeper: null, pastEnd: null, intoString: null, indexIntoObject: null, nameIntoArray: null, noStep: null, item: null, nullValue: null, text: '[][]' },
  );
  t.equal(readPath({ a: undefined }, parseReference('$.a')), null, 'undefined reads as null');
});

t.test('resolution is safe: own data only, one pass, copies, keys kept', async (t) => {
  t.equal(resolveValue('$.vars.toString', scope), null, 'no inherited members');
  t.equal(resolveValue('$.vars.hasOwnProperty', scope), null);
  t.equal(resolveValue('$.vars.trap', scope), '$.vars.secret', 'a value that looks like a reference is not read again');
  t.equal(resolveValue('x {{$.vars.braces}} y', scope), 'x {{$.vars.secret}} y', 'embedded text is not read again');
  const copy = resolveValue('$.vars.nested', scope) as { a: { b: boolean } };
  copy.a.b = false;
  t.equal((scope.vars.nested as { a: { b: boolean } }).a.b, true, 'the scope is not changed through a resolved value');
  const withProtoKey = resolveValue(JSON.parse('{"__proto__": {"polluted": "$.vars.customer"}}'), scope) as Record<string, unknown>;
  t.same(Object.keys(withProtoKey), ['__proto__'], '__proto__ stays an own key');
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was touched');
  t.equal(Object.getPrototypeOf(withProtoKey), Object.prototype);
  for (const text of ['$.vars.__proto__', '$.vars.constructor.name', "$.vars['__proto__']"]) {
    let code: string | undefined;
    try {
      resolveValue(text, scope);
    } catch (err) {
      code = (err as DoganError).code;
    }
    t.equal(code, 'WORKFLOW_REFERENCE_INVALID', text);
  }
});

t.test('strings that are not references stay as they are', async (t) => {
  for (const text of ['', '$', '$5', 'US$.50', 'a {{b}} c', '{{ name }}', 'ends with {{', '}} {{$x}}', '{{ $ }}']) t.equal(resolveValue(text, scope), text, JSON.stringify(text));
});

t.test('a string that is exactly {{...}} gives text; without braces it gives the value', async (t) => {
  t.equal(resolveValue('{{$.vars.total}}', scope), '1500');
  t.equal(resolveValue('$.vars.total', scope), 1500);
  t.equal(resolveValue('{{ $.vars.total }}{{$.vars.total}}', scope), '15001500');
});
