/**
 * The tools every agent has by its place in the org chart: hand work to a report or a team member
 * (`delegate_task`), or pass the task up to its manager (`escalate`). The runner runs them itself:
 * they change tasks, not the outside world.
 */
export const DELEGATE_TASK = 'delegate_task';
export const ESCALATE = 'escalate';
export const ASK_COWORKER = 'ask_coworker';

export const delegateTaskSpec = {
  name: DELEGATE_TASK,
  description:
    'Hand part of this task to one of your direct reports or a member of a team you lead, and wait for their result. Give their agent id, a short title and what you need from them.',
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['agentId', 'title', 'description'],
    properties: {
      agentId: { type: 'string', minLength: 1, maxLength: 36 },
      title: { type: 'string', minLength: 1, maxLength: 300 },
      description: { type: 'string', maxLength: 10_000 },
    },
  },
};

export const askCoworkerSpec = {
  name: ASK_COWORKER,
  description: 'Ask a coworker in your team or department a question and wait for the answer; they answer it as a small task of their own. Give their agent id and the question.',
  inputSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['agentId', 'question'],
    properties: { agentId: { type: 'string', minLength: 1, maxLength: 36 }, question: { type: 'string', minLength: 1, maxLength: 5000 } },
  },
};

export const escalateSpec = {
  name: ESCALATE,
  description: 'Pass this whole task to your manager, with the reason; use it when the task is outside your role or authority.',
  inputSchema: { type: 'object', additionalProperties: false, required: ['reason'], properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } },
};

/** Whether an agent's tool list allows a tool: exact names, or a family such as `erpnext_*`. */
export function toolAllowed(allowed: readonly string[], name: string): boolean {
  return allowed.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : a === name));
}
