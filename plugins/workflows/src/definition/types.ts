/**
 * A workflow definition as a tenant saves it: JSON, validated at save time (validate-definition.ts),
 * versioned (every save of a changed definition is a new version; a run keeps the version it started with).
 *
 * Data passes between steps by references (references.ts): a string that is exactly `$.path` stands for
 * the value at that path; `{{$.path}}` inside a longer string is replaced by the value's text (null and
 * missing as nothing, objects and arrays as JSON). A path is `.name` segments, `[n]` indexes and
 * `['any key']`; nothing else (no functions, no `__proto__`/`constructor`/`prototype`). Any string that
 * starts with `$.` or `$[` must be one valid reference. A path that leads nowhere at run time reads null.
 * Only string values are read as references, never object keys, and a value that came from a reference
 * is never read again. Roots:
 * - `$.trigger`: what started the run (`$.trigger.event` for event triggers: the platform event with
 *   `type`, `payload`...; `$.trigger.body` for webhooks; `$.trigger.input` for manual runs; `$.trigger.dueAt` for schedules);
 * - `$.steps.<id>.output`: a step's output (only steps that have finished before the one reading it on
 *   every path that reaches it: earlier siblings and earlier siblings of its ancestors; not the steps inside
 *   a finished for_each or a condition's branch, which may not have run or ran once per element);
 * - `$.vars.<name>`: variables set by `set` steps;
 * - `$.item` and `$.index`: inside a `for_each` (the innermost), the current element and its position;
 * - `$.run`: `{ id, workflowId, version, startedAt }`.
 */

export const TRIGGER_TYPES = ['event', 'schedule', 'webhook', 'manual'] as const;
export type TriggerType = (typeof TRIGGER_TYPES)[number];

/**
 * A filter (filter.ts): every path must hold a value that satisfies its condition. Paths are references
 * read in the event (trigger filters: `$.type`, `$.payload...`) or in the run scope (condition steps).
 */
export type EventFilter = Record<string, FilterCondition>;
/**
 * A literal (deep equality) or an object of operators, all of which must hold (`{ "gte": 10, "lt": 100 }`):
 * `eq`, `ne` (deep), `gt`, `gte`, `lt`, `lte` (numbers with numbers, strings with strings; else false),
 * `in`, `nin` (an array), `exists` (true: any value but null), `contains` (a substring, or an element of an
 * array), `startsWith` (a string). Operands may be references, read in the same subject. No coercion.
 */
export type FilterCondition = string | number | boolean | null | { readonly [op: string]: unknown };

export type TriggerDefinition =
  /** A platform event of this tenant: exact type or a prefix and `.*` (`erpnext.*`: any type under it); `filter` paths read the event (`$.payload...`, `$.type`). */
  | { readonly type: 'event'; readonly event: string; readonly filter?: EventFilter }
  /**
   * Five-field cron read as wall-clock time in `timeZone` (default: the tenant's timezone, else Asia/Riyadh);
   * refused when it fires at no time within 8 years. Across DST a wall time that does not exist is skipped
   * and one that happens twice fires once, at the first (cron-schedule.ts).
   */
  | { readonly type: 'schedule'; readonly cron: string; readonly timeZone?: string }
  /** `POST /api/webhooks/workflows/{tenant}/{workflowId}` with the workflow's own secret. */
  | { readonly type: 'webhook' }
  | { readonly type: 'manual' };

/**
 * How a failing step is tried again: `maxAttempts` in all (1: no retry), waiting `backoffMs` x `factor`^(attempt-1), at most `maxBackoffMs`.
 * Bounds (limits.ts): maxAttempts 1..10, backoffMs 0..3_600_000, factor 1..10, maxBackoffMs 0..86_400_000.
 */
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
  /** Longest one attempt may take (ms, 100..3_600_000) before it counts as failed; default per step type. */
  readonly timeoutMs?: number;
  /**
   * Runs, newest first, for every step that succeeded when the run fails later: the step's undo. An action
   * step with an id of its own and no compensate of its own; it reads what its step could read, and that
   * step's output (`$.steps.<step id>.output`); inside a for_each only what came before the loop (it runs
   * in the run's scope after the loop moved on: no `$.item`). No other step reads its output.
   */
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

/**
 * Gives an agent a task (by id, or the best agent with `skills`; not both) and waits for its result unless
 * `wait` is false. `mode: 'rules'` needs `input.tool`.
 */
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

/**
 * One ERPNext operation (`get`, `list`, `create`, `update`, `delete`, `submit`, `cancel`) through the tenant's connection.
 * `arguments` as the ERPNext plugin's document operations take them: always `doctype`; `name` for get, update,
 * delete, submit and cancel; `doc` for create; `patch` for update; optional `query` for list and `connection`.
 */
export interface ErpnextStep extends StepBase {
  readonly type: 'erpnext';
  readonly operation: 'get' | 'list' | 'create' | 'update' | 'delete' | 'submit' | 'cancel';
  readonly arguments: Record<string, unknown>;
}

/** Names an email step may give in `to` instead of an address: `billing-contact`, where the tenant's platform notices go. */
export const EMAIL_RECIPIENT_ALIASES: readonly string[] = ['billing-contact'];

/** Sends an email: a tenant template by name with `data` (and `locale`), or `subject` and `text`/`html` (not both ways). */
export interface EmailStep extends StepBase {
  readonly type: 'email';
  /** Addresses (at most 50), references, or an alias of EMAIL_RECIPIENT_ALIASES. */
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

/** Sets variables (`$.vars.<name>`, names `[A-Za-z_][A-Za-z0-9_]{0,62}`) from literals and references. */
export interface SetStep extends StepBase {
  readonly type: 'set';
  readonly values: Record<string, unknown>;
}

/**
 * Waits, by exactly one of: an ISO 8601 duration (`PT2H`), until a date (an ISO 8601 literal or a reference),
 * or N business days (1..60) by the tenant's KSA calendar.
 */
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

/** Runs `then` or `else` (each non-empty when given) by a condition over references: the filter language of event triggers, its paths read in the run scope. */
export interface ConditionStep extends StepBase {
  readonly type: 'condition';
  readonly if: EventFilter;
  readonly then: readonly StepDefinition[];
  readonly else?: readonly StepDefinition[];
}

/**
 * Runs `steps` once per element of the array `items` refers to (`$.item`, `$.index` inside), in order.
 * `items` is one whole reference. The inner steps' outputs are per iteration: steps after the loop read
 * `$.steps.<for_each id>.output`, not theirs.
 */
export interface ForEachStep extends StepBase {
  readonly type: 'for_each';
  readonly items: string;
  readonly steps: readonly StepDefinition[];
  /** Most elements it will take (1..1000); more fails the step (WORKFLOW_FOR_EACH_TOO_MANY). Default 100. */
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
  /** Input of manual runs, as a JSON schema (optional: checked when a run is started by hand; checked against the meta-schema when saved). */
  readonly inputSchema?: Record<string, unknown>;
}
