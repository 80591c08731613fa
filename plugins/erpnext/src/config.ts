import { bool, int, optionalStr, type Config, type ConfigValues } from '@dogan/runtime';

/** The ERPNext plugin's variables: how far it may reach, how hard a tenant may push its site, how big a webhook may be. */
export const erpnextConfigSchema = {
  ERPNEXT_ALLOW_PRIVATE_NETWORKS: bool({
    description: 'Let ERPNext connections reach private, loopback and link-local addresses (an ERPNext on the same closed network, tests); never on a shared platform',
    default: false,
  }),
  ERPNEXT_TIMEOUT_MS: int({ description: 'How long one ERPNext request may take, ms', default: 15_000, min: 100, max: 120_000 }),
  ERPNEXT_MAX_CONCURRENT: int({ description: "ERPNext requests one tenant may have in flight on one node; more wait their turn", default: 4, min: 1, max: 64 }),
  ERPNEXT_REQUESTS_PER_SECOND: int({ description: "ERPNext requests per second one tenant may start on one node, so no tenant floods its site", default: 20, min: 1, max: 1000 }),
  ERPNEXT_WEBHOOK_MAX_BYTES: int({ description: 'Largest ERPNext webhook body accepted, bytes', default: 1_048_576, min: 1024, max: 16_777_216 }),
  ERPNEXT_WEBHOOK_BASE_URL: optionalStr({
    description: 'Public address ERPNext sites reach this platform at (https://dogan.example.com), used in the webhook settings shown to tenants; default: the address the request came in on',
    pattern: /^https?:\/\/[^/?#\s]+$/,
  }),
  ERPNEXT_SYNC_INTERVAL_MS: int({ description: 'How often the cluster looks for ERPNext syncs that are due, ms', default: 60_000, min: 50, max: 86_400_000 }),
  ERPNEXT_SYNC_PAGE_SIZE: int({ description: 'Documents one sync request asks ERPNext for', default: 100, min: 1, max: 1000 }),
};

export type ErpnextConfig = Config & ConfigValues<typeof erpnextConfigSchema>;
