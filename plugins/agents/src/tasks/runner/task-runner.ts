import { randomUUID } from 'node:crypto';
import type { AgentTool, DoganError } from '@dogan/runtime';
import type { SqlSession, Tenant, TenantsApi } from '@dogan/tenants';
import type { Logger } from 'pino';
import { ApprovalStore } from '../approval-store.js';
import { StepStore, type StepRecord } from '../step-store.js';
import { FAILURE } from '../task-errors.js';
import { TaskStore, type TaskRecord } from '../task-store.js';
import { argumentProblems } from './arguments.js';
import { ASK_COWORKER, askCoworkerSpec, DELEGATE_TASK, delegateTaskSpec, ESCALATE, escalateSpec, toolAllowed } from './builtin-tools.js';
import { conversationOf, systemPrompt } from './conversation.js';
import type { ModelToolCall, RunnerAgent, RunnerModels, RunnerOrg, RunnerTools } from './ports.js';

export interface RunnerLimits {
  /** Model calls one task may make. */
  readonly maxSteps: number;
  readonly maxDelegationDepth: number;
  /** Wall clock from the first run to the end. */
  readonly taskTimeoutMs: number;
  /** Halalas a tenant's tasks may spend per UTC day; 0: no limit. */
  readonly tenantDailyCost: number;
  /** The same tool with the same arguments this many times in one task is a loop. */
  readonly repeatLimit: number;
}

export interface TaskRunnerDeps {
  readonly tenants: TenantsApi;
  readonly org: RunnerOrg;
  readonly models: RunnerModels;
  readonly tools: RunnerTools;
  readonly limits: RunnerLimits;
  /** Called when a task ends: its parent (if any) resumes. */
  readonly ended: (tenant: Tenant, task: TaskRecord) => Promise<void>;
  /** Called when a task has work due (a child created, an approval decided). */
  readonly due: (tenant: Tenant) => Promise<void>;
  /** How long a claim on a task holds without renewal (AGENTS_TASK_CLAIM_MS); renewed around every step. */
  readonly claimMs: number;
  readonly log: Logger;
}

/** What one pass through a task decided: stop here and wait, or it ended. */
type Outcome = { kind: 'wait'; nextRunAt: number | null } | { kind: 'ended' };

interface Run {
  readonly tenant: Tenant;
  readonly db: SqlSession;
  readonly token: string;
  task: TaskRecord;
  agent: RunnerAgent;
  tools: Map<string, AgentTool>;
}

/**
 * Runs an agent task: the model is asked, its tool calls run one by one, their results go back, until
 * the model answers without a tool call (the task is done) or a guard stops it. Every step is written
 * before it acts (`started`) and after (`done`), so a run that dies resumes from its trace: finished
 * steps are never repeated, and a tool call caught in the middle is repeated with the same
 * idempotency key, so a tool that keeps its keys does not act twice.
 */
export class TaskRunner {
  constructor(private readonly deps: TaskRunnerDeps) {}

  /** Claims the task and runs it until it ends or waits; false when another node holds it or it is not due. */
  async runOnce(tenant: Tenant, taskId: string): Promise<boolean> {
    const db = await this.deps.tenants.data.of(tenant);
    const token = randomUUID();
    if (!(await TaskStore.claim(db, taskId, token, Date.now() + this.deps.claimMs, Date.now()))) return false;
    let outcome: Outcome = { kind: 'wait', nextRunAt: Date.now() + 5_000 };
    // A model call or a tool may outlast the claim: it is renewed while this node works on the task.
    const heartbeat = setInterval(() => void TaskStore.extendClaim(db, taskId, token, Date.now() + this.deps.claimMs).catch(() => undefined), Math.max(10, Math.floor(this.deps.claimMs / 3)));
    heartbeat.unref();
    try {
      outcome = await this.run(tenant, db, token, taskId);
    } catch (err) {
      // A part we depend on failed (the database): the task stays, and runs again shortly.
      this.deps.log.error({ err, tenantId: tenant.id, taskId }, 'agent task run interrupted; it resumes from its last step');
    } finally {
      clearInterval(heartbeat);
      if (outcome.kind === 'wait') await TaskStore.release(db, taskId, token, outcome.nextRunAt, Date.now());
    }
    return true;
  }

