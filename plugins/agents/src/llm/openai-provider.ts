import { invalidJsonText, parseToolArguments, type ChatRequest, type ChatResponse, type LlmProvider, type StopReason, type ToolCall, type TokenUsage } from './provider.js';
import type { SseEvent } from './sse.js';
import { LlmTransport, type LlmClientOptions, type ReplyReader } from './transport.js';
import { bad, count, eventJson, isRecord, streamedError, type Json } from './wire.js';

export interface OpenAiProviderOptions extends LlmClientOptions {
  /**
   * The field the answer's length limit goes in: OpenAI's current models take only
   * `max_completion_tokens`; Ollama, vLLM and LM Studio read `max_tokens`. Default: the former for
   * api.openai.com, the latter elsewhere.
   */
  readonly maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

/**
 * OpenAI-compatible chat completions: `POST {baseUrl}/chat/completions` with a Bearer key. Serves
 * OpenAI (`https://api.openai.com/v1`) and the local servers that speak its dialect (Ollama, vLLM,
 * LM Studio at `http://host:port/v1`, where the key is optional).
 */
export class OpenAiProvider implements LlmProvider {
  readonly kind = 'openai' as const;
  private readonly transport: LlmTransport;
  private readonly maxTokensField: 'max_tokens' | 'max_completion_tokens';

  constructor(options: OpenAiProviderOptions) {
    this.transport = new LlmTransport('openai', options, (key) => ({ authorization: `Bearer ${key}` }));
    this.maxTokensField = options.maxTokensField ?? (new URL(this.transport.baseUrl).hostname === 'api.openai.com' ? 'max_completion_tokens' : 'max_tokens');
  }

  get baseUrl(): string {
    return this.transport.baseUrl;
  }

  chat(request: ChatRequest): Promise<ChatResponse> {
    const stream = request.stream === true;
    return this.transport.post('/chat/completions', openAiBody(request, this.maxTokensField), { stream, signal: request.signal, onDelta: request.onDelta }, openAiReader(request.model));
  }
}

/** The arguments of a tool call as the JSON text OpenAI carries: what the model sent, when it was not JSON. */
function argumentsText(args: unknown): string {
  return invalidJsonText(args) ?? JSON.stringify(args ?? {});
}

/** A chat request in OpenAI's words. */
export function openAiBody(request: ChatRequest, maxTokensField: 'max_tokens' | 'max_completion_tokens' = 'max_tokens'): Json {
  const messages: Json[] = [];
  if (request.system) messages.push({ role: 'system', content: request.system });
  for (const m of request.messages) {
    if (m.role === 'user') messages.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') messages.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
    else {
      const calls = m.toolCalls ?? [];
      messages.push({
        role: 'assistant',
        // An assistant turn that only called tools has no content (null, not an empty string).
        content: calls.length > 0 && m.content === '' ? null : m.content,
        ...(calls.length > 0 ? { tool_calls: calls.map((c) => ({ id: c.id, type: 'function', function: { name: c.name, arguments: argumentsText(c.arguments) } })) } : {}),
      });
    }
  }
  return {
    model: request.model,
    messages,
    ...(request.tools && request.tools.length > 0
      ? { tools: request.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.inputSchema } })) }
      : {}),
    ...(request.maxTokens !== undefined ? { [maxTokensField]: request.maxTokens } : {}),
    ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
    ...(request.stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  };
}

function usageOf(usage: unknown): TokenUsage {
  const u = isRecord(usage) ? usage : {};
  return { inputTokens: count(u.prompt_tokens), outputTokens: count(u.completion_tokens) };
}

function stopOf(finish: unknown, hasCalls: boolean): StopReason {
  if (finish === 'tool_calls' || finish === 'function_call') return 'tool_calls';
  if (finish === 'length') return 'max_tokens';
  if (finish === 'stop' || finish === 'eos' || finish === null || finish === undefined) return hasCalls ? 'tool_calls' : 'end';
  return 'other';
}

/** A message's content: a string, null (tool calls only), or (some servers) an array of text parts. */
function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (content === null || content === undefined) return '';
  if (Array.isArray(content)) return content.map((part) => (isRecord(part) && typeof part.text === 'string' ? part.text : '')).join('');
  bad('choices[0].message.content is neither text nor null');
}

