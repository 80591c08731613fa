import type { Readable } from 'node:stream';
import { isDoganError } from '@dogan/runtime';
import { ArchiveErrors } from './archive-errors.js';
import { MAX_RECORD_BYTES } from './archive-format.js';

const EMPTY = Buffer.alloc(0);

/** The archive's raw bytes as they arrive: the front can be looked at and taken, the rest streams on. */
export class ByteInput {
  readonly #stream: Readable;
  readonly #it: AsyncIterator<Buffer | string>;
  #held: Buffer = EMPTY;
  #ended = false;
  bytesRead = 0;

  constructor(stream: Readable) {
    this.#stream = stream;
    this.#it = stream[Symbol.asyncIterator]();
  }

  async #pull(): Promise<boolean> {
    if (this.#ended) return false;
    const next = await this.#it.next();
    if (next.done) {
      this.#ended = true;
      return false;
    }
    const chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    this.bytesRead += chunk.length;
    this.#held = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    return true;
  }

  /** At least `n` bytes from the front (fewer only when the input is shorter), left in place. */
  async peek(n: number): Promise<Buffer> {
    while (this.#held.length < n && (await this.#pull()));
    return this.#held;
  }

  /** The first line with its "\n", taken off; 'ended' or 'too-long' when there is none within `max` bytes. */
  async line(max: number): Promise<Buffer | 'ended' | 'too-long'> {
    for (;;) {
      const nl = this.#held.indexOf(10);
      if (nl !== -1 && nl < max) {
        const line = this.#held.subarray(0, nl + 1);
        this.#held = this.#held.subarray(nl + 1);
        return line;
      }
      if (this.#held.length >= max) return 'too-long';
      if (!(await this.#pull())) return 'ended';
    }
  }

  /** What is left, as it arrives. */
  async *rest(): AsyncGenerator<Buffer> {
    do {
      const held = this.#held;
      this.#held = EMPTY;
      if (held.length > 0) yield held;
    } while (await this.#pull());
  }

  close(): void {
    this.#stream.destroy();
  }
}

/** A stream error as an archive error: zlib's codes say whether the data ended early or is wrong. */
export function asArchiveError(err: unknown, label: string): unknown {
  if (isDoganError(err)) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'Z_BUF_ERROR') return ArchiveErrors.ARCHIVE_TRUNCATED(label, 'in the middle of its compressed data');
  if (typeof code === 'string' && code.startsWith('Z_')) return ArchiveErrors.ARCHIVE_CORRUPT(label, `its compressed data is invalid (${(err as Error).message})`);
  return err;
}

/** Lines (each with its "\n") of a decompressed body, no longer than MAX_RECORD_BYTES. */
export class LineReader {
  readonly #it: AsyncIterator<Buffer>;
  readonly #label: string;
  #chunk: Buffer | null = null;
  #pos = 0;
  #pieces: Buffer[] = [];
  #piecesLength = 0;

  constructor(stream: Readable, label: string) {
    this.#it = stream[Symbol.asyncIterator]();
    this.#label = label;
  }

  /** The next line; null at the end of the data. */
  async next(): Promise<Buffer | null> {
    for (;;) {
      const chunk = this.#chunk;
      if (chunk) {
        const nl = chunk.indexOf(10, this.#pos);
        if (nl !== -1) {
          const tail = chunk.subarray(this.#pos, nl + 1);
          this.#pos = nl + 1;
          return this.#pieces.length === 0 ? tail : this.#join(tail);
        }
        this.#hold(chunk.subarray(this.#pos));
        this.#chunk = null;
      }
      const next = await this.#read();
      if (next === null) {
        if (this.#piecesLength > 0) throw ArchiveErrors.ARCHIVE_TRUNCATED(this.#label, 'in the middle of a record');
        return null;
      }
      this.#chunk = next;
      this.#pos = 0;
    }
  }

  #hold(piece: Buffer): void {
    if (piece.length === 0) return;
    this.#pieces.push(piece);
    this.#piecesLength += piece.length;
    if (this.#piecesLength > MAX_RECORD_BYTES) throw ArchiveErrors.ARCHIVE_CORRUPT(this.#label, `it holds a record longer than ${MAX_RECORD_BYTES} bytes`);
  }

  #join(tail: Buffer): Buffer {
    this.#pieces.push(tail);
    const line = Buffer.concat(this.#pieces, this.#piecesLength + tail.length);
    this.#pieces = [];
    this.#piecesLength = 0;
    return line;
  }

  async #read(): Promise<Buffer | null> {
    try {
      const next = await this.#it.next();
      return next.done ? null : next.value;
    } catch (err) {
      throw asArchiveError(err, this.#label);
    }
  }
}
