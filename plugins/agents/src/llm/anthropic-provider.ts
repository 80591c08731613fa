import { invalidJsonText, parseToolArguments, type ChatMessage, type ChatRequest, type ChatResponse, type LlmProvider, type StopReason, type ToolCall, type TokenUsage } from './provider.js';
import type { SseEvent } from './sse.js';
import { LlmTransport, type LlmClientOptions, type ReplyReader } from './transport.js';
import { bad, count, eventJson, isRecord, streamedError, type Json } from './wire.js';

/** The Messages API version our translation is written against. */
export const ANTHROPIC_VERSION = '2023-06-01';
/** Anthropic requires a length limit; this one when the request gives none. */
export const DEFAULT_MAX_TOKENS = 1024;

/**
 * Anthropic's Messages API: `POST {baseUrl}/v1/messages` with `x-api-key` and `anthropic-version`.
 * The system prompt goes apart from the messages, which alternate user and assistant; tool calls are
 * `tool_use` blocks and their answers `tool_result` blocks in the next user message.
 */
export class AnthropicProvider implements LlmProvider {
  readonly kind = 'anthropic' as const;
  private readonly transport: LlmTransport;

  constructor(options: LlmClientOptions) {
    this.transport = new LlmTransport('anthropic', options, (key) => ({ 'x-api-key': key }), { 'anthropic-version': ANTHROPIC_VERSION });
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  chat(request: ChatRequest): Promise<ChatResponse> {
    const stream = request.stream === true;
    return this.transport.post('/v1/messages', anthropicBody(request), { stream, signal: request.signal, onDelta: request.onDelta }, anthropicReader(request.model));
  }
}

/** Tool-use input must be an object: arguments that were not JSON (or not an object) go back as `{}`, the tool result says why. */
function inputOf(args: unknown): Json {
  return isRecord(args) && invalidJsonText(args) === undefined ? args : {};
}

/**
 * Our conversation as Anthropic's alternating messages: tool answers become `tool_result` blocks of
 * a user message, and consecutive messages of one role merge into one (several tool results, or
 * tool results followed by the user's words). Empty text is left out: the API refuses empty blocks.
 */
export function anthropicMessages(messages: readonly ChatMessage[]): Json[] {
  const out: Array<{ role: 'user' | 'assistant'; content: Json[] }> = [];
  const add = (role: 'user' | 'assistant', blocks: Json[]) => {
    if (blocks.length === 0) return;
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    if (m.role === 'user') add('user', m.content === '' ? [] : [{ type: 'text', text: m.content }]);
    else if (m.role === 'tool') add('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }]);
    else {
      const blocks: Json[] = m.content === '' ? [] : [{ type: 'text', text: m.content }];
      for (const call of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: inputOf(call.arguments) });
      add('assistant', blocks);
    }
  }
  // One text block is sent as plain text, the form most requests take.
  return out.map(({ role, content }) => ({ role, content: content.length === 1 && content[0]!.type === 'text' ? content[0]!.text : content }));
}

/** A chat request in Anthropic's words. */
export function anthropicBody(request: ChatRequest): Json {
  return {
    model: request.model,
    max_tokens: request.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...(request.system ? { system: request.system } : {}),
    messages: anthropicMessages(request.messages),
    ...(request.tools && request.tools.length > 0 ? { tools: request.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.inputSchema })) } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stream ? { stream: true } : {}),
  };
}

/** Input tokens include those written to and read from the prompt cache: all are paid for. */
function inputTokensOf(u: Json): number {
  return count(u.input_tokens) + count(u.cache_creation_input_tokens) + count(u.cache_read_input_tokens);
}

function stopOf(reason: unknown, hasCalls: boolean): StopReason {
  if (reason === 'tool_use') return 'tool_calls';
  if (reason === 'max_tokens') return 'max_tokens';
  if (reason === 'end_turn' || reason === 'stop_sequence') return hasCalls ? 'tool_calls' : 'end';
  return 'other';
}

interface StreamedBlock {
  readonly type: 'text' | 'tool_use' | 'other';
  text: string;
  readonly id: string;
  readonly name: string;
  json: string;
  readonly input: unknown;
}

