import { defineErrors } from '@dogan/runtime';

/**
 * The LLM layer's error table. Failures of a provider call carry, as problem extensions, the
 * provider kind, the upstream status (or null when no answer came) and the provider's own error type;
 * LLM_RATE_LIMITED also `retryAfterSeconds`. No message ever holds an API key: upstream text is
 * redacted before it is worded into one.
 */
export const LlmErrors = defineErrors({
  // The provider's answer, after retries where retrying made sense.
  LLM_CREDENTIALS_REFUSED: {
    status: 502,
    title: 'LLM provider refused the credentials',
    message: 'The LLM provider at %s refused the API key (%s); save the profile with a valid key',
  },
  LLM_RATE_LIMITED: { status: 503, title: 'LLM provider is rate limiting', message: 'The LLM provider at %s kept answering 429 Too Many Requests (%s); try again in %s seconds' },
  LLM_UNAVAILABLE: { status: 503, title: 'LLM provider unavailable', message: 'The LLM provider at %s failed: %s' },
  LLM_BAD_RESPONSE: { status: 502, title: 'Unreadable LLM answer', message: 'The LLM provider at %s sent an answer that could not be read: %s' },
  LLM_TIMEOUT: { status: 504, title: 'LLM provider timed out', message: 'The LLM provider at %s did not finish answering within %s ms' },
  LLM_UNREACHABLE: { status: 502, title: 'LLM provider unreachable', message: 'Could not reach the LLM provider at %s (%s); check the base URL and that the server is up' },
  LLM_REQUEST_REFUSED: { status: 422, title: 'LLM provider refused the request', message: 'The LLM provider at %s refused the request (HTTP %s): %s' },
  LLM_ADDRESS_FORBIDDEN: {
    status: 400,
    title: 'LLM base URL not allowed',
    message: 'The LLM host %s resolves to %s, a private, loopback, link-local or reserved address; use a public address, or let the platform reach private networks (AGENTS_LLM_ALLOW_PRIVATE_NETWORKS)',
  },
  LLM_TOO_MANY_REQUESTS: {
    status: 429,
    title: 'Too many LLM requests',
    message: 'This tenant has more LLM calls in flight than its limit (%s); retry after %s seconds',
  },
  // Profiles: Dogan's own state and input.
  LLM_URL_INVALID: { status: 400, title: 'Invalid LLM base URL', message: 'The LLM base URL %s: give an absolute http:// or https:// URL without credentials, query or fragment (e.g. https://api.openai.com/v1)' },
  LLM_PROFILE_INVALID: { status: 400, title: 'Invalid LLM profile', message: 'The LLM profile %s' },
  LLM_PROFILE_NOT_FOUND: { status: 404, title: 'LLM profile not found', message: 'This tenant has no LLM profile named "%s"' },
  LLM_PROFILE_EXISTS: { status: 409, title: 'LLM profile exists', message: 'This tenant already has an LLM profile named "%s"; change it with PUT' },
  LLM_PROFILE_LIMIT: { status: 409, title: 'Too many LLM profiles', message: 'A tenant may have at most %s LLM profiles; delete one first' },
  LLM_NO_PROFILE: {
    status: 409,
    title: 'No LLM profile',
    message: 'This tenant has no default LLM profile; create one with POST /api/v1/{tenant}/agents/llm-profiles',
  },
});
