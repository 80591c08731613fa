/**
 * A server-sent events reader (the WHATWG event-stream format): lines end in LF, CRLF or CR; a
 * blank line dispatches the event built so far; `data` lines join with LF; lines starting with a
 * colon are comments (keep-alives). UTF-8 split across chunks is decoded whole.
 */

export interface SseEvent {
  /** The `event:` field, when there was one (Anthropic names every event; OpenAI none). */
  readonly event: string | undefined;
  readonly data: string;
}

export class SseLimitError extends Error {
  constructor(readonly what: string) {
    super(what);
    this.name = 'SseLimitError';
  }
}

/**
 * The events of a byte stream. An event the stream ended in the middle of is dropped unless its last
 * line was complete (a server that leaves out the final blank line); a line longer than
 * `maxLineBytes` is refused, so a runaway stream cannot fill memory.
 */
export async function* readSse(body: AsyncIterable<Uint8Array | string>, maxLineBytes = 4 * 1024 * 1024): AsyncGenerator<SseEvent> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let afterCr = false;
  let event: string | undefined;
  let data: string[] = [];
  let fields = 0;

  function* line(text: string): Generator<SseEvent> {
    if (text === '') {
      if (fields > 0 && data.length > 0) yield { event, data: data.join('\n') };
      event = undefined;
      data = [];
      fields = 0;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const name = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else return;
    fields++;
  }

  for await (const chunk of body) {
    let text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    // A CR ended the previous chunk: an LF opening this one belongs to it.
    if (afterCr && text.startsWith('\n')) text = text.slice(1);
    afterCr = false;
    let start = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      yield* line(pending + text.slice(start, i));
      pending = '';
      if (c === 13) {
        if (i + 1 < text.length && text.charCodeAt(i + 1) === 10) i++;
        else if (i + 1 === text.length) afterCr = true;
      }
      start = i + 1;
    }
    pending += text.slice(start);
    if (pending.length > maxLineBytes) throw new SseLimitError(`an event-stream line longer than ${maxLineBytes} bytes`);
  }
  pending += decoder.decode();
  // The stream ended on a complete line without the blank line after it: dispatch what was built.
  if (pending === '') yield* line('');
}
