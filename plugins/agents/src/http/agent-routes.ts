import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { OrgService } from '../org/org-service.js';
import { agentProperties, bilingualChange, key, skill, status, tenantParam, tenantParams, uuid } from './schemas.js';
import { agentJson, orgNodeJson } from './views.js';

const tags = ['agents'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
const params = { type: 'object', required: ['tenant', 'agentId'], properties: { tenant: tenantParam, agentId: uuid } } as const;

/** A tenant's employee agents and their management lines: the list, one agent, its reports and chain, the org chart. */
export async function agentRoutes(instance: FastifyInstance, org: OrgService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.get(
    '/api/v1/:tenant/agents',
    {
      ...read,
      schema: {
        tags,
        summary: "The tenant's agents, oldest first, filtered by department, team, status, role and skill",
        params: tenantParams,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            department: key,
            team: uuid,
            status,
            role: key,
            skill,
            page: { type: 'integer', minimum: 1, maximum: 100_000, default: 1 },
            perPage: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
          },
        },
      },
    },
    async (request) => {
      const { page, perPage, ...filter } = request.query;
      const { items, total } = await org.page(tenantOf(request), filter, { limit: perPage, offset: (page - 1) * perPage });
      return { items: items.map(agentJson), total, page, perPage };
    },
  );

  app.post(
    '/api/v1/:tenant/agents',
    {
      ...write,
      schema: {
        tags,
        summary: "Create an agent; it counts against the plan's agent limit (403 PLAN_LIMIT_REACHED at the limit)",
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['name', 'title', 'role', 'department'], properties: agentProperties },
      },
    },
    async (request, reply) => reply.code(201).send(agentJson(await org.create(tenantOf(request), request.body))),
  );

  app.get(
    '/api/v1/:tenant/agents/org-chart',
    {
      ...read,
      schema: {
        tags,
        summary: 'The org chart as a tree of agents and their reports; with ?department= that department only (an agent whose manager is elsewhere is a root)',
        params: tenantParams,
        querystring: { type: 'object', additionalProperties: false, properties: { department: key } },
      },
    },
    async (request) => ({ department: request.query.department ?? null, roots: (await org.orgChart(tenantOf(request), request.query.department)).map(orgNodeJson) }),
  );

  app.get('/api/v1/:tenant/agents/:agentId', { ...read, schema: { tags, summary: 'One agent', params } }, async (request) => agentJson(await org.get(tenantOf(request), request.params.agentId)));

  app.put(
    '/api/v1/:tenant/agents/:agentId',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change an agent: fields left out stay; "manager": null and "team": null clear the links; a manager that would close a cycle is refused',
        params,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { ...agentProperties, name: bilingualChange, title: bilingualChange } },
      },
    },
    async (request) => agentJson(await org.update(tenantOf(request), request.params.agentId, request.body)),
  );

  app.delete(
    '/api/v1/:tenant/agents/:agentId',
    {
      ...write,
      schema: {
        tags,
        summary: 'Delete an agent; one that manages agents or leads teams is refused (409 AGENT_HAS_DEPENDENTS) unless ?reassignTo= names who takes them over',
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { reassignTo: uuid } },
      },
    },
    async (request, reply) => {
      await org.delete(tenantOf(request), request.params.agentId, request.query.reassignTo);
      return reply.code(204).send();
    },
  );

  app.get(
    '/api/v1/:tenant/agents/:agentId/reports',
    {
      ...read,
      schema: {
        tags,
        summary: 'The agents reporting to an agent: direct reports, or with ?all=true everyone below it, level by level',
        params,
        querystring: { type: 'object', additionalProperties: false, properties: { all: { type: 'boolean', default: false } } },
      },
    },
    async (request) => ({ items: (await org.reports(tenantOf(request), request.params.agentId, request.query.all)).map(agentJson) }),
  );

  app.get('/api/v1/:tenant/agents/:agentId/chain', { ...read, schema: { tags, summary: "An agent's management chain: its manager first, up to the top", params } }, async (request) => ({
    items: (await org.chain(tenantOf(request), request.params.agentId)).map(agentJson),
  }));
}
