import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * Tasks, their trace (one row per step: each LLM call, tool call and decision) and approvals, in the
 * tenant's database. The trace is also the checkpoint: a run is rebuilt from its steps, so a node that
 * dies mid-run leaves either a finished step or one marked started, never a half-written one.
 */
export const taskMigrations: TenantMigration[] = [
  {
    name: '0003-tasks',
    async up({ execute }) {
      await execute(`CREATE TABLE agent_tasks (
        id varchar(36) PRIMARY KEY,
        title varchar(300) NOT NULL,
        description text NOT NULL,
        task_type varchar(100) NULL,
        input text NOT NULL,
        priority varchar(8) NOT NULL,
        status varchar(20) NOT NULL,
        agent_id varchar(36) NULL,
        mode varchar(8) NOT NULL,
        created_by_kind varchar(12) NOT NULL,
        created_by_id varchar(100) NULL,
        parent_task_id varchar(36) NULL,
        parent_step integer NULL,
        depth integer NOT NULL,
        due_at bigint NULL,
        result text NULL,
        failure_code varchar(64) NULL,
        failure_reason varchar(1000) NULL,
        max_steps integer NOT NULL,
        budget_tokens integer NULL,
        budget_cost integer NULL,
        used_tokens integer NOT NULL DEFAULT 0,
        used_cost integer NOT NULL DEFAULT 0,
        steps integer NOT NULL DEFAULT 0,
        next_run_at bigint NULL,
        claim_token varchar(36) NULL,
        claim_until bigint NULL,
        started_at bigint NULL,
        finished_at bigint NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX agent_tasks_due_index ON agent_tasks (next_run_at)');
      await execute('CREATE INDEX agent_tasks_agent_index ON agent_tasks (agent_id, status)');
      await execute('CREATE INDEX agent_tasks_parent_index ON agent_tasks (parent_task_id)');
      await execute(`CREATE TABLE agent_task_steps (
        task_id varchar(36) NOT NULL,
        seq integer NOT NULL,
        kind varchar(20) NOT NULL,
        status varchar(12) NOT NULL,
        agent_id varchar(36) NULL,
        tool varchar(100) NULL,
        call_id varchar(100) NULL,
        data text NOT NULL,
        result text NULL,
        input_tokens integer NOT NULL DEFAULT 0,
        output_tokens integer NOT NULL DEFAULT 0,
        cost integer NOT NULL DEFAULT 0,
        started_at bigint NOT NULL,
        finished_at bigint NULL,
        PRIMARY KEY (task_id, seq)
      )`);
      await execute(`CREATE TABLE agent_task_approvals (
        id varchar(36) PRIMARY KEY,
        task_id varchar(36) NOT NULL,
        step integer NOT NULL,
        tool varchar(100) NOT NULL,
        arguments text NOT NULL,
        reason varchar(300) NOT NULL,
        status varchar(10) NOT NULL,
        decided_by varchar(100) NULL,
        decision_note varchar(1000) NULL,
        created_at bigint NOT NULL,
        decided_at bigint NULL
      )`);
      await execute('CREATE INDEX agent_task_approvals_task_index ON agent_task_approvals (task_id)');
    },
  },
];

/** Which tenants have tasks due, and from when: every node's worker reads this one list, never every tenant database. */
export const taskControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: '0001-agent-task-due',
    async up({ execute }) {
      await execute('CREATE TABLE agent_task_due (tenant_id varchar(36) PRIMARY KEY, due_at bigint NOT NULL)');
      await execute('CREATE INDEX agent_task_due_index ON agent_task_due (due_at)');
    },
  },
];
