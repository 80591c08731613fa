import t from 'tap';
import { DoganError } from '@dogan/runtime';
import { checkFilter, matchesFilter, type EventFilter } from '../../plugins/workflows/src/definition/index.js';

const event = {
  id: 'evt-1',
  type: 'erpnext.sales_invoice.submitted',
  version: 1,
  tenantId: 't-1',
  occurredAt: '2026-03-01T06:00:00.000Z',
  payload: { doc: { name: 'SINV-0042', grand_total: 1500, status: 'Unpaid', tags: ['vip', 'riyadh'], customer: { name: 'Acme', vat: null }, limit: 1000 } },
};

const cases: Array<[string, EventFilter, boolean]> = [
  ['literal equal', { '$.payload.doc.status': 'Unpaid' }, true],
  ['literal not equal', { '$.payload.doc.status': 'Paid' }, false],
  ['no coercion', { '$.payload.doc.grand_total': '1500' }, false],
  ['eq deep', { '$.payload.doc.customer': { eq: { vat: null, name: 'Acme' } } }, true],
  ['eq array', { '$.payload.doc.tags': { eq: ['vip', 'riyadh'] } }, true],
  ['ne', { '$.payload.doc.status': { ne: 'Paid' } }, true],
  ['ne same', { '$.payload.doc.status': { ne: 'Unpaid' } }, false],
  ['gt', { '$.payload.doc.grand_total': { gt: 1000 } }, true],
  ['gt equal', { '$.payload.doc.grand_total': { gt: 1500 } }, false],
  ['gte', { '$.payload.doc.grand_total': { gte: 1500 } }, true],
  ['lt', { '$.payload.doc.grand_total': { lt: 1500 } }, false],
  ['lte', { '$.payload.doc.grand_total': { lte: 1500 } }, true],
  ['strings order', { '$.occurredAt': { gte: '2026-01-01', lt: '2027-01-01' } }, true],
  ['number against string', { '$.payload.doc.status': { gt: 1 } }, false],
  ['range, both hold', { '$.payload.doc.grand_total': { gte: 1000, lt: 2000 } }, true],
  ['range, one fails', { '$.payload.doc.grand_total': { gte: 1000, lt: 1200 } }, false],
  ['in', { '$.payload.doc.status': { in: ['Unpaid', 'Overdue'] } }, true],
  ['in, absent', { '$.payload.doc.status': { in: ['Paid'] } }, false],
  ['nin', { '$.payload.doc.status': { nin: ['Paid', 'Cancelled'] } }, true],
  ['nin, present', { '$.payload.doc.status': { nin: ['Unpaid'] } }, false],
  ['exists', { '$.payload.doc.name': { exists: true } }, true],
  ['exists, missing', { '$.payload.doc.missing': { exists: true } }, false],
  ['exists false, missing', { '$.payload.doc.missing': { exists: false } }, true],
  ['exists, null counts as absent', { '$.payload.doc.customer.vat': { exists: false } }, true],
  ['contains text', { '$.payload.doc.name': { contains: '0042' } }, true],
  ['contains element', { '$.payload.doc.tags': { contains: 'vip' } }, true],
  ['contains, not there', { '$.payload.doc.tags': { contains: 'jeddah' } }, false],
  ['contains on a number', { '$.payload.doc.grand_total': { contains: '15' } }, false],
  ['startsWith', { '$.payload.doc.name': { startsWith: 'SINV-' } }, true],
  ['startsWith, no', { '$.payload.doc.name': { startsWith: 'PINV-' } }, false],
  ['a missing path is null', { '$.payload.nothing.here': null }, true],
  ['every path must hold', { '$.type': 'erpnext.sales_invoice.submitted', '$.payload.doc.status': 'Paid' }, false],
  ['index and quoted key', { "$.payload.doc.tags[1]": 'riyadh', "$.payload['doc'].customer.name": 'Acme' }, true],
  ['operand reference', { '$.payload.doc.grand_total': { gt: '$.payload.doc.limit' } }, true],
  ['operand reference, fails', { '$.payload.doc.limit': { gt: '$.payload.doc.grand_total' } }, false],
  ['operand reference as literal', { '$.payload.doc.customer.name': '$.payload.doc.customer.name' }, true],
];

t.test('matchesFilter: literals and each operator', async (t) => {
  for (const [why, filter, expected] of cases) {
    checkFilter(filter, '/trigger/filter');
    t.equal(matchesFilter(filter, event), expected, why);
  }
});

t.test('matchesFilter reads a run scope the same way (condition steps)', async (t) => {
  const scope = { trigger: { input: { amount: 10 } }, steps: { score: { output: { risk: 0.9 } } }, vars: { threshold: 0.7 }, run: { id: 'r' } };
  t.equal(matchesFilter({ '$.steps.score.output.risk': { gt: '$.vars.threshold' } }, scope), true);
  t.equal(matchesFilter({ '$.trigger.input.amount': { lte: 5 } }, scope), false);
});

t.test('checkFilter refuses what would never work, naming where', async (t) => {
  const refused: Array<[unknown, string, string]> = [
    [[], '/f', 'WORKFLOW_FILTER_INVALID'],
    [{}, '/f', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { like: 'x' } }, '/f/$.a/like', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { gt: 1, regex: '.*' } }, '/f/$.a/regex', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': {} }, '/f/$.a', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': [1] }, '/f/$.a', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { in: 'x' } }, '/f/$.a/in', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { gt: true } }, '/f/$.a/gt', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { exists: 'yes' } }, '/f/$.a/exists', 'WORKFLOW_FILTER_INVALID'],
    [{ '$.a': { startsWith: 3 } }, '/f/$.a/startsWith', 'WORKFLOW_FILTER_INVALID'],
    [{ 'payload.a': 1 }, '/f/payload.a', 'WORKFLOW_REFERENCE_INVALID'],
    [{ '$.a/b': 1 }, '/f/$.a~1b', 'WORKFLOW_REFERENCE_INVALID'],
  ];
  for (const [filter, path, code] of refused) {
    let err: unknown;
    try {
      checkFilter(filter, '/f');
    } catch (e) {
      err = e;
    }
    t.ok(err instanceof DoganError, JSON.stringify(filter));
    t.equal((err as DoganError).code, code, JSON.stringify(filter));
    t.equal((err as DoganError).extensions?.path, path, JSON.stringify(filter));
  }
  t.doesNotThrow(() => checkFilter({ '$.a': { in: '$.vars.allowed' } }, '/f'), 'a reference where an array goes is read at run time');
});

t.test('matchesFilter refuses an operator it does not know rather than guess', async (t) => {
  t.throws(() => matchesFilter({ '$.type': { like: 'x' } } as EventFilter, event));
});
