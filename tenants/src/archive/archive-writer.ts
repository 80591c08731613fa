import { createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, unlink } from 'node:fs/promises';
import { Transform, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, type Gzip } from 'node:zlib';
import { newEncryption, SealChunks } from './archive-crypto.js';
import { ArchiveErrors } from './archive-errors.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_FORMAT_VERSION,
  controlLine,
  headerLine,
  isPlainObject,
  isSafeCount,
  partNameProblem,
  rowLine,
  sha256,
  type ArchiveRow,
  type ArchiveSourceInfo,
  type ArchiveSummary,
  type PartSummary,
} from './archive-format.js';

export interface ArchiveWriterOptions {
  /** Free-form JSON metadata of the archive (the tenant's id and subdomain, who exported it...). */
  readonly meta?: Record<string, unknown>;
  /** The platform writing the archive (version, database dialect...), as the caller describes it. */
  readonly source?: ArchiveSourceInfo;
  /** Encrypts the body (AES-256-GCM, key from scrypt); the header stays readable. */
  readonly passphrase?: string | Buffer;
}

/** Row lines are gathered to about this many characters before one write: zlib pays per write. */
const BATCH_CHARS = 64 * 1024;
const MISUSE = ArchiveErrors.ARCHIVE_WRITER_MISUSE;

/** Counts the bytes of the body as they leave for the file. */
class ByteCounter extends Transform {
  bytes: number;
  constructor(start: number) {
    super();
    this.bytes = start;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

/** What the writer needs from a part: its rows go through the writer, which keeps the part's tally. */
interface PartSink {
  row(part: PartWriter, line: string): Promise<void>;
  end(part: PartWriter): Promise<PartSummary>;
}

/** The rows of one part being written; get one from `ArchiveWriter.part`. */
export class PartWriter {
  readonly #sink: PartSink;

  /** @internal */
  constructor(readonly name: string, readonly schemaVersion: number, sink: PartSink) {
    this.#sink = sink;
  }

  /**
   * Adds a row (a plain object). Resolves when the archive can take more, so a loop that awaits it
   * never runs ahead of the disk.
   */
  async row(row: ArchiveRow): Promise<void> {
    await this.#sink.row(this, rowLine(row, this.name));
  }

  /** Ends the part: writes its row count and checksum, and returns its summary. */
  end(): Promise<PartSummary> {
    return this.#sink.end(this);
  }
}

/**
 * Writes a tenant archive (format 2, see archive-format.ts) as a stream: parts one after another, rows
 * as they come, in memory no more than a batch of rows and the compressor's window. Writing to a path
 * goes through a temporary file beside it, renamed on `close()`: the path holds a whole archive or
 * nothing new. After a failure, call `abort()`.
 *
 * ```ts
 * const w = await ArchiveWriter.create(file, { meta: { tenant: 'acme' }, source: { version }, passphrase });
 * const p = w.part('db:notes', 3);
 * for (const row of rows) await p.row(row);
 * await p.end();
 * const summary = await w.close();
 * ```
 */
export class ArchiveWriter {
  readonly #gzip: Gzip;
  readonly #counter: ByteCounter;
  readonly #finished: Promise<void>;
  readonly #file: TempFile | null;
  readonly #bodyHash = createHash('sha256');
  readonly #parts: PartSummary[] = [];
  readonly #names = new Set<string>();
  readonly #sink: PartSink = { row: (part, line) => this.#row(part, line), end: (part) => this.#endPart(part) };
  #open: OpenPart | null = null;
  #batch = '';
  #closed = false;
  #failure: Error | null = null;

  private constructor(gzip: Gzip, counter: ByteCounter, finished: Promise<void>, file: TempFile | null) {
    this.#gzip = gzip;
    this.#counter = counter;
    this.#file = file;
    // Remembered at once: a failing disk fails the next row(), not only close().
    this.#finished = finished.catch((err: Error) => {
      this.#failure ??= err;
      throw err;
    });
    this.#finished.catch(() => undefined);
  }

  /**
   * Opens the target, derives the key when a passphrase is given (scrypt: about 0.1 s), and writes the
   * header and the archive record. A Writable target is ended by `close()`.
   */
  static async create(target: string | Writable, options: ArchiveWriterOptions = {}): Promise<ArchiveWriter> {
    const record = archiveRecordLine(options);
    if (options.passphrase !== undefined && options.passphrase.length === 0) throw MISUSE('the passphrase is empty; give none to write an unencrypted archive');
    const encryption = options.passphrase === undefined ? null : await newEncryption(options.passphrase);
    const header = headerLine({ formatVersion: ARCHIVE_FORMAT_VERSION, encryption: encryption?.params ?? null });

    let sink: Writable = target as Writable;
    let file: TempFile | null = null;
    if (typeof target === 'string') {
      file = { path: target, temp: `${target}.${randomBytes(6).toString('hex')}.partial` };
      sink = createWriteStream(file.temp, { flags: 'wx', mode: 0o600 });
      await once(sink, 'open');
    }
    sink.write(header);
    const gzip = createGzip();
    const counter = new ByteCounter(header.length);
    const stages = encryption ? [gzip, new SealChunks(encryption.key, encryption.params, sha256(header)), counter, sink] : [gzip, counter, sink];
    const writer = new ArchiveWriter(gzip, counter, pipeline(stages), file);
    writer.#bodyHash.update(header).update(record);
    try {
      await writer.#write(record);
    } catch (err) {
      await writer.abort();
      throw err;
    }
    return writer;
  }

