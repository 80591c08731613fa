import { int } from '@dogan/runtime';

/** The task runner's variables: its guards and how each node works through due tasks. */
export const taskConfigSchema = {
  AGENTS_MAX_STEPS: int({ description: 'Model calls one agent task may make before it is stopped (a task may ask for fewer)', default: 20, min: 1, max: 200 }),
  AGENTS_MAX_DELEGATION_DEPTH: int({ description: 'How many levels down the org chart a task may be delegated', default: 3, min: 0, max: 10 }),
  AGENTS_TASK_TIMEOUT_MS: int({ description: 'Wall-clock time an agent task may run, from its first step, ms', default: 1_800_000, min: 1000, max: 604_800_000 }),
  AGENTS_TENANT_DAILY_COST_HALALAS: int({ description: "Halalas a tenant's agents may spend on models per UTC day; 0: no limit", default: 0, min: 0, max: 1_000_000_000 }),
  AGENTS_REPEAT_LIMIT: int({ description: 'The same tool called with the same arguments this many times in one task is a loop, and stops it', default: 3, min: 2, max: 100 }),
  AGENTS_POLL_INTERVAL_MS: int({ description: 'How often each node looks for agent tasks that are due, ms', default: 1000, min: 10, max: 60_000 }),
  AGENTS_CONCURRENCY: int({ description: 'Agent tasks one node runs at once', default: 8, min: 1, max: 256 }),
  AGENTS_TASK_CLAIM_MS: int({ description: "How long a node's claim on a running agent task holds without renewal; a task whose node died is taken up again after it, ms", default: 60_000, min: 1000, max: 3_600_000 }),
};