  private async run(tenant: Tenant, db: SqlSession, token: string, taskId: string): Promise<Outcome> {
    const task = (await TaskStore.get(db, taskId))!;
    const agent = task.agentId ? await this.deps.org.agent(tenant, task.agentId) : null;
    if (!agent) return this.fail({ tenant, db, token, task, agent: undefined as never, tools: new Map() }, FAILURE.AGENT_MISSING, `the assigned agent ${task.agentId ?? '(none)'} does not exist`);
    if (task.status === 'pending' || task.status === 'accepted') {
      await TaskStore.setStatus(db, task.id, 'in_progress', Date.now());
      await StepStore.append(db, task.id, { kind: 'note', status: 'done', agentId: agent.id, tool: null, callId: null, data: { event: 'accepted', agent: agent.nameEn }, finishedAt: Date.now() }, Date.now());
    }
    const run: Run = { tenant, db, token, task: (await TaskStore.get(db, taskId))!, agent, tools: await this.toolsOf(tenant, agent) };
    for (;;) {
      const stop = await this.guard(run);
      if (stop) return stop;
      // A run that lost its claim (its renewals failed, another node took the task) stops writing.
      if (!(await TaskStore.extendClaim(db, task.id, token, Date.now() + this.deps.claimMs))) return { kind: 'wait', nextRunAt: null };
      const steps = await StepStore.list(db, task.id);
      const plan = [...steps].reverse().find((s) => s.kind === 'llm');
      const open = plan ? this.openCalls(plan, steps) : [];
      if (open.length > 0) {
        const waited = await this.resolveCall(run, plan!, open[0]!, steps);
        if (waited) return waited;
        continue;
      }
      if (plan && (plan.data.toolCalls as ModelToolCall[]).length === 0) return this.complete(run, { text: plan.data.text });
      if (run.task.mode === 'rules') {
        if (plan) return this.complete(run, this.lastToolResult(steps));
        const planned = this.rulesPlan(run.task);
        if (typeof planned === 'string') return this.fail(run, FAILURE.RULES_INVALID, planned);
        await StepStore.append(db, task.id, { kind: 'llm', status: 'done', agentId: agent.id, tool: null, callId: null, data: { text: '', toolCalls: [planned], rules: true }, finishedAt: Date.now() }, Date.now());
        continue;
      }
      const asked = await this.ask(run, steps);
      if (asked) return asked;
    }
  }

  /** The tool calls of the model's last answer that have no finished step yet, in order. */
  private openCalls(plan: StepRecord, steps: StepRecord[]): ModelToolCall[] {
    const calls = plan.data.toolCalls as ModelToolCall[];
    return calls.filter((c) => !steps.some((s) => s.kind === 'tool' && s.callId === c.id && s.seq > plan.seq && (s.status === 'done' || s.status === 'failed')));
  }

  /** Asks the model for the next move and records its answer; an outcome when the run must stop. */
  private async ask(run: Run, steps: StepRecord[]): Promise<Outcome | undefined> {
    const started = Date.now();
    let model;
    try {
      model = await this.deps.models.forAgent(run.tenant, run.agent);
    } catch (err) {
      return this.fail(run, FAILURE.MODEL_FAILED, `no model for ${run.agent.nameEn}: ${(err as Error).message}`);
    }
    const tools = [...run.tools.values()].map((t) => ({ name: t.name, description: t.description.en, inputSchema: { ...t.inputSchema } }));
    let reply;
    try {
      reply = await model.chat({ system: systemPrompt(run.agent, run.tenant), messages: conversationOf(run.task, steps), tools });
    } catch (err) {
      const code = (err as DoganError).code ?? 'LLM_FAILED';
      await StepStore.append(run.db, run.task.id, { kind: 'note', status: 'failed', agentId: run.agent.id, tool: null, callId: null, data: { event: 'model_error', code, message: (err as Error).message }, finishedAt: Date.now() }, started);
      return this.fail(run, FAILURE.MODEL_FAILED, `${code}: ${(err as Error).message}`);
    }
    const cost = model.cost(reply.usage);
    const toolCalls = reply.toolCalls.map((c, i) => ({ id: c.id || `call_${run.task.steps + 1}_${i}`, name: c.name, arguments: c.arguments }));
    await run.db.transaction(async (tx) => {
      await StepStore.append(
        tx,
        run.task.id,
        { kind: 'llm', status: 'done', agentId: run.agent.id, tool: null, callId: null, data: { text: reply.text, toolCalls, model: reply.model }, inputTokens: reply.usage.inputTokens, outputTokens: reply.usage.outputTokens, cost, finishedAt: Date.now() },
        started,
      );
      await TaskStore.addUsage(tx, run.task.id, reply.usage.inputTokens + reply.usage.outputTokens, cost, 1);
    });
    run.task = (await TaskStore.get(run.db, run.task.id))!;
    return undefined;
  }

