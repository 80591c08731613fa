import type { TenantMigration } from '@dogan/runtime';

/**
 * The org chart in each tenant's database: agents, their skills (a table, so the list filters on one
 * exactly), teams, and `agent_org`, one row every change of the chart updates first, so changes of
 * one tenant's chart run one at a time on PostgreSQL and SQLite alike (no cycle slips in between two).
 * Lists and working hours are JSON text; times are epoch milliseconds (bigint).
 *
 * The plugin's tenant migrations are this list and the ones the task and LLM parts append, in name order.
 */
export const orgMigrations: TenantMigration[] = [
  {
    name: '0001-org',
    async up({ execute }) {
      await execute(`CREATE TABLE agents (
        id varchar(36) PRIMARY KEY,
        name_ar varchar(120) NOT NULL,
        name_en varchar(120) NOT NULL,
        title_ar varchar(120) NOT NULL,
        title_en varchar(120) NOT NULL,
        role varchar(64) NOT NULL,
        department varchar(64) NOT NULL,
        team_id varchar(36) NULL,
        manager_id varchar(36) NULL,
        status varchar(12) NOT NULL,
        goal text NOT NULL,
        persona text NOT NULL,
        llm_profile varchar(64) NULL,
        tools text NOT NULL,
        working_hours text NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX agents_manager_index ON agents (manager_id)');
      await execute('CREATE INDEX agents_team_index ON agents (team_id)');
      await execute('CREATE INDEX agents_department_index ON agents (department, created_at)');
      await execute(`CREATE TABLE agent_skills (
        agent_id varchar(36) NOT NULL,
        skill varchar(40) NOT NULL,
        sort_order integer NOT NULL,
        PRIMARY KEY (agent_id, skill)
      )`);
      await execute('CREATE INDEX agent_skills_skill_index ON agent_skills (skill)');
      await execute(`CREATE TABLE agent_teams (
        id varchar(36) PRIMARY KEY,
        name_ar varchar(120) NOT NULL,
        name_en varchar(120) NOT NULL,
        department varchar(64) NOT NULL,
        lead_id varchar(36) NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL
      )`);
      await execute('CREATE INDEX agent_teams_lead_index ON agent_teams (lead_id)');
      await execute('CREATE TABLE agent_org (id integer PRIMARY KEY, version bigint NOT NULL)');
      await execute('INSERT INTO agent_org (id, version) VALUES (1, 0)');
    },
  },
];
