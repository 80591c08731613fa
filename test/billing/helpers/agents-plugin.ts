import { definePlugin, isDoganError, sendProblem, type TenantMigration } from '@dogan/runtime';
import { tenantsApiRef } from '@dogan/tenants';
import { billingServiceRef } from '../../../plugins/billing/src/index.js';

/**
 * A stand-in for the agents plugin that does not exist yet: an `agents` table in every tenant
 * database and a route that creates rows, asking billing first whether the plan allows one more.
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
  dependencies: { tenants: '^0.1.0', billing: '^0.1.0' },
  consumes: [tenantsApiRef, billingServiceRef],
  tenantMigrations: [createAgents],
  async routes(app, ctx) {
    const api = ctx.services.get(tenantsApiRef);
    const billing = ctx.services.get(billingServiceRef);
    await app.register(async (scope) => {
      scope.addHook('preHandler', api.tenantPreHandler);
      scope.post(
        '/api/v1/:tenant/agents',
        { schema: { body: { type: 'object', required: ['id', 'name'], properties: { id: { type: 'string', pattern: '^[a-z0-9-]{1,64}$' }, name: { type: 'string' } } } } },
        async (request, reply) => {
          const tenant = request.tenant!;
          const em = await api.databases.em(tenant);
          const conn = em.getConnection();
          const count = Number(((await conn.execute('SELECT COUNT(*) AS n FROM agents')) as Array<{ n: unknown }>)[0]!.n);
          try {
            await billing.assertWithinLimit(tenant, 'agents', count);
          } catch (err) {
            if (isDoganError(err)) return sendProblem(reply, err);
            throw err;
          }
          const body = request.body as { id: string; name: string };
          await conn.execute('INSERT INTO agents (id, name) VALUES (?, ?)', [body.id, body.name]);
          return reply.code(201).send({ id: body.id, name: body.name });
        },
      );
      scope.get('/api/v1/:tenant/ping', async () => ({ pong: true }));
    });
  },
});
