import { hostname } from 'node:os';
import t from 'tap';
import { withEngine } from '../helpers/engines.js';
import { startTwoNodesAtOnce } from './platform-process.js';

/**
 * Two real platform processes started at the same moment on one empty PostgreSQL database (its own,
 * dropped after): both come up and are ready, the control-plane migrations ran once (one tracking row
 * each), and exactly one node applied them, as its log and the rows' `applied_by` say.
 */

const APPLIED = 'control-plane migration applied';
const EXPECTED = ['agents:0001-agent-task-due', 'billing:0001-initial-tables', 'email:0001-email-send-due', 'email:inbound-0001-imap-due', 'erpnext:0001-erpnext-sync-due', 'events:0001-event-tables', 'ksa:0001-initial-tables', 'marketplace:0001-initial-tables', 'tenants:0001-initial-tables', 'tenants:0002-leases-and-scheduled-jobs', 'tenants:0003-audit-trail', 'webhooks:0001-webhook-due-tenants', 'workflows:0001-workflow-due'];

/** The `plugin:name` of each migration a node's log says it applied. */
function appliedIn(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('{') && line.includes(APPLIED))
    .map((line) => JSON.parse(line) as { msg?: string; migration?: string })
    .filter((entry) => entry.msg === APPLIED)
    .map((entry) => String(entry.migration));
}

await withEngine(t, 'two nodes starting at once on an empty PostgreSQL database run the control-plane migrations once', 'postgresql', async (t, engine) => {
  const nodes = await startTwoNodesAtOnce(t, { DATABASE_URL: engine.env.DATABASE_URL! });
  if (!nodes) return;

  const rows = await engine.controlPlaneRows('SELECT plugin, name, applied_by, recorded_as FROM dogan_control_plane_migrations ORDER BY plugin, name');
  t.same(rows.map((r) => `${String(r.plugin)}:${String(r.name)}`), EXPECTED, 'each migration has exactly one tracking row');
  t.ok(rows.every((r) => r.recorded_as === 'applied'), 'all of them ran (the database was empty): none was taken as a baseline');

  const applied = nodes.map((n) => appliedIn(n.output()));
  const appliers = applied.flatMap((list, i) => (list.length > 0 ? [i] : []));
  t.equal(appliers.length, 1, 'exactly one node logged applying migrations', { applied });
  const applier = appliers[0]!;
  t.same([...applied[applier]!].sort(), EXPECTED, 'that node applied every one of them, each once');
  const node = `${hostname()}/${nodes[applier]!.child.pid}`;
  t.ok(rows.every((r) => r.applied_by === node), `the rows name that node (${node})`, { rows });
});
