import type { Agent } from '../org/agent.js';
import type { OrgTreeNode } from '../org/org-chart.js';
import type { TeamView } from '../org/team-service.js';

const iso = (ms: number) => new Date(ms).toISOString();

/** An agent as the API shows it; `team` and `manager` are ids, as a PUT takes them. */
export function agentJson(a: Agent) {
  return {
    id: a.id,
    name: a.name,
    title: a.title,
    role: a.role,
    department: a.department,
    team: a.teamId,
    manager: a.managerId,
    skills: a.skills,
    status: a.status,
    goal: a.goal,
    persona: a.persona,
    llmProfile: a.llmProfile,
    tools: a.tools,
    workingHours: a.workingHours,
    createdAt: iso(a.createdAt),
    updatedAt: iso(a.updatedAt),
  };
}

/** An agent in the org chart: who it is, without its long texts. */
export function agentSummaryJson(a: Agent) {
  return { id: a.id, name: a.name, title: a.title, role: a.role, department: a.department, team: a.teamId, manager: a.managerId, status: a.status };
}

type OrgNodeJson = ReturnType<typeof agentSummaryJson> & { reports: OrgNodeJson[] };

export function orgNodeJson(node: OrgTreeNode<Agent>): OrgNodeJson {
  return { ...agentSummaryJson(node.item), reports: node.reports.map(orgNodeJson) };
}

export function teamJson({ team, members }: TeamView) {
  return {
    id: team.id,
    name: team.name,
    department: team.department,
    lead: team.leadId,
    members,
    createdAt: iso(team.createdAt),
    updatedAt: iso(team.updatedAt),
  };
}
