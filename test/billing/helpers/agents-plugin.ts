import { definePlugin, isDoganError, sendProblem, tenantPolicy, type TenantMigration } from '@dogan/runtime';
import { tenantsApiRef, usageCountersRef } from '@dogan/tenants';
import { billingServiceRef } from '../../../plugins/billing/src/index.js';

/**
 * A stand-in for the agents plugin that does not exist yet: an `agents` table in every tenant
 * database, a usage counter of its rows for billing, and a route that creates rows, asking billing
 * first whether the plan allows one more. Billing is optional, as it would be for the real plugin.
 */
const createAgents: TenantMigration = {
  name: '0001-create-agents',
  async up({ execute }) {
    await execute('CREATE TABLE agents (id varchar(64) PRIMARY KEY, name varchar(200) NOT NULL)');
  },
};

export const agentsTestPlugin = definePlugin({
  name: 'agents-test',
  version: '1.0.0',
  kernel: '^0.1.0',
  deps: { tenants: tenantsApiRef },
  optionalDeps: { billing: billingServiceRef, usage: usageCountersRef },
  tenantMigrations: [createAgents],
  init(ctx) {
    const { tenants, usage } = ctx.deps;
    usage?.register({
      metric: 'agents',
      async count(tenant) {
        const rows = await (await tenants.data.of(tenant)).query<{ n: number | string }>('SELECT COUNT(*) AS n FROM agents');
        return Number(rows[0]?.n ?? 0);
      },
    });
  },
  async routes(app, ctx) {
    const { tenants, billing } = ctx.deps;
    await app.register(async (scope) => {
      scope.post(
        '/api/v1/:tenant/agents',
        { config: { policy: tenantPolicy('write') }, schema: { body: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, name: { type: 'string' } } } } },
        async (request, reply) => {
          const tenant = request.tenant!;
          try {
            // Billing counts the agents through the counter registered above.
            await billing?.assertWithinLimit(tenant, 'agents');
          } catch (err) {
            if (isDoganError(err)) return sendProblem(reply, err);
            throw err;
          }
          const body = request.body as { id: string; name: string };
          await (await tenants.data.of(tenant)).run('INSERT INTO agents (id, name) VALUES (?, ?)', [body.id, body.name]);
          return reply.code(201).send({ id: body.id, name: body.name });
        },
      );
      scope.get('/api/v1/:tenant/ping', { config: { policy: tenantPolicy('read') } }, async () => ({ pong: true }));
    });
  },
});