function toolCallsOf(raw: unknown): ToolCall[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) bad('choices[0].message.tool_calls is not an array');
  return raw.map((call, i) => {
    const fn = isRecord(call) ? call.function : undefined;
    if (!isRecord(call) || !isRecord(fn) || typeof fn.name !== 'string' || fn.name === '') bad(`tool call ${i} has no function name`);
    const args = typeof fn.arguments === 'string' ? parseToolArguments(fn.arguments) : (fn.arguments ?? {});
    return { id: typeof call.id === 'string' && call.id ? call.id : `call_${i}`, name: fn.name, arguments: args };
  });
}

interface StreamedCall {
  id: string;
  name: string;
  args: string;
}

/** Reads a chat completion, or reassembles one from its chunks (text pieces, tool calls by index with their arguments split across chunks). */
export function openAiReader(model: string): ReplyReader<ChatResponse> {
  return {
    textOf: (value) => value.text,
    json(body) {
      if (!isRecord(body)) bad('the body is not a JSON object');
      if (body.error) throw streamedError(body.error, 'the provider answered with an error');
      const choice = Array.isArray(body.choices) ? body.choices[0] : undefined;
      if (!isRecord(choice)) bad('the answer has no choices');
      const message = choice.message;
      if (!isRecord(message)) bad('choices[0] has no message');
      const toolCalls = toolCallsOf(message.tool_calls);
      return {
        text: contentText(message.content),
        toolCalls,
        stopReason: stopOf(choice.finish_reason, toolCalls.length > 0),
        usage: usageOf(body.usage),
        model: typeof body.model === 'string' && body.model ? body.model : model,
      };
    },
    async stream(events: AsyncIterable<SseEvent>, emit) {
      let text = '';
      const calls = new Map<number, StreamedCall>();
      let finish: unknown;
      let usage: TokenUsage | undefined;
      let answered = model;
      let done = false;
      let n = 0;
      for await (const event of events) {
        n++;
        if (event.data.trim() === '[DONE]') {
          done = true;
          break;
        }
        const chunk = eventJson(event.data, n);
        if (chunk.error) throw streamedError(chunk.error, 'the provider reported an error in the stream');
        if (typeof chunk.model === 'string' && chunk.model) answered = chunk.model;
        if (isRecord(chunk.usage)) usage = usageOf(chunk.usage);
        if (!Array.isArray(chunk.choices)) continue;
        const choice = chunk.choices.find((c) => isRecord(c) && (c.index ?? 0) === 0);
        if (!isRecord(choice)) continue;
        if (typeof choice.finish_reason === 'string') finish = choice.finish_reason;
        const delta = choice.delta;
        if (!isRecord(delta)) continue;
        if (typeof delta.content === 'string' && delta.content !== '') {
          text += delta.content;
          emit(delta.content);
        }
        if (delta.tool_calls === undefined || delta.tool_calls === null) continue;
        if (!Array.isArray(delta.tool_calls)) bad(`event ${n}: delta.tool_calls is not an array`);
        delta.tool_calls.forEach((piece: unknown, position: number) => {
          if (!isRecord(piece)) bad(`event ${n}: a tool-call delta is not an object`);
          const index = typeof piece.index === 'number' ? piece.index : position;
          let call = calls.get(index);
          if (!call) {
            call = { id: '', name: '', args: '' };
            calls.set(index, call);
          }
          if (typeof piece.id === 'string' && piece.id && !call.id) call.id = piece.id;
          const fn = piece.function;
          if (!isRecord(fn)) return;
          if (typeof fn.name === 'string' && fn.name && !call.name) call.name = fn.name;
          if (typeof fn.arguments === 'string') call.args += fn.arguments;
          else if (isRecord(fn.arguments)) call.args += JSON.stringify(fn.arguments);
        });
      }
      if (!done) bad(`the stream ended before data: [DONE] (after ${n} events${finish === undefined ? ', without a finish reason' : ''}): it was cut off`);
      const toolCalls = [...calls.entries()]
        .sort(([a], [b]) => a - b)
        .map(([index, call]) => {
          if (!call.name) bad(`streamed tool call ${index} has no function name`);
          return { id: call.id || `call_${index}`, name: call.name, arguments: parseToolArguments(call.args) };
        });
      return { text, toolCalls, stopReason: stopOf(finish, toolCalls.length > 0), usage: usage ?? { inputTokens: 0, outputTokens: 0 }, model: answered };
    },
  };
}
