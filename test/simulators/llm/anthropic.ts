import type { ServerResponse } from 'node:http';
import { validateMessagesRequest } from './anthropic-validate.js';
import type { Refusal, Turn, WireFormat } from './format.js';
import { send, SseWriter } from './http.js';
import { anthropicId, pieces, textOf } from './tokens.js';

/**
 * Anthropic Messages on the wire. Shapes as declared in anthropic-sdk-typescript:
 * - `src/resources/messages/messages.ts`: Message (`id`, `type: 'message'`, `role: 'assistant'`, `model`,
 *   `content[]` of TextBlock `{ type: 'text', text }` / ToolUseBlock `{ type: 'tool_use', id, name, input }`,
 *   `stop_reason` ('end_turn' | 'tool_use' | …), `stop_sequence`, `usage: { input_tokens, output_tokens, … }`);
 *   the stream events RawMessageStartEvent, RawContentBlockStartEvent, RawContentBlockDeltaEvent (TextDelta
 *   `{ type: 'text_delta', text }`, InputJSONDelta `{ type: 'input_json_delta', partial_json }`),
 *   RawContentBlockStopEvent, RawMessageDeltaEvent (`delta: { stop_reason, stop_sequence }`, `usage.output_tokens`),
 *   RawMessageStopEvent.
 * - `src/core/streaming.ts`: the client dispatches on the SSE `event:` name (and skips `ping`), so every
 *   event carries an `event:` line equal to its `type`.
 * - `src/resources/shared.ts`: errors are `{ type: 'error', error: { type, message }, request_id }`, with
 *   `overloaded_error` (529) among the types; `src/core/error.ts` reads the `request-id` header.
 * - `src/client.ts` sends `X-Api-Key` and `anthropic-version: 2023-06-01`.
 */

/** Error types Anthropic uses per status (shared.ts ErrorType), for scripted errors that give no body. */
const ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: 'invalid_request_error', message: 'Invalid request.' },
  401: { type: 'authentication_error', message: 'invalid x-api-key' },
  402: { type: 'billing_error', message: 'Your credit balance is too low to access the Anthropic API.' },
  403: { type: 'permission_error', message: 'Your API key does not have permission to use the specified resource.' },
  404: { type: 'not_found_error', message: 'Not found.' },
  413: { type: 'request_too_large', message: 'Request exceeds the maximum allowed number of bytes.' },
  429: { type: 'rate_limit_error', message: 'Number of requests has exceeded your rate limit. Please try again later.' },
  500: { type: 'api_error', message: 'Internal server error' },
  504: { type: 'timeout_error', message: 'Request timed out.' },
  529: { type: 'overloaded_error', message: 'Overloaded' },
};

/** Scripted arguments become the tool input object; a string is taken as JSON text, kept raw if it does not parse (malformed on purpose). */
function inputOf(value: unknown): { input: unknown; json: string } {
  if (typeof value !== 'string') return { input: value ?? {}, json: JSON.stringify(value ?? {}) };
  try {
    return { input: JSON.parse(value), json: value };
  } catch {
    return { input: value, json: value };
  }
}

export function anthropicFormat(apiKey: string): WireFormat {
  return {
    format: 'anthropic',
    requestIdHeader: 'request-id',
    newRequestId: anthropicId.request,
    newToolCallId: anthropicId.toolUse,

    authenticate(headers): Refusal | undefined {
      const key = headers['x-api-key'];
      if (!key) return { status: 401, message: 'x-api-key header is required', fields: { type: 'authentication_error' } };
      if (key !== apiKey) return { status: 401, message: 'invalid x-api-key', fields: { type: 'authentication_error' } };
      if (!headers['anthropic-version']) return { status: 400, message: 'anthropic-version: header is required', fields: { type: 'invalid_request_error' } };
      return undefined;
    },

    validate: validateMessagesRequest,

    lastMessage(body): string {
      const messages = Array.isArray(body?.messages) ? (body.messages as any[]) : [];
      // Tool results travel in user messages, so the last user message covers both.
      const last = [...messages].reverse().find((m) => m?.role === 'user');
      return last ? textOf(last.content) : '';
    },

    offersTools: (body) => Array.isArray(body?.tools) && body.tools.length > 0,

    promptText(body): string {
      const parts: string[] = [textOf(body.system)];
      for (const m of body.messages as any[]) {
        parts.push(textOf(m.content));
        if (Array.isArray(m.content)) for (const b of m.content) if (b.type === 'tool_use') parts.push(b.name, JSON.stringify(b.input));
      }
      if (body.tools) parts.push(JSON.stringify(body.tools));
      return parts.join('\n');
    },

    errorBody(status, message, requestId, fields = {}) {
      const known = ERRORS[status] ?? ERRORS[status >= 500 ? 500 : 400]!;
      return { type: 'error', error: { type: known.type, message: message ?? known.message, ...fields }, request_id: requestId };
    },

    async answer(res: ServerResponse, body, turn: Turn, headers): Promise<void> {
      const id = anthropicId.message();
      const model = body.model as string;
      const calls = turn.toolCalls.map((c) => ({ ...c, ...inputOf(c.arguments) }));
      const stopReason = calls.length > 0 ? 'tool_use' : 'end_turn';
      const usage = { input_tokens: turn.usage.input, output_tokens: turn.usage.output, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard' };
      const withText = turn.text !== undefined && (turn.text !== '' || calls.length === 0);

      if (body.stream !== true) {
        const content = [
          ...(withText ? [{ type: 'text', text: turn.text }] : []),
          ...calls.map((c) => ({ type: 'tool_use', id: c.id, name: c.name, input: c.input })),
        ];
        send(res, 200, { id, type: 'message', role: 'assistant', model, content, stop_reason: stopReason, stop_sequence: null, usage }, headers);
        return;
      }

      const sse = new SseWriter(res, headers);
      const emit = (data: { type: string } & Record<string, unknown>) => sse.event(data.type, data);
      // message_start holds the message with no content yet, a null stop_reason and the input tokens.
      await emit({ type: 'message_start', message: { id, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 1 } } });
      await emit({ type: 'ping' });
      let index = 0;
      if (withText) {
        await emit({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } });
        for (const piece of pieces(turn.text!)) await emit({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } });
        await emit({ type: 'content_block_stop', index });
        index++;
      }
      // A tool_use block starts with an empty input; the input's JSON text then arrives in partial_json pieces.
      for (const call of calls) {
        await emit({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: call.id, name: call.name, input: {} } });
        for (const piece of pieces(call.json)) await emit({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } });
        await emit({ type: 'content_block_stop', index });
        index++;
      }
      await emit({ type: 'message_delta', delta: { stop_reason: stopReason, stop_sequence: null }, usage: { output_tokens: turn.usage.output } });
      await emit({ type: 'message_stop' });
      sse.end();
    },
  };
}

/** `GET /v1/models` (anthropic-sdk-typescript `src/resources/models.ts` ModelInfo, in the `{ data, has_more, first_id, last_id }` page of `src/core/pagination.ts`). */
export function anthropicModels(): unknown {
  const data = [
    { id: 'claude-sonnet-4-5', display_name: 'Claude Sonnet 4.5' },
    { id: 'claude-haiku-4-5', display_name: 'Claude Haiku 4.5' },
    { id: 'claude-opus-4-1', display_name: 'Claude Opus 4.1' },
  ].map((m) => ({ type: 'model', ...m, created_at: '2025-01-01T00:00:00Z' }));
  return { data, has_more: false, first_id: data[0]!.id, last_id: data[data.length - 1]!.id };
}
