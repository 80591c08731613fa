import type { ServerResponse } from 'node:http';
import type { Refusal, Turn, WireFormat } from './format.js';
import { send, SseWriter } from './http.js';
import { openaiId, pieces, textOf } from './tokens.js';
import { validateChatRequest } from './openai-validate.js';

/**
 * OpenAI Chat Completions on the wire. Shapes as declared in openai-node:
 * - `src/resources/chat/completions/completions.ts`: ChatCompletion (`id`, `object: 'chat.completion'`,
 *   `created` in seconds, `model`, `choices[{ index, message, logprobs, finish_reason }]`, `usage`),
 *   ChatCompletionMessage (`role: 'assistant'`, `content`, `refusal`, `tool_calls[{ id, type: 'function',
 *   function: { name, arguments: <JSON text> } }]`), ChatCompletionChunk (`object: 'chat.completion.chunk'`,
 *   `choices[{ index, delta, finish_reason }]`, delta `tool_calls[{ index, id?, type?, function: { name?, arguments? } }]`),
 *   ChatCompletionStreamOptions.include_usage (a last chunk with `choices: []` and the usage; `usage: null` on the others).
 * - `src/resources/completions.ts` CompletionUsage (`prompt_tokens`, `completion_tokens`, `total_tokens`).
 * - `src/core/streaming.ts`: the client reads `data:` lines without event names and stops at `data: [DONE]`.
 * - `src/core/error.ts`: errors are `{ error: { message, type, param, code } }`; the request id is `x-request-id`.
 */

/** Error `type`/`code` OpenAI uses per status, for scripted errors that give no body. */
const ERRORS: Record<number, { type: string; code: string | null; message: string }> = {
  400: { type: 'invalid_request_error', code: null, message: 'Bad request.' },
  401: { type: 'invalid_request_error', code: 'invalid_api_key', message: 'Incorrect API key provided.' },
  403: { type: 'invalid_request_error', code: 'unsupported_country_region_territory', message: 'Country, region, or territory not supported' },
  404: { type: 'invalid_request_error', code: 'model_not_found', message: 'The model does not exist or you do not have access to it.' },
  429: { type: 'requests', code: 'rate_limit_exceeded', message: 'Rate limit reached for requests. Please try again later.' },
  500: { type: 'server_error', code: null, message: 'The server had an error while processing your request. Sorry about that!' },
  503: { type: 'server_error', code: null, message: 'The engine is currently overloaded, please try again later.' },
};

/** Shows a key the way OpenAI's 401 does: the start and the last four characters. */
function masked(key: string): string {
  return key.length <= 8 ? '*'.repeat(key.length) : `${key.slice(0, 3)}${'*'.repeat(key.length - 7)}${key.slice(-4)}`;
}

/** Scripted arguments become the JSON text OpenAI sends; a string is taken as already-serialised (malformed JSON on purpose). */
const argumentsText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value ?? {}));

export function openaiFormat(apiKey: string): WireFormat {
  return {
    format: 'openai',
    requestIdHeader: 'x-request-id',
    newRequestId: openaiId.request,
    newToolCallId: openaiId.toolCall,

    authenticate(headers): Refusal | undefined {
      const auth = headers.authorization;
      const fields = { type: 'invalid_request_error', param: null };
      if (!auth) {
        return {
          status: 401,
          message: "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
          fields: { ...fields, code: null },
        };
      }
      if (auth !== `Bearer ${apiKey}`) {
        const given = auth.replace(/^Bearer\s+/i, '');
        return { status: 401, message: `Incorrect API key provided: ${masked(given)}. You can find your API key at https://platform.openai.com/account/api-keys.`, fields: { ...fields, code: 'invalid_api_key' } };
      }
      return undefined;
    },

    validate: validateChatRequest,

    lastMessage(body): string {
      const messages = Array.isArray(body?.messages) ? (body.messages as any[]) : [];
      const last = [...messages].reverse().find((m) => m?.role === 'user' || m?.role === 'tool');
      return last ? textOf(last.content) : '';
    },

    offersTools: (body) => Array.isArray(body?.tools) && body.tools.length > 0,

    promptText(body): string {
      const parts: string[] = [];
      for (const m of body.messages as any[]) {
        parts.push(textOf(m.content));
        for (const call of m.tool_calls ?? []) parts.push(call.function.name, call.function.arguments);
      }
      if (body.tools) parts.push(JSON.stringify(body.tools));
      return parts.join('\n');
    },

    errorBody(status, message, _requestId, fields = {}) {
      const known = ERRORS[status] ?? ERRORS[status >= 500 ? 500 : 400]!;
      return { error: { message: message ?? known.message, type: known.type, param: null, code: known.code, ...fields } };
    },

    async answer(res: ServerResponse, body, turn: Turn, headers): Promise<void> {
      const id = openaiId.completion();
      const created = Math.floor(Date.now() / 1000);
      const model = body.model as string;
      const toolCalls = turn.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: argumentsText(c.arguments) } }));
      const finish = toolCalls.length > 0 ? 'tool_calls' : 'stop';
      const usage = {
        prompt_tokens: turn.usage.input,
        completion_tokens: turn.usage.output,
        total_tokens: turn.usage.input + turn.usage.output,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
      };

      if (body.stream !== true) {
        const message = { role: 'assistant', content: turn.text ?? null, refusal: null, annotations: [], ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
        send(res, 200, { id, object: 'chat.completion', created, model, choices: [{ index: 0, message, logprobs: null, finish_reason: finish }], usage, service_tier: 'default' }, headers);
        return;
      }

      // With include_usage every chunk carries `usage: null` and one more chunk, with no choices, carries the totals.
      const includeUsage = body.stream_options?.include_usage === true;
      const chunk = (delta: Record<string, unknown>, finishReason: string | null = null) => ({
        id, object: 'chat.completion.chunk', created, model, service_tier: 'default',
        choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
        ...(includeUsage ? { usage: null } : {}),
      });
      const sse = new SseWriter(res, headers);
      // The first delta names the role; text then arrives in pieces.
      await sse.event(null, chunk({ role: 'assistant', content: turn.text === undefined ? null : '', refusal: null }));
      for (const piece of pieces(turn.text ?? '')) await sse.event(null, chunk({ content: piece }));
      // Each tool call: a delta with its index, id, type and name (arguments ''), then deltas with only the index and an arguments piece.
      for (const [index, call] of toolCalls.entries()) {
        await sse.event(null, chunk({ tool_calls: [{ index, id: call.id, type: 'function', function: { name: call.function.name, arguments: '' } }] }));
        for (const piece of pieces(call.function.arguments)) await sse.event(null, chunk({ tool_calls: [{ index, function: { arguments: piece } }] }));
      }
      await sse.event(null, chunk({}, finish));
      if (includeUsage) await sse.event(null, { id, object: 'chat.completion.chunk', created, model, service_tier: 'default', choices: [], usage });
      await sse.event(null, '[DONE]');
      sse.end();
    },
  };
}

/** `GET /v1/models` (openai-node `src/resources/models.ts` Model; a plain `{ object: 'list', data }` page). */
export function openaiModels(): unknown {
  const created = 1_700_000_000;
  const data = ['gpt-4o', 'gpt-4o-mini', 'gpt-4.1', 'gpt-4.1-mini'].map((id) => ({ id, object: 'model', created, owned_by: 'system' }));
  return { object: 'list', data };
}
