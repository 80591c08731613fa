import { bool, int, type Config, type ConfigValues } from '@dogan/runtime';

/** The LLM layer's variables: how far a tenant's profile may reach, how long a call may take, how many at once. */
export const llmConfigSchema = {
  AGENTS_LLM_ALLOW_PRIVATE_NETWORKS: bool({
    description:
      'Let LLM profiles reach private, loopback and link-local addresses (Ollama, vLLM or LM Studio on the same closed network, tests); never on a shared platform',
    default: false,
  }),
  AGENTS_LLM_TIMEOUT_MS: int({ description: 'How long one LLM call attempt may take, from sending to the last byte of the answer, ms', default: 120_000, min: 1_000, max: 900_000 }),
  AGENTS_LLM_MAX_CONCURRENT: int({ description: 'LLM calls one tenant may have in flight on one node; more wait their turn', default: 8, min: 1, max: 256 }),
  AGENTS_LLM_MAX_ATTEMPTS: int({ description: 'Attempts per LLM call (first included) when the provider answers 429, 5xx or 529 or the connection fails', default: 4, min: 1, max: 10 }),
};

export type LlmConfig = Config & ConfigValues<typeof llmConfigSchema>;
