import { bool, int } from '@dogan/runtime';

/** The workflows plugin's variables: how each node works through due runs, schedules and outbound HTTP. */
export const workflowsConfigSchema = {
  WORKFLOWS_POLL_INTERVAL_MS: int({ description: 'How often each node looks for workflow runs that are due, ms', default: 1000, min: 10, max: 60_000 }),
  WORKFLOWS_CONCURRENCY: int({ description: 'Workflow runs one node advances at once', default: 8, min: 1, max: 256 }),
  WORKFLOWS_RUN_CLAIM_MS: int({ description: "How long a node's claim on a run holds without renewal (it is renewed while a step runs); a run whose node died is resumed after it, ms", default: 30_000, min: 200, max: 3_600_000 }),
  WORKFLOWS_SCHEDULE_TICK_MS: int({ description: 'How often each node looks for scheduled workflows that are due, ms', default: 15_000, min: 10, max: 60_000 }),
  WORKFLOWS_AGENT_POLL_MS: int({ description: 'How often a run waiting for an agent task looks at it again (it grows to a minute), ms', default: 2000, min: 10, max: 60_000 }),
  WORKFLOWS_WEBHOOK_MAX_BYTES: int({ description: 'Largest body a workflow webhook accepts, bytes', default: 1_048_576, min: 1024, max: 10_485_760 }),
  WORKFLOWS_HTTP_ALLOW_PRIVATE_NETWORKS: bool({ description: 'Let HTTP steps reach private and loopback addresses (tests and closed networks only; the SSRF guard refuses them otherwise)', default: false }),
  WORKFLOWS_DEFAULTS: bool({ description: "Install the plan's default workflows (trial-ending reminder, payment-failed follow-up) when a tenant is provisioned", default: true }),
};
