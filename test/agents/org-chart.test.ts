import t from 'tap';
import { canDelegate, defaultOrg, findCycle, MAX_ORG_DEPTH, maxDepth, OrgChart, type OrgLink } from '@dogan/plugin-agents';
import { withManagers } from '../../plugins/agents/src/org/org-chart.js';
import { checkWorkingHours } from '../../plugins/agents/src/org/working-hours.js';

/**
 *        gm
 *      /    \
 *   sales   support
 *   /  \        \
 *  s1  s2       p1
 *  |
 *  s3
 */
const links: OrgLink[] = [
  { id: 'gm', managerId: null },
  { id: 'sales', managerId: 'gm' },
  { id: 'support', managerId: 'gm' },
  { id: 's1', managerId: 'sales' },
  { id: 's2', managerId: 'sales' },
  { id: 'p1', managerId: 'support' },
  { id: 's3', managerId: 's1' },
];
const ids = (items: readonly OrgLink[]) => items.map((i) => i.id);

t.test('reports: direct ones, and all of them level by level', async (t) => {
  const chart = new OrgChart(links);
  t.same(ids(chart.directReports('gm')), ['sales', 'support']);
  t.same(ids(chart.directReports('s2')), []);
  t.same(ids(chart.allReports('gm')), ['sales', 'support', 's1', 's2', 'p1', 's3'], 'breadth first: a level before the next');
  t.same(ids(chart.allReports('sales')), ['s1', 's2', 's3']);
  t.same(ids(chart.allReports('nobody')), []);
});

t.test('the chain runs from the manager to the top', async (t) => {
  const chart = new OrgChart(links);
  t.same(ids(chart.chain('s3')), ['s1', 'sales', 'gm']);
  t.same(ids(chart.chain('gm')), [], 'the top has none');
  t.same(ids(chart.chain('nobody')), []);
});

t.test('the tree: roots without a manager, and with a filter, those whose manager is left out', async (t) => {
  const chart = new OrgChart(links);
  const shape = (nodes: ReturnType<typeof chart.tree>): unknown => nodes.map((n) => ({ [n.item.id]: shape(n.reports) }));
  t.same(shape(chart.tree()), [{ gm: [{ sales: [{ s1: [{ s3: [] }] }, { s2: [] }] }, { support: [{ p1: [] }] }] }]);
  const sales = new Set(['sales', 's1', 's2', 's3']);
  t.same(shape(chart.tree((i) => sales.has(i.id))), [{ sales: [{ s1: [{ s3: [] }] }, { s2: [] }] }], "a department's head is its root");
  t.same(shape(chart.tree((i) => i.id === 's3' || i.id === 'p1')), [{ p1: [] }, { s3: [] }], 'in the order given, not the order of the ids');
});

t.test('links a bug left in a cycle cannot make any walk loop', async (t) => {
  const looped = new OrgChart([
    { id: 'a', managerId: 'b' },
    { id: 'b', managerId: 'a' },
    { id: 'c', managerId: 'a' },
  ]);
  t.same(ids(looped.chain('c')), ['a', 'b']);
  t.same(ids(looped.allReports('a')), ['b', 'c']);
  const tree = looped.tree();
  t.equal(tree.length, 1, 'the cycle still appears, as a root');
  t.same(findCycle(looped.items()), ['a', 'b', 'a']);
});

t.test('a cycle is found where a change would close one, and named from the agent changed', async (t) => {
  t.equal(findCycle(links), null, 'the chart has none');
  t.same(findCycle(withManagers(links, new Map([['gm', 's3']])), ['gm']), ['gm', 's3', 's1', 'sales', 'gm']);
  t.same(findCycle(withManagers(links, new Map([['sales', 'sales']])), ['sales']), ['sales', 'sales'], 'reporting to oneself is a cycle too');
  t.equal(findCycle(withManagers(links, new Map([['s3', 'gm']])), ['s3']), null, 'moving up is fine');
  t.equal(findCycle(withManagers(links, new Map([['s1', null]])), ['s1']), null, 'clearing a manager is fine');
  // Deleting sales and giving its reports to s1 would make s1 report to itself.
  t.same(findCycle(withManagers(links, new Map([['s1', 's1'], ['s2', 's1']]), new Set(['sales'])), ['s1', 's2']), ['s1', 's1']);
  t.same(findCycle(withManagers(links, new Map([['s1', 's3'], ['s2', 's3']]), new Set(['sales'])), ['s1', 's2']), ['s1', 's3', 's1'], 'nor to one of its own reports');
});