  /** Starts the next part; the previous one must have ended. Names are unique within an archive. */
  part(name: string, schemaVersion: number): PartWriter {
    this.#assertWritable();
    if (this.#open) throw MISUSE(`part "${this.#open.part.name}" is still open; end() it before starting part "${name}"`);
    const problem = partNameProblem(name);
    if (problem) throw MISUSE(problem);
    if (this.#names.has(name)) throw MISUSE(`the archive already has a part "${name}"`);
    if (!isSafeCount(schemaVersion)) throw MISUSE(`the schema version of part "${name}" must be a whole number from 0, not ${String(schemaVersion)}`);
    this.#names.add(name);
    const line = Buffer.from(controlLine({ t: 'part', name, schemaVersion }));
    this.#bodyHash.update(line);
    // One small write per part may pass the high-water mark; rows then wait for the drain.
    this.#gzip.write(line);
    const part = new PartWriter(name, schemaVersion, this.#sink);
    this.#open = { part, hash: createHash('sha256').update(line), rows: 0, bytes: 0 };
    return part;
  }

  /** Writes the trailer, finishes the file and returns what it holds. */
  async close(): Promise<ArchiveSummary> {
    this.#assertWritable();
    if (this.#open) throw MISUSE(`part "${this.#open.part.name}" is still open; end() it before closing the archive`);
    this.#closed = true;
    try {
      const digest = this.#bodyHash.digest('hex');
      await this.#write(Buffer.from(controlLine({ t: 'trailer', parts: this.#parts, sha256: digest })));
      this.#gzip.end();
      await this.#finished;
      if (this.#file) await rename(this.#file.temp, this.#file.path);
    } catch (err) {
      await this.#discard();
      throw err;
    }
    return { parts: [...this.#parts], bytes: this.#counter.bytes };
  }

  /** Stops writing and removes the temporary file; the target path is left as it was. */
  async abort(): Promise<void> {
    this.#closed = true;
    this.#gzip.destroy(new Error('tenant archive aborted'));
    await this.#finished.catch(() => undefined);
    await this.#discard();
  }

  async #discard(): Promise<void> {
    if (this.#file) await unlink(this.#file.temp).catch(() => undefined);
  }

  #assertWritable(): void {
    if (this.#failure) throw this.#failure;
    if (this.#closed) throw MISUSE('the archive is closed');
  }

  #assertOpen(part: PartWriter): OpenPart {
    this.#assertWritable();
    if (this.#open?.part !== part) throw MISUSE(`part "${part.name}" has ended`);
    return this.#open;
  }

  async #row(part: PartWriter, line: string): Promise<void> {
    this.#assertOpen(part).rows++;
    this.#batch += line;
    if (this.#batch.length >= BATCH_CHARS) await this.#flushRows();
  }

  async #flushRows(): Promise<void> {
    if (this.#batch.length === 0) return;
    const bytes = Buffer.from(this.#batch, 'utf8');
    this.#batch = '';
    const open = this.#open!;
    open.hash.update(bytes);
    open.bytes += bytes.length;
    this.#bodyHash.update(bytes);
    await this.#write(bytes);
  }

  async #endPart(part: PartWriter): Promise<PartSummary> {
    const open = this.#assertOpen(part);
    await this.#flushRows();
    const summary: PartSummary = { name: part.name, schemaVersion: part.schemaVersion, rows: open.rows, bytes: open.bytes, sha256: open.hash.digest('hex') };
    this.#open = null;
    this.#parts.push(summary);
    const line = Buffer.from(controlLine({ t: 'end', rows: summary.rows, bytes: summary.bytes, sha256: summary.sha256 }));
    this.#bodyHash.update(line);
    await this.#write(line);
    return summary;
  }

  /** Writes into the compressor, waiting for it to drain when it asks, or for the failure that stops it. */
  async #write(bytes: Buffer): Promise<void> {
    if (this.#failure) throw this.#failure;
    if (this.#gzip.write(bytes)) return;
    await Promise.race([once(this.#gzip, 'drain'), this.#finished]);
    if (this.#failure) throw this.#failure;
  }
}

interface TempFile {
  readonly path: string;
  readonly temp: string;
}

interface OpenPart {
  readonly part: PartWriter;
  readonly hash: Hash;
  rows: number;
  bytes: number;
}

/** The archive record's line, built before anything is opened: bad metadata fails without leaving a file. */
function archiveRecordLine(options: ArchiveWriterOptions): Buffer {
  const meta = options.meta ?? {};
  const source = options.source ?? {};
  if (!isPlainObject(meta) || !isPlainObject(source)) throw MISUSE('meta and source must be plain objects');
  try {
    return Buffer.from(controlLine({ t: 'archive', format: ARCHIVE_FORMAT, formatVersion: ARCHIVE_FORMAT_VERSION, createdAt: new Date().toISOString(), source, meta }));
  } catch (err) {
    throw MISUSE(`meta or source cannot be written as JSON: ${(err as Error).message}`);
  }
}