  /** Runs, resumes or waits on one tool call of the model's answer. */
  private async resolveCall(run: Run, plan: StepRecord, call: ModelToolCall, steps: StepRecord[]): Promise<Outcome | undefined> {
    const { db, task } = run;
    const existing = steps.find((s) => s.kind === 'tool' && s.callId === call.id && s.seq > plan.seq);
    if (existing?.status === 'waiting') return this.waiting(run, existing, call);
    if (existing?.status === 'started') return this.resume(run, existing, call);
    const seq = await this.admit(run, call, steps);
    if (seq === 'stopped') return { kind: 'ended' };
    if (typeof seq !== 'number') return seq;
    const step = (await StepStore.get(db, task.id, seq))!;
    if (step.status === 'waiting') return this.waiting(run, step, call);
    if (step.status === 'started') await this.runToolCall(run, step, call);
    return undefined;
  }

  /**
   * A tool call a previous run started and never finished: its node died mid-call, and whether the
   * call took effect is unknown. A tool that keeps idempotency keys runs again under the same key (it
   * acts once); any other call is reported to the model as of unknown outcome instead of being
   * repeated, so a side effect never happens twice.
   */
  private async resume(run: Run, step: StepRecord, call: ModelToolCall): Promise<Outcome | undefined> {
    const tool = run.tools.get(call.name);
    const again = tool?.idempotent === true;
    await StepStore.append(
      run.db,
      run.task.id,
      { kind: 'note', status: 'done', agentId: run.agent.id, tool: step.tool, callId: step.callId, data: { event: 'resumed', step: step.seq, action: again ? 'run again with the same idempotency key' : 'outcome unknown, not repeated' }, finishedAt: Date.now() },
      Date.now(),
    );
    if (again) {
      await this.runToolCall(run, step, call);
      return undefined;
    }
    const message = `the platform stopped while ${call.name} was running; it may or may not have taken effect. Check before doing it again`;
    await StepStore.finish(run.db, run.task.id, step.seq, 'failed', { error: { code: 'TOOL_OUTCOME_UNKNOWN', message } }, Date.now());
    return undefined;
  }

  /**
   * Checks a new tool call and writes its step: refused calls (unknown, not allowed, bad arguments)
   * are finished at once with the reason as their result, for the model to read; risky ones wait for
   * a person; a loop ends the task.
   */
  private async admit(run: Run, call: ModelToolCall, steps: StepRecord[]): Promise<number | Outcome | 'stopped'> {
    const { db, task, agent } = run;
    const now = Date.now();
    const base = { kind: 'tool' as const, agentId: agent.id, tool: call.name.slice(0, 100), callId: call.id, data: { arguments: call.arguments } };
    const refuse = (code: string, message: string) => StepStore.append(db, task.id, { ...base, status: 'failed', result: { error: { code, message } }, finishedAt: now }, now);
    const tool = run.tools.get(call.name);
    if (!tool) return refuse('TOOL_UNKNOWN', `no tool named "${call.name.slice(0, 100)}" is available to ${agent.nameEn}; use one of: ${[...run.tools.keys()].join(', ')}`);
    const problems = argumentProblems(tool.inputSchema, call.arguments);
    if (problems) return refuse('TOOL_ARGUMENTS_INVALID', `the arguments of ${call.name} do not match its schema: ${problems}`);
    const signature = `${call.name}|${JSON.stringify(call.arguments)}`;
    const repeats = steps.filter((s) => s.kind === 'tool' && `${s.tool}|${JSON.stringify(s.data.arguments)}` === signature).length;
    if (repeats + 1 >= this.deps.limits.repeatLimit) {
      await this.fail(run, FAILURE.LOOP, `${call.name} was called ${repeats + 1} times with the same arguments`);
      return 'stopped';
    }
    if (call.name === DELEGATE_TASK) return this.delegate(run, call, base);
    if (call.name === ASK_COWORKER) {
      const { agentId, question } = call.arguments as { agentId: string; question: string };
      return this.delegate(run, { ...call, arguments: { agentId, title: `Question from ${agent.nameEn}`, description: question } }, base, 'coworker');
    }
    if (call.name === ESCALATE) return this.escalate(run, call, base);
    if (tool.risky) {
      const seq = await StepStore.append(db, task.id, { ...base, status: 'waiting', data: { ...base.data, approval: 'pending' } }, now);
      await ApprovalStore.insert(db, { id: randomUUID(), taskId: task.id, step: seq, tool: call.name, arguments: call.arguments, reason: `${call.name} needs a person's approval` }, now);
      return seq;
    }
    return StepStore.append(db, task.id, { ...base, status: 'started' }, now);
  }

