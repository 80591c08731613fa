import type { ServerResponse } from 'node:http';
import type { LlmFormat } from './types.js';

/**
 * What the server needs from each wire format. The server owns routing, recording and scripts; a
 * format owns everything a client can see: auth rules, request rules, error bodies and answers.
 */

/**
 * A 4xx the format sends instead of answering. `fields` are the error object's members beside the
 * message (OpenAI's `type`/`param`/`code`, Anthropic's `type`); the format's defaults fill the rest.
 */
export interface Refusal {
  status: number;
  message: string;
  fields?: Record<string, unknown>;
}

/** A scripted text/tool-call reply made concrete: ids filled in, usage counted. */
export interface Turn {
  text: string | undefined;
  toolCalls: Array<{ id: string; name: string; arguments: unknown }>;
  usage: { input: number; output: number };
}

export interface WireFormat {
  readonly format: LlmFormat;
  /** The header naming the request id on every answer (`x-request-id` / `request-id`), and a fresh id for it. */
  readonly requestIdHeader: string;
  newRequestId(): string;
  /** Checks credentials and required headers; the refusal to send, or undefined to go on. */
  authenticate(headers: Record<string, string>): Refusal | undefined;
  /** Checks the request body the way the provider does; the refusal to send, or undefined. */
  validate(body: unknown): Refusal | undefined;
  /** The text of the last user/tool message: what `on()` markers are matched against. */
  lastMessage(body: any): string;
  /** Whether the request offers the model any tools (a model cannot call a tool it was not given). */
  offersTools(body: any): boolean;
  /** Everything of the request a model would read, for the rough input token count. */
  promptText(body: any): string;
  /** The format's error body for a status (refusals, scripted errors without a body, the unscripted 500). */
  errorBody(status: number, message: string | undefined, requestId: string, fields?: Record<string, unknown>): unknown;
  newToolCallId(): string;
  /** Writes the model's answer, as one JSON body or, when the request asked to stream, as SSE events. */
  answer(res: ServerResponse, body: any, turn: Turn, headers: Record<string, string>): Promise<void>;
}
