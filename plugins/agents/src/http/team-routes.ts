import type { FastifyInstance, FastifyRequest } from 'fastify';
import { tenantPolicy, type JsonSchemaTypeProvider } from '@dogan/runtime';
import type { Tenant } from '@dogan/tenants';
import type { TeamService } from '../org/team-service.js';
import { bilingual, bilingualChange, key, nullableUuid, tenantParam, tenantParams, uuid } from './schemas.js';
import { teamJson } from './views.js';

const tags = ['agents'];
const read = { config: { policy: tenantPolicy('read') } };
const write = { config: { policy: tenantPolicy('write') } };
const params = { type: 'object', required: ['tenant', 'teamId'], properties: { tenant: tenantParam, teamId: uuid } } as const;
const memberParams = { type: 'object', required: ['tenant', 'teamId', 'agentId'], properties: { tenant: tenantParam, teamId: uuid, agentId: uuid } } as const;
const lead = { ...nullableUuid, description: 'The agent leading the team; null: none' } as const;

/** A tenant's teams of agents: name, department, lead and members (an agent is in one team at most). */
export async function teamRoutes(instance: FastifyInstance, teams: TeamService): Promise<void> {
  const app = instance.withTypeProvider<JsonSchemaTypeProvider>();
  const tenantOf = (request: FastifyRequest) => request.tenant as Tenant;

  app.get('/api/v1/:tenant/agents/teams', { ...read, schema: { tags, summary: "The tenant's teams with their members, oldest first", params: tenantParams } }, async (request) => ({
    items: (await teams.list(tenantOf(request))).map(teamJson),
  }));

  app.post(
    '/api/v1/:tenant/agents/teams',
    {
      ...write,
      schema: {
        tags,
        summary: 'Create a team; add members with PUT .../members/{agentId}',
        params: tenantParams,
        body: { type: 'object', additionalProperties: false, required: ['name', 'department'], properties: { name: bilingual, department: key, lead } },
      },
    },
    async (request, reply) => reply.code(201).send(teamJson(await teams.create(tenantOf(request), request.body))),
  );

  app.get('/api/v1/:tenant/agents/teams/:teamId', { ...read, schema: { tags, summary: 'One team with its members', params } }, async (request) =>
    teamJson(await teams.get(tenantOf(request), request.params.teamId)),
  );

  app.put(
    '/api/v1/:tenant/agents/teams/:teamId',
    {
      ...write,
      schema: {
        tags,
        summary: 'Change a team: fields left out stay; "lead": null leaves it without a lead',
        params,
        body: { type: 'object', additionalProperties: false, minProperties: 1, properties: { name: bilingualChange, department: key, lead } },
      },
    },
    async (request) => teamJson(await teams.update(tenantOf(request), request.params.teamId, request.body)),
  );

  app.delete('/api/v1/:tenant/agents/teams/:teamId', { ...write, schema: { tags, summary: 'Delete a team; its members are then in no team', params } }, async (request, reply) => {
    await teams.delete(tenantOf(request), request.params.teamId);
    return reply.code(204).send();
  });

  app.put(
    '/api/v1/:tenant/agents/teams/:teamId/members/:agentId',
    { ...write, schema: { tags, summary: 'Put an agent in the team (out of the team it was in: an agent is in one team at most)', params: memberParams } },
    async (request) => teamJson(await teams.addMember(tenantOf(request), request.params.teamId, request.params.agentId)),
  );

  app.delete(
    '/api/v1/:tenant/agents/teams/:teamId/members/:agentId',
    { ...write, schema: { tags, summary: 'Take an agent out of the team (404 AGENT_TEAM_MEMBER_NOT_FOUND when it is not in it)', params: memberParams } },
    async (request, reply) => {
      await teams.removeMember(tenantOf(request), request.params.teamId, request.params.agentId);
      return reply.code(204).send();
    },
  );
}
