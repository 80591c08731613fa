import { defineErrors } from '@dogan/runtime';

/**
 * The agents plugin's error table; codes are stable for clients and tests. Problems that name agents
 * carry them as extensions too (`cycle`, `reports`, `teams`: `{ id, name }` lists) for UIs to show.
 */
export const AgentErrors = defineErrors({
  AGENT_NOT_FOUND: { status: 404, title: 'Agent not found', message: 'No agent "%s" for this tenant' },
  AGENT_TEAM_NOT_FOUND: { status: 404, title: 'Team not found', message: 'No team "%s" for this tenant' },
  AGENT_TEAM_MEMBER_NOT_FOUND: { status: 404, title: 'Not a member of the team', message: 'Agent "%s" is not a member of team "%s"' },
  // References in a body or query to what this tenant does not have (another tenant's ids among them).
  AGENT_MANAGER_UNKNOWN: { status: 400, title: 'Unknown manager', message: 'No agent "%s" for this tenant to be the manager; give the id of one of its agents, or null' },
  AGENT_TEAM_UNKNOWN: { status: 400, title: 'Unknown team', message: 'No team "%s" for this tenant; give the id of one of its teams, or null' },
  AGENT_LEAD_UNKNOWN: { status: 400, title: 'Unknown team lead', message: 'No agent "%s" for this tenant to lead the team; give the id of one of its agents, or null' },
  AGENT_REASSIGN_TARGET_UNKNOWN: { status: 400, title: 'Unknown agent to reassign to', message: 'No agent "%s" for this tenant to take over the reports and teams' },
  AGENT_REASSIGN_TO_SELF: { status: 400, title: 'Cannot reassign to the agent deleted', message: 'Agent "%s" cannot take over its own reports and teams; give ?reassignTo= another agent' },
  AGENT_WORKING_HOURS_INVALID: { status: 400, title: 'Invalid working hours', message: 'The working hours %s; give windows like {"day": 7, "start": "09:00", "end": "17:00"}, or null for the tenant\'s calendar' },
  // The org chart's rules.
  AGENT_MANAGER_CYCLE: {
    status: 409,
    title: 'Management cycle',
    message: 'This change would make a management cycle: %s (each reports to the next); an agent cannot report to itself or to one of its own reports',
  },
  AGENT_HIERARCHY_TOO_DEEP: { status: 409, title: 'Hierarchy too deep', message: 'This change would put %s managers above an agent; at most %s are allowed' },
  AGENT_HAS_DEPENDENTS: {
    status: 409,
    title: 'Agent still manages others',
    message: 'Agent "%s" still %s; delete it with ?reassignTo=<agentId> to move them to another agent, or move them first',
  },
  AGENT_LIMIT_REACHED: { status: 409, title: 'Too many agents', message: 'A tenant may have at most %s agents; delete one first' },
  AGENT_TEAM_LIMIT_REACHED: { status: 409, title: 'Too many teams', message: 'A tenant may have at most %s teams; delete one first' },
});