/** Reads a message, or reassembles one from its events (text_delta and input_json_delta per content block). */
export function anthropicReader(model: string): ReplyReader<ChatResponse> {
  return {
    textOf: (value) => value.text,
    json(body) {
      if (!isRecord(body)) bad('the body is not a JSON object');
      if (body.type === 'error') throw streamedError(body.error, 'the provider answered with an error');
      if (!Array.isArray(body.content)) bad('the message has no content array');
      let text = '';
      const toolCalls: ToolCall[] = [];
      body.content.forEach((block: unknown, i: number) => {
        if (!isRecord(block)) bad(`content block ${i} is not an object`);
        if (block.type === 'text') {
          if (typeof block.text !== 'string') bad(`text block ${i} has no text`);
          text += block.text;
        } else if (block.type === 'tool_use') {
          if (typeof block.id !== 'string' || typeof block.name !== 'string' || !block.name) bad(`tool_use block ${i} has no id or name`);
          // The input is an object; a server that sent it as JSON text gets it parsed (or kept as invalid JSON).
          const input = typeof block.input === 'string' ? parseToolArguments(block.input) : (block.input ?? {});
          toolCalls.push({ id: block.id, name: block.name, arguments: input });
        }
      });
      const usage = isRecord(body.usage) ? body.usage : {};
      return {
        text,
        toolCalls,
        stopReason: stopOf(body.stop_reason, toolCalls.length > 0),
        usage: { inputTokens: inputTokensOf(usage), outputTokens: count(usage.output_tokens) },
        model: typeof body.model === 'string' && body.model ? body.model : model,
      };
    },
    async stream(events: AsyncIterable<SseEvent>, emit) {
      const blocks = new Map<number, StreamedBlock>();
      let started = false;
      let done = false;
      let answered = model;
      let stopReason: unknown;
      let usage: TokenUsage = { inputTokens: 0, outputTokens: 0 };
      let n = 0;
      for await (const event of events) {
        n++;
        const data = eventJson(event.data, n);
        const type = typeof data.type === 'string' ? data.type : event.event;
        if (type === 'ping') continue;
        if (type === 'error') throw streamedError(data.error, 'the provider reported an error in the stream');
        if (type === 'message_start') {
          const message = isRecord(data.message) ? data.message : {};
          if (typeof message.model === 'string' && message.model) answered = message.model;
          const u = isRecord(message.usage) ? message.usage : {};
          usage = { inputTokens: inputTokensOf(u), outputTokens: count(u.output_tokens) };
          started = true;
          continue;
        }
        if (!started) bad(`event ${n} (${String(type).slice(0, 40)}) came before message_start`);
        if (type === 'content_block_start') {
          const index = blockIndex(data, n);
          const cb = isRecord(data.content_block) ? data.content_block : {};
          const kind = cb.type === 'text' || cb.type === 'tool_use' ? cb.type : 'other';
          if (kind === 'tool_use' && (typeof cb.id !== 'string' || typeof cb.name !== 'string' || !cb.name)) bad(`event ${n}: tool_use block ${index} has no id or name`);
          const block: StreamedBlock = { type: kind, text: '', id: String(cb.id ?? ''), name: String(cb.name ?? ''), json: '', input: cb.input };
          blocks.set(index, block);
          if (kind === 'text' && typeof cb.text === 'string' && cb.text) {
            block.text = cb.text;
            emit(cb.text);
          }
        } else if (type === 'content_block_delta') {
          const index = blockIndex(data, n);
          const block = blocks.get(index);
          if (!block) bad(`event ${n}: a delta for content block ${index}, which was not started`);
          const delta = isRecord(data.delta) ? data.delta : {};
          if (delta.type === 'text_delta' && typeof delta.text === 'string') {
            block.text += delta.text;
            emit(delta.text);
          } else if (delta.type === 'input_json_delta' && typeof delta.partial_json === 'string') block.json += delta.partial_json;
        } else if (type === 'message_delta') {
          const delta = isRecord(data.delta) ? data.delta : {};
          if (delta.stop_reason !== undefined) stopReason = delta.stop_reason;
          const u = isRecord(data.usage) ? data.usage : {};
          // output_tokens here is the running total; input tokens, when repeated, too.
          usage = {
            inputTokens: u.input_tokens !== undefined && u.input_tokens !== null ? Math.max(usage.inputTokens, inputTokensOf(u)) : usage.inputTokens,
            outputTokens: u.output_tokens !== undefined ? count(u.output_tokens) : usage.outputTokens,
          };
        } else if (type === 'message_stop') {
          done = true;
          break;
        }
        // content_block_stop, and event types added after this was written, change nothing here.
      }
      if (!done) bad(`the stream ended before message_stop (after ${n} events): it was cut off`);
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const [, block] of [...blocks.entries()].sort(([a], [b]) => a - b)) {
        if (block.type === 'text') text += block.text;
        else if (block.type === 'tool_use') toolCalls.push({ id: block.id, name: block.name, arguments: block.json === '' ? (block.input ?? {}) : parseToolArguments(block.json) });
      }
      return { text, toolCalls, stopReason: stopOf(stopReason, toolCalls.length > 0), usage, model: answered };
    },
  };
}

function blockIndex(data: Json, n: number): number {
  if (typeof data.index !== 'number' || !Number.isInteger(data.index) || data.index < 0) bad(`event ${n} has no content block index`);
  return data.index;
}
