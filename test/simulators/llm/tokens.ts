import { randomBytes } from 'node:crypto';

/**
 * Small helpers both formats share: rough token counts, provider-style ids, and cutting strings into
 * the pieces a stream sends them in.
 */

/** About four characters a token: close enough for budget and accounting code, and deterministic. */
export function roughTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

const ALPHANUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Random base62 characters, the alphabet both providers' ids use after their prefix. */
function base62(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALPHANUM[b % ALPHANUM.length];
  return out;
}

/** OpenAI ids: `chatcmpl-…` for completions, `call_…` for tool calls (24 characters after the prefix). */
export const openaiId = {
  completion: (): string => `chatcmpl-${base62(29)}`,
  toolCall: (): string => `call_${base62(24)}`,
  request: (): string => `req_${randomBytes(16).toString('hex')}`,
};

/** Anthropic ids: `msg_01…`, `toolu_01…`, `req_01…` (the `01` is how today's ids begin). */
export const anthropicId = {
  message: (): string => `msg_01${base62(22)}`,
  toolUse: (): string => `toolu_01${base62(22)}`,
  request: (): string => `req_01${base62(22)}`,
};

/**
 * Cuts a string into pieces of at most `size` characters (by code point, so no surrogate pair is split).
 * Streams send text and tool arguments this way so that clients must join pieces, as with real models.
 */
export function pieces(text: string, size = 8): string[] {
  const chars = Array.from(text);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i += size) out.push(chars.slice(i, i + size).join(''));
  return out;
}

/** The text of a content value in either format: a string, or an array of parts/blocks holding text. */
export function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  const parts: string[] = [];
  for (const part of content) {
    if (!part || typeof part !== 'object') continue;
    const p = part as Record<string, unknown>;
    if (typeof p.text === 'string') parts.push(p.text);
    // Anthropic tool_result blocks nest their own content (a string or text blocks).
    else if (p.type === 'tool_result') parts.push(textOf(p.content));
  }
  return parts.join('\n');
}
