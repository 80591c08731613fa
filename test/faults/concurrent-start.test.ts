import t from 'tap';
import { withEngine } from '../helpers/engines.js';
import { startTwoNodesAtOnce } from './platform-process.js';

/**
 * Two nodes started at the same moment on one empty PostgreSQL database: both bring the schema up
 * to date (control plane with every plugin's tables, the registry's database, which neither finds
 * and both create), and both must come up and be ready. Each round starts from fresh databases, so
 * the race is run again rather than found already settled. Before the schema lock, most rounds
 * ended with one node exiting PLUGIN_INIT_FAILED: `relation "..." already exists`.
 */

const ROUNDS = 3;

for (let round = 1; round <= ROUNDS; round++) {
  await withEngine(t, `two nodes starting at once on an empty database both come up (round ${round})`, 'postgresql', async (t, engine) => {
    // The registry's database does not exist yet: both nodes create it.
    const registry = new URL(engine.env.DATABASE_URL!);
    registry.pathname += '_registry';
    // Separate data dirs, as on separate machines: only the databases are shared.
    await startTwoNodesAtOnce(t, { DATABASE_URL: engine.env.DATABASE_URL!, REGISTRY_DATABASE_URL: registry.toString() });
    const tables = await engine.controlPlaneRows("SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'tenants'");
    t.equal(tables[0]?.n, 1, 'the control plane has its tenants table once');
  });
}

// Embedded mode: one process per SQLite file is the design, but two started on one data dir must not fail either.
await withEngine(t, 'two processes starting at once on one SQLite data dir both come up', 'sqlite', async (t, engine) => {
  await startTwoNodesAtOnce(t, { ...engine.env });
});