t.test('depth counts the managers above the deepest agent', async (t) => {
  t.equal(maxDepth(links), 3);
  t.equal(maxDepth([{ id: 'solo', managerId: null }]), 0);
  t.equal(maxDepth([]), 0);
  const line = Array.from({ length: MAX_ORG_DEPTH + 2 }, (_, i) => ({ id: `a${i}`, managerId: i === 0 ? null : `a${i - 1}` }));
  t.equal(maxDepth(line), MAX_ORG_DEPTH + 1);
  t.equal(maxDepth([...line].reverse()), MAX_ORG_DEPTH + 1, 'whatever the order of the links');
  t.equal(new OrgChart(line).chain(`a${MAX_ORG_DEPTH + 1}`).length, MAX_ORG_DEPTH, 'walks stop at the bound');
});

t.test('delegation: down to a direct report or a member of a led team, up to the own manager', async (t) => {
  const agent = (id: string, managerId: string | null, teamId: string | null = null) => ({ id, managerId, teamId });
  const lead = (teamId: string) => (teamId === 'sales-team' ? 'sales' : null);
  const gm = agent('gm', null);
  const sales = agent('sales', 'gm', 'sales-team');
  const s1 = agent('s1', 'sales', 'sales-team');
  const s3 = agent('s3', 's1');
  const peer = agent('peer', 'support', 'sales-team');
  const support = agent('support', 'gm');
  t.ok(canDelegate(gm, sales, lead), 'to a direct report');
  t.ok(canDelegate(sales, peer, lead), 'to a member of a team it leads, reporting elsewhere');
  t.ok(canDelegate(s1, sales, lead), 'escalation to its manager');
  t.notOk(canDelegate(gm, s1, lead), 'not past a level');
  t.notOk(canDelegate(sales, s3, lead), 'nor to a report of a report');
  t.notOk(canDelegate(sales, support, lead), 'nor sideways');
  t.notOk(canDelegate(s1, gm, lead), "nor to its manager's manager");
  t.notOk(canDelegate(sales, sales, lead), 'nor to itself');
});

t.test('working hours: ordered Sunday first, refused when they make no sense', async (t) => {
  const checked = checkWorkingHours({
    days: [
      { day: 4, start: '13:00', end: '17:00' },
      { day: 7, start: '09:00', end: '17:00' },
      { day: 4, start: '09:00', end: '12:00' },
      { day: 5, start: '20:00', end: '24:00' },
    ],
  });
  t.same(checked, {
    timezone: null,
    days: [
      { day: 7, start: '09:00', end: '17:00' },
      { day: 4, start: '09:00', end: '12:00' },
      { day: 4, start: '13:00', end: '17:00' },
      { day: 5, start: '20:00', end: '24:00' },
    ],
  });
  const refused = (days: Array<{ day: number; start: string; end: string }>) => t.throws(() => checkWorkingHours({ timezone: 'Asia/Riyadh', days }), { code: 'AGENT_WORKING_HOURS_INVALID' });
  refused([{ day: 1, start: '17:00', end: '09:00' }]);
  refused([{ day: 1, start: '09:00', end: '09:00' }]);
  refused([{ day: 1, start: '24:00', end: '24:00' }]);
  refused([{ day: 1, start: '9:00', end: '17:00' }]);
  refused([{ day: 8, start: '09:00', end: '17:00' }]);
  refused([
    { day: 2, start: '09:00', end: '13:00' },
    { day: 2, start: '12:00', end: '17:00' },
  ]);
  refused([]);
});

t.test('the default org by plan: two agents on Starter, a managed org with two teams above it', async (t) => {
  const starter = defaultOrg('starter');
  t.same(starter.agents.map((a) => a.role), ['sales_agent', 'support_agent']);
  t.same(starter.teams, []);
  t.ok(starter.agents.every((a) => a.manager === undefined && a.team === undefined));
  for (const plan of ['professional', 'enterprise']) {
    const org = defaultOrg(plan);
    t.same(org.agents.map((a) => [a.role, a.manager ?? null, a.team ?? null]), [
      ['general_manager', null, null],
      ['sales_manager', 'general_manager', 'sales'],
      ['support_lead', 'general_manager', 'support'],
      ['sales_agent', 'sales_manager', 'sales'],
      ['support_agent', 'support_lead', 'support'],
    ]);
    t.same(org.teams.map((team) => [team.key, team.lead]), [['sales', 'sales_manager'], ['support', 'support_lead']]);
  }
  const names = defaultOrg('professional').agents.map((a) => a.name);
  t.ok(names.some((n) => n.ar === 'أحمد آل سعود' && n.en === 'Ahmed Al-Saud'));
  t.ok(names.every((n) => /[\u0600-\u06FF]/.test(n.ar) && /^[A-Za-z' -]+$/.test(n.en)), 'every name in Arabic and English');
});
