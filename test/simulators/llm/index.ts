/**
 * An LLM provider simulator for tests: OpenAI Chat Completions (`POST /v1/chat/completions`,
 * `GET /v1/models`) and Anthropic Messages (`POST /v1/messages`) in their exact wire formats, JSON
 * and streamed, with tool calls. The model's words are scripted; the requests are checked the way the
 * providers check them, so client bugs surface as the providers' own 400s. Each module names the
 * SDK source its shapes were read from.
 *
 *   const llm = await startLlmSimulator();
 *   llm.script({ toolCalls: [{ name: 'lookup_customer', arguments: { name: 'Acme' } }] }, { text: 'Acme is active.' });
 *   llm.on('invoice INV-7', { text: 'Paid.' });            // for the request whose last user/tool message mentions it
 *   // OpenAI clients: baseURL `${llm.url}/v1`, Authorization: Bearer llm.apiKey
 *   // Anthropic clients: baseURL llm.url, x-api-key: llm.apiKey, anthropic-version: 2023-06-01
 *   ...
 *   t.same(llm.unscripted, []);
 *   await llm.close();
 */
import { LlmServer } from './server.js';
import type { LlmSimulator, LlmSimulatorOptions } from './types.js';

export type { LlmFormat, LlmSimulator, LlmSimulatorOptions, RecordedRequest, RejectedRequest, ScriptedReply, ScriptedToolCall, ScriptedUsage, UnscriptedRequest } from './types.js';

export async function startLlmSimulator(options: LlmSimulatorOptions = {}): Promise<LlmSimulator> {
  return new LlmServer(options).start();
}