  /** A step waiting for a person or a subtask: still waiting, or resolved now. */
  private async waiting(run: Run, step: StepRecord, call: ModelToolCall): Promise<Outcome | undefined> {
    const { db, task } = run;
    if (step.data.childTaskId) {
      const child = await TaskStore.get(db, String(step.data.childTaskId));
      if (!child || !['completed', 'failed', 'cancelled', 'rejected'].includes(child.status)) return { kind: 'wait', nextRunAt: null };
      const result = child.status === 'completed' ? { status: 'completed', result: child.result } : { status: child.status, error: { code: child.failureCode ?? FAILURE.SUBTASK_FAILED, message: child.failureReason ?? child.status } };
      await StepStore.finish(db, task.id, step.seq, child.status === 'completed' ? 'done' : 'failed', result, Date.now());
      return undefined;
    }
    const approval = await ApprovalStore.forStep(db, task.id, step.seq);
    if (!approval || approval.status === 'pending') {
      if (task.status !== 'awaiting_approval') await TaskStore.setStatus(db, task.id, 'awaiting_approval', Date.now());
      return { kind: 'wait', nextRunAt: null };
    }
    if (approval.status === 'rejected') {
      await StepStore.finish(db, task.id, step.seq, 'failed', { error: { code: 'APPROVAL_REJECTED', message: approval.decisionNote ?? 'rejected' } }, Date.now());
      await this.end(run, 'rejected', { code: 'APPROVAL_REJECTED', reason: `${approval.decidedBy ?? 'a person'} rejected ${approval.tool}${approval.decisionNote ? `: ${approval.decisionNote}` : ''}` });
      return { kind: 'ended' };
    }
    await StepStore.setStatus(db, task.id, step.seq, 'started');
    if (task.status === 'awaiting_approval') await TaskStore.setStatus(db, task.id, 'in_progress', Date.now());
    run.task = (await TaskStore.get(db, task.id))!;
    await this.runToolCall(run, { ...step, status: 'started' }, call);
    return undefined;
  }

  /** Runs a tool and records its result; a tool's failure is a result the model reads, not the task's end. */
  private async runToolCall(run: Run, step: StepRecord, call: ModelToolCall): Promise<void> {
    const tool = run.tools.get(call.name)!;
    const context = { tenantId: run.tenant.id, agentId: run.agent.id, taskId: run.task.id, idempotencyKey: `${run.task.id}:${step.seq}` };
    try {
      const result = await tool.run(context, (call.arguments ?? {}) as Record<string, unknown>);
      await StepStore.finish(run.db, run.task.id, step.seq, 'done', result ?? null, Date.now());
    } catch (err) {
      const code = (err as DoganError).code ?? 'TOOL_FAILED';
      await StepStore.finish(run.db, run.task.id, step.seq, 'failed', { error: { code, message: (err as Error).message.slice(0, 1000) } }, Date.now());
    }
  }

