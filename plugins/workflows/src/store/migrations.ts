import type { ControlPlaneMigration, TenantMigration } from '@dogan/runtime';

/**
 * A tenant's workflows, every version of their definitions (a run keeps the version it started with),
 * runs, and each run's step records: one row per attempt of a step instance, written before the
 * step's side effect starts and again when it ends. The records are the run's checkpoint: a run is
 * resumed by walking its definition and taking every finished step's output from here. A person's
 * retry of a failed run starts a new epoch: attempts before it no longer count against the step's
 * retry policy, and attempt numbers (hence idempotency keys) go on rising, so a retry is new work.
 */
export const workflowMigrations: TenantMigration[] = [
  {
    name: '0001-workflows',
    async up({ execute }) {
      await execute(`CREATE TABLE workflows (
        id varchar(36) PRIMARY KEY,
        name varchar(200) NOT NULL,
        description varchar(2000) NOT NULL,
        version integer NOT NULL,
        trigger_type varchar(12) NOT NULL,
        trigger_event varchar(200) NULL,
        enabled integer NOT NULL,
        webhook_secret varchar(500) NULL,
        template varchar(100) NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX workflows_trigger_index ON workflows (trigger_type, enabled)');
      // One row updated by every create: creations serialise on it, so two at once cannot both pass the plan's limit.
      await execute('CREATE TABLE workflow_lock (id integer PRIMARY KEY, version integer NOT NULL)');
      await execute('INSERT INTO workflow_lock (id, version) VALUES (1, 0)');
      await execute(`CREATE TABLE workflow_versions (
        workflow_id varchar(36) NOT NULL,
        version integer NOT NULL,
        definition text NOT NULL,
        created_at bigint NOT NULL,
        PRIMARY KEY (workflow_id, version)
      )`);
      await execute(`CREATE TABLE workflow_runs (
        id varchar(36) PRIMARY KEY,
        workflow_id varchar(36) NOT NULL,
        version integer NOT NULL,
        status varchar(16) NOT NULL,
        trigger_kind varchar(12) NOT NULL,
        trigger_key varchar(300) NULL,
        trigger_data text NOT NULL,
        vars text NOT NULL,
        error_code varchar(64) NULL,
        error_message varchar(2000) NULL,
        error_step varchar(300) NULL,
        replay_of varchar(36) NULL,
        epoch integer NOT NULL DEFAULT 0,
        next_at bigint NULL,
        claim_token varchar(36) NULL,
        claim_until bigint NULL,
        created_at bigint NOT NULL,
        started_at bigint NULL,
        finished_at bigint NULL,
        updated_at bigint NOT NULL
      )`);
      // A trigger fires a run once: the same event, the same due time or the same webhook delivery twice is one run.
      await execute('CREATE UNIQUE INDEX workflow_runs_trigger_key_index ON workflow_runs (workflow_id, trigger_key)');
      await execute('CREATE INDEX workflow_runs_due_index ON workflow_runs (next_at)');
      await execute('CREATE INDEX workflow_runs_workflow_index ON workflow_runs (workflow_id, created_at)');
      await execute(`CREATE TABLE workflow_run_steps (
        run_id varchar(36) NOT NULL,
        step_key varchar(300) NOT NULL,
        attempt integer NOT NULL,
        epoch integer NOT NULL,
        seq integer NOT NULL,
        step_id varchar(63) NOT NULL,
        step_type varchar(20) NOT NULL,
        phase varchar(12) NOT NULL,
        status varchar(12) NOT NULL,
        input text NULL,
        output text NULL,
        state text NULL,
        error_code varchar(64) NULL,
        error_message varchar(2000) NULL,
        retry_at bigint NULL,
        wake_at bigint NULL,
        started_at bigint NOT NULL,
        finished_at bigint NULL,
        PRIMARY KEY (run_id, step_key, attempt)
      )`);
    },
  },
];

/**
 * The control plane's view across tenants: which tenants have runs due (every node's worker reads
 * this one list, never every tenant database) and which workflows run on a schedule.
 */
export const workflowControlPlaneMigrations: ControlPlaneMigration[] = [
  {
    name: '0001-workflow-due',
    async up({ execute }) {
      await execute('CREATE TABLE workflow_due (tenant_id varchar(36) PRIMARY KEY, due_at bigint NOT NULL, version integer NOT NULL)');
      await execute('CREATE INDEX workflow_due_index ON workflow_due (due_at)');
      await execute(`CREATE TABLE workflow_schedules (
        tenant_id varchar(36) NOT NULL,
        workflow_id varchar(36) NOT NULL,
        cron varchar(200) NOT NULL,
        time_zone varchar(64) NOT NULL,
        last_due_at bigint NULL,
        PRIMARY KEY (tenant_id, workflow_id)
      )`);
    },
  },
];
