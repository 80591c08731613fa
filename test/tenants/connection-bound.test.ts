import pg from 'pg';
import t from 'tap';
import { POSTGRES_ADMIN_URL, withEngine } from '../helpers/engines.js';
import { ADMIN, createTenant, startTenantKernel } from './fixtures/tenant-kernel.js';

/** Samples, every few milliseconds, how many connections the role holds to tenant databases. */
async function watchConnections(role: string) {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  const samples: number[] = [];
  let running = true;
  const loop = (async () => {
    while (running) {
      const res = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE usename = $1 AND datname LIKE 'dogan_tenant_%'", [role]);
      samples.push(Number(res.rows[0]!.n));
      await new Promise((r) => setTimeout(r, 2));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      await client.end();
      return samples;
    },
  };
}

void withEngine(t, 'open tenant connections never exceed TENANT_ORM_CACHE_SIZE x TENANT_DB_POOL_MAX (postgresql)', 'postgresql', async (t, engine) => {
  const CACHE = 3;
  const POOL = 1;
  const { kernel, api } = await startTenantKernel(t, engine, { env: { TENANT_ORM_CACHE_SIZE: String(CACHE), TENANT_DB_POOL_MAX: String(POOL) } });
  const names = Array.from({ length: 10 }, (_, i) => `bound-${i}`);
  for (const subdomain of names) await createTenant(t, kernel, { name: subdomain, subdomain });
  const role = new URL(engine.env.DATABASE_URL!).username;

  // Cold opens one after another, then in pairs (fewer at once than the cache holds), twice over.
  const watcher = await watchConnections(role);
  for (let round = 0; round < 2; round++) {
    for (const subdomain of names) {
      const res = await kernel.app.inject({ url: `/api/v1/${subdomain}/notes`, headers: ADMIN });
      t.equal(res.statusCode, 200);
    }
    for (let i = 0; i < names.length; i += 2) {
      const pair = await Promise.all(names.slice(i, i + 2).map((s) => kernel.app.inject({ url: `/api/v1/${s}/notes`, headers: ADMIN })));
      t.same(pair.map((r) => r.statusCode), [200, 200]);
    }
  }
  const samples = await watcher.stop();
  t.ok(samples.length > 20, `sampled ${samples.length} times`);
  t.ok(Math.max(...samples) <= CACHE * POOL, `at most ${Math.max(...samples)} connections (bound ${CACHE * POOL})`);
  t.ok(Math.max(...samples) >= 1, 'the watcher saw the connections');
  t.ok(api.databases.openCount <= CACHE);
});