  /** `delegate_task`: a subtask for a report or team member, along the org chart, never back up a chain already working on it. */
  private async delegate(run: Run, call: ModelToolCall, base: { kind: 'tool'; agentId: string; tool: string; callId: string; data: Record<string, unknown> }, along: 'chart' | 'coworker' = 'chart'): Promise<number> {
    const { db, task, agent, tenant } = run;
    const now = Date.now();
    const args = call.arguments as { agentId: string; title: string; description: string };
    const refuse = (code: string, message: string) => StepStore.append(db, task.id, { ...base, status: 'failed', result: { error: { code, message } }, finishedAt: now }, now);
    if (task.depth + 1 > this.deps.limits.maxDelegationDepth) return refuse('DELEGATION_TOO_DEEP', `delegation is limited to ${this.deps.limits.maxDelegationDepth} levels; do the work yourself or escalate`);
    if (args.agentId === agent.id) return refuse('DELEGATION_CYCLE', 'you cannot delegate to yourself');
    const chain = await this.assigneeChain(db, task);
    if (chain.includes(args.agentId)) return refuse('DELEGATION_CYCLE', `agent ${args.agentId} is already working on this task further up; delegating back would loop`);
    const target = await this.deps.org.agent(tenant, args.agentId);
    if (!target) return refuse('AGENT_UNKNOWN', `no agent ${args.agentId.slice(0, 36)}`);
    if (along === 'chart' && !(await this.deps.org.canDelegate(tenant, agent.id, target.id))) return refuse('DELEGATION_NOT_ALLOWED', `${target.nameEn} is neither your direct report nor in a team you lead`);
    if (along === 'coworker' && !(await this.deps.org.areCoworkers(tenant, agent.id, target.id))) return refuse('NOT_A_COWORKER', `${target.nameEn} is in neither your team nor your department`);
    const childId = randomUUID();
    return db.transaction(async (tx) => {
      const seq = await StepStore.append(tx, task.id, { ...base, status: 'waiting', data: { ...base.data, childTaskId: childId, to: target.nameEn } }, now);
      await TaskStore.insert(
        tx,
        {
          id: childId,
          title: args.title,
          description: args.description,
          taskType: null,
          input: {},
          priority: task.priority,
          agentId: target.id,
          mode: task.mode,
          createdByKind: 'agent',
          createdById: agent.id,
          parentTaskId: task.id,
          parentStep: seq,
          depth: task.depth + 1,
          dueAt: task.dueAt,
          maxSteps: task.maxSteps,
          budgetTokens: task.budgetTokens === null ? null : Math.max(0, task.budgetTokens - task.usedTokens),
          budgetCost: task.budgetCost === null ? null : Math.max(0, task.budgetCost - task.usedCost),
        },
        'pending',
        now,
      );
      return seq;
    }).then(async (seq) => {
      await this.deps.due(tenant);
      return seq;
    });
  }

  /** `escalate`: the task goes to the agent's manager, who continues it with the same trace. */
  private async escalate(run: Run, call: ModelToolCall, base: { kind: 'tool'; agentId: string; tool: string; callId: string; data: Record<string, unknown> }): Promise<number> {
    const { db, task, agent, tenant } = run;
    const now = Date.now();
    const manager = agent.managerId ? await this.deps.org.agent(tenant, agent.managerId) : null;
    if (!manager) return StepStore.append(db, task.id, { ...base, status: 'failed', result: { error: { code: 'NO_MANAGER', message: `${agent.nameEn} has no manager to escalate to` } }, finishedAt: now }, now);
    const reason = (call.arguments as { reason: string }).reason;
    const seq = await StepStore.append(db, task.id, { ...base, status: 'done', result: { escalatedTo: manager.id, name: manager.nameEn, reason }, finishedAt: now }, now);
    await TaskStore.setStatus(db, task.id, 'in_progress', now, { agentId: manager.id });
    run.agent = manager;
    run.task = (await TaskStore.get(db, task.id))!;
    run.tools = await this.toolsOf(tenant, manager);
    return seq;
  }

  /** Agents already on this task: the assignees of its ancestors. */
  private async assigneeChain(db: SqlSession, task: TaskRecord): Promise<string[]> {
    const chain: string[] = [];
    let parentId = task.parentTaskId;
    for (let i = 0; parentId && i < 50; i++) {
      const parent = await TaskStore.get(db, parentId);
      if (!parent) break;
      if (parent.agentId) chain.push(parent.agentId);
      parentId = parent.parentTaskId;
    }
    return chain;
  }

