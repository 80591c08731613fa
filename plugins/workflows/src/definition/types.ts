/**
 * A workflow definition as a tenant saves it: JSON, validated at save time (definition-validator.ts),
 * versioned (every save of a changed definition is a new version; a run keeps the version it started with).
 *
 * Data passes between steps by references: a string that is exactly `$.path` stands for the value at
 * that path; `{{$.path}}` inside a longer string is replaced by the value's text. Roots:
 * - `$.trigger`: what started the run (`$.trigger.event` for event triggers: the platform event with
 *   `type`, `payload`...; `$.trigger.body` for webhooks; `$.trigger.input` for manual runs; `$.trigger.dueAt` for schedules);
 * - `$.steps.<id>.output`: a step's output (only steps that run before the one reading it);
 * - `$.vars.<name>`: variables set by `set` steps;
 * - `$.item` and `$.index`: inside a `for_each`, the current element and its position;
 * - `$.run`: `{ id, workflowId, version, startedAt }`.
 */

export const TRIGGER_TYPES = ['event', 'schedule', 'webhook', 'manual'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/** A filter on the event: every path must hold a value that satisfies its condition. */
export type EventFilter = Record<string, FilterCondition>;
/** A literal (equality) or one operator: `{ "eq": x }`, `{ "ne": x }`, `{ "gt": n }`, `{ "gte": n }`, `{ "lt": n }`, `{ "lte": n }`, `{ "in": [..] }`, `{ "exists": bool }`, `{ "contains": s }`. */
export type FilterCondition = string | number | boolean | null | { readonly [op: string]: unknown };

export type TriggerDefinition =
  /** A platform event of this tenant: exact type or `family.*`; `filter` paths are `$.payload...`/`$.type`. */
  | { readonly type: 'event'; readonly event: string; readonly filter?: EventFilter }
  /** Five-field cron read in `timeZone` (default: the tenant's timezone, else Asia/Riyadh). */
  | { readonly type: 'schedule'; readonly cron: string; readonly timeZone?: string }
  /** `POST /api/webhooks/workflows/{tenant}/{workflowId}` with the workflow's own secret. */
  | { readonly type: 'webhook' }
  | { readonly type: 'manual' };

/** How a failing step is tried again: `maxAttempts` in all (1: no retry), waiting `backoffMs` x `factor`^(attempt-1), at most `maxBackoffMs`. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffMs?: number;
  readonly factor?: number;
  readonly maxBackoffMs?: number;
}

interface StepBase {
  /** Unique in the definition (nested steps included): `[a-z][a-z0-9_]{0,62}`. */
  readonly id: string;
  readonly name?: string;
  readonly retry?: RetryPolicy;
  /** Longest one attempt may take (ms) before it counts as failed; default per step type. */
  readonly timeoutMs?: number;
  /** Runs, newest first, for every step that succeeded when the run fails later: the step's undo. */
  readonly compensate?: ActionStep;
}

/** Calls one route of an installed module, in its sandbox with the tenant's grants. */
export interface ModuleRouteStep extends StepBase {
  readonly type: 'module_route';
  readonly module: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, unknown>;
  readonly body?: unknown;
}

/** Calls one agent tool a module offers (needs the module's `agent-tools` grant). */
export interface ModuleToolStep extends StepBase {
  readonly type: 'module_tool';
  readonly module: string;
  readonly tool: string;
  readonly arguments?: Record<string, unknown>;
}

/** Gives an agent a task (by id, or the best agent with `skills`) and waits for its result unless `wait` is false. */
export interface AgentTaskStep extends StepBase {
  readonly type: 'agent_task';
  readonly agent?: string;
  readonly skills?: readonly string[];
  readonly title: string;
  readonly description?: string;
  readonly input?: Record<string, unknown>;
  readonly mode?: 'llm' | 'rules';
  readonly wait?: boolean;
}

/** One ERPNext operation (`get`, `list`, `create`, `update`, `delete`, `submit`, `cancel`) through the tenant's connection. */
export interface ErpnextStep extends StepBase {
  readonly type: 'erpnext';
  readonly operation: 'get' | 'list' | 'create' | 'update' | 'delete' | 'submit' | 'cancel';
  readonly arguments: Record<string, unknown>;
}

/** Sends an email: a tenant template by name with `data`, or `subject` and `text`/`html`. */
export interface EmailStep extends StepBase {
  readonly type: 'email';
  readonly to: string | readonly string[];
  readonly template?: string;
  readonly locale?: 'ar' | 'en';
  readonly data?: Record<string, unknown>;
  readonly subject?: string;
  readonly text?: string;
  readonly html?: string;
}

/** An HTTP request through the SSRF guard (public addresses only). */
export interface HttpStep extends StepBase {
  readonly type: 'http';
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: unknown;
}

/** Sets variables (`$.vars.<name>`) from literals and references. */
export interface SetStep extends StepBase {
  readonly type: 'set';
  readonly values: Record<string, unknown>;
}

/** Waits: an ISO 8601 duration (`PT2H`), until a date (literal or reference), or N business days by the tenant's KSA calendar. */
export interface WaitStep extends StepBase {
  readonly type: 'wait';
  readonly duration?: string;
  readonly until?: string;
  readonly businessDays?: number;
}

/** Waits for a person to approve or reject; rejected fails the step (WORKFLOW_APPROVAL_REJECTED). */
export interface ApprovalStep extends StepBase {
  readonly type: 'approval';
  readonly title: string;
  readonly description?: string;
  /** Rejects by itself after this ISO 8601 duration when nobody decides. */
  readonly expiresAfter?: string;
}

/** Runs `then` or `else` by a condition over references (the filter language of event triggers). */
export interface ConditionStep extends StepBase {
  readonly type: 'condition';
  readonly if: EventFilter;
  readonly then: readonly StepDefinition[];
  readonly else?: readonly StepDefinition[];
}

/** Runs `steps` once per element of the array `items` refers to (`$.item`, `$.index` inside), in order. */
export interface ForEachStep extends StepBase {
  readonly type: 'for_each';
  readonly items: string;
  readonly steps: readonly StepDefinition[];
  /** Most elements it will take; more fails the step (WORKFLOW_FOR_EACH_TOO_MANY). Default 100. */
  readonly maxItems?: number;
}

/** Steps with a side effect or a result of their own (what `compensate` may be). */
export type ActionStep = ModuleRouteStep | ModuleToolStep | AgentTaskStep | ErpnextStep | EmailStep | HttpStep | SetStep;
export type StepDefinition = ActionStep | WaitStep | ApprovalStep | ConditionStep | ForEachStep;
export type StepType = StepDefinition['type'];

export const STEP_TYPES: readonly StepType[] = ['module_route', 'module_tool', 'agent_task', 'erpnext', 'email', 'http', 'set', 'wait', 'approval', 'condition', 'for_each'];

/** The JSON a tenant saves. */
export interface WorkflowDefinition {
  readonly name: string;
  readonly description?: string;
  readonly trigger: TriggerDefinition;
  readonly steps: readonly StepDefinition[];
  /** Input of manual runs, as a JSON schema (optional: checked when a run is started by hand). */
  readonly inputSchema?: Record<string, unknown>;
}