  /** The guards checked before every step; an outcome when one stops the task. */
  private async guard(run: Run): Promise<Outcome | undefined> {
    const { task } = run;
    const limits = this.deps.limits;
    if (task.steps >= Math.min(task.maxSteps, limits.maxSteps)) return this.fail(run, FAILURE.STEP_LIMIT, `${task.steps} model calls, the most this task may make`);
    if (task.budgetTokens !== null && task.usedTokens >= task.budgetTokens) return this.fail(run, FAILURE.TOKEN_BUDGET, `${task.usedTokens} tokens used of a budget of ${task.budgetTokens}`);
    if (task.budgetCost !== null && task.usedCost >= task.budgetCost) return this.fail(run, FAILURE.COST_BUDGET, `${task.usedCost} halalas spent of a budget of ${task.budgetCost}`);
    if (task.startedAt !== null && Date.now() - task.startedAt > limits.taskTimeoutMs) return this.fail(run, FAILURE.TIME_LIMIT, `running for more than ${Math.round(limits.taskTimeoutMs / 1000)} s`);
    if (limits.tenantDailyCost > 0) {
      const dayStart = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate());
      const spent = await TaskStore.costSince(run.db, dayStart);
      if (spent >= limits.tenantDailyCost) return this.fail(run, FAILURE.TENANT_DAILY_BUDGET, `the tenant's agents spent ${spent} halalas today, the daily limit is ${limits.tenantDailyCost}`);
    }
    return undefined;
  }

  /** The tools an agent is offered: delegation and escalation by its place in the org chart, the rest by its tool list. */
  private async toolsOf(tenant: Tenant, agent: RunnerAgent): Promise<Map<string, AgentTool>> {
    const tools = new Map<string, AgentTool>();
    const builtin = (spec: { name: string; description: string; inputSchema: Record<string, unknown> }): AgentTool => ({
      name: spec.name,
      description: { en: spec.description, ar: spec.description },
      inputSchema: spec.inputSchema,
      risky: false,
      run: () => Promise.reject(new Error(`${spec.name} is run by the task runner`)),
    });
    if (await this.deps.org.hasDelegates(tenant, agent.id)) tools.set(DELEGATE_TASK, builtin(delegateTaskSpec));
    tools.set(ASK_COWORKER, builtin(askCoworkerSpec));
    if (agent.managerId) tools.set(ESCALATE, builtin(escalateSpec));
    for (const tool of await this.deps.tools.forTenant(tenant)) if (toolAllowed(agent.tools, tool.name)) tools.set(tool.name, tool);
    return tools;
  }

  /** Rules mode: the task names its tool and arguments (`input.tool`, `input.arguments`). */
  private rulesPlan(task: TaskRecord): ModelToolCall | string {
    const tool = task.input.tool;
    if (typeof tool !== 'string' || tool.length === 0) return 'a rules-mode task needs input.tool (the tool to run) and input.arguments';
    return { id: 'rule_1', name: tool, arguments: task.input.arguments ?? {} };
  }

  private lastToolResult(steps: StepRecord[]): unknown {
    const last = [...steps].reverse().find((s) => s.kind === 'tool');
    return last ? { tool: last.tool, status: last.status, result: last.result } : null;
  }

  private async complete(run: Run, result: unknown): Promise<Outcome> {
    const last = [...(await StepStore.list(run.db, run.task.id))].reverse().find((s) => s.kind === 'tool');
    if (run.task.mode === 'rules' && last?.status === 'failed') {
      const error = (last.result as { error?: { code?: string; message?: string } } | null)?.error;
      await this.end(run, 'failed', { code: error?.code ?? 'TOOL_FAILED', reason: error?.message ?? 'the tool failed', result });
    } else {
      await this.end(run, 'completed', { result });
    }
    return { kind: 'ended' };
  }

  private async fail(run: Run, code: string, reason: string): Promise<Outcome> {
    await StepStore.append(run.db, run.task.id, { kind: 'note', status: 'failed', agentId: run.agent?.id ?? null, tool: null, callId: null, data: { event: 'stopped', code, reason }, finishedAt: Date.now() }, Date.now());
    await this.end(run, 'failed', { code, reason });
    return { kind: 'ended' };
  }

  private async end(run: Run, status: 'completed' | 'failed' | 'rejected', outcome: { result?: unknown; code?: string; reason?: string }): Promise<void> {
    if (!(await TaskStore.finish(run.db, run.task.id, status, outcome, Date.now()))) return;
    const ended = (await TaskStore.get(run.db, run.task.id))!;
    this.deps.log.info({ tenantId: run.tenant.id, taskId: ended.id, status, code: outcome.code }, 'agent task ended');
    await this.deps.ended(run.tenant, ended);
  }
}
