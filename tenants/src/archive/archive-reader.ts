import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip, type Gunzip } from 'node:zlib';
import { openChunks, unlock } from './archive-crypto.js';
import { ArchiveErrors } from './archive-errors.js';
import {
  ARCHIVE_FORMAT,
  decodeRow,
  HEADER_MAGIC,
  isRowLine,
  MAX_HEADER_BYTES,
  parseControl,
  parseHeaderLine,
  samePartSummaries,
  sha256,
  type ArchiveHeader,
  type ArchivePart,
  type ArchiveRecord,
  type ArchiveRow,
  type ArchiveSummary,
  type OpenedArchive,
  type PartSummary,
} from './archive-format.js';
import { ByteInput, LineReader } from './archive-input.js';
import { legacyVerdict, readLegacyV1 } from './legacy-v1.js';

export interface ArchiveReaderOptions {
  /** Needed for an encrypted archive; ignored for another. */
  readonly passphrase?: string | Buffer;
  /** Called every `progressEvery` rows (default 100,000), read or skipped. */
  readonly onProgress?: (progress: ArchiveProgress) => void;
  readonly progressEvery?: number;
  /** How errors name the archive; by default its path in quotes, or "The tenant archive" for a stream. */
  readonly label?: string;
}

export interface ArchiveProgress {
  /** The part being read. */
  readonly part: string;
  /** Rows read or skipped so far, all parts together. */
  readonly rows: number;
  /** Bytes of the file read so far. */
  readonly bytesRead: number;
}

const { ARCHIVE_CHECKSUM_MISMATCH, ARCHIVE_CORRUPT, ARCHIVE_INVALID, ARCHIVE_PART_ORDER, ARCHIVE_TRUNCATED } = ArchiveErrors;
const MAGIC = Buffer.from(HEADER_MAGIC);

/** A part while it is read; its rows come through the reader, which checks them. */
class PartCursor implements ArchivePart {
  state: 'new' | 'reading' | 'done' = 'new';
  /** A rows() loop is running. */
  active = false;
  rowCount = 0;
  bytes = 0;
  summary: PartSummary | null = null;

  constructor(
    readonly name: string,
    readonly schemaVersion: number,
    readonly hash: Hash,
    private readonly reader: { rows(part: PartCursor): AsyncGenerator<ArchiveRow>; skip(part: PartCursor): Promise<PartSummary> },
  ) {}

  rows(): AsyncIterable<ArchiveRow> {
    return this.reader.rows(this);
  }

  skip(): Promise<PartSummary> {
    return this.reader.skip(this);
  }
}

/**
 * Reads a tenant archive of format 2 (see archive-format.ts) as a stream, checking as it goes: the
 * header and passphrase at `open`, each encrypted chunk before its bytes are used, each part's count
 * and SHA-256 at its end, the trailer at the end of the walk. Holds a chunk and a row at a time.
 *
 * ```ts
 * const archive = await ArchiveReader.open(file, { passphrase });
 * for await (const part of archive.parts()) {
 *   if (part.name !== 'db:notes') { await part.skip(); continue; }
 *   for await (const row of part.rows()) ...
 * }
 * archive.summary();
 * ```
 *
 * Rows of a damaged part may be yielded before its end reveals the damage (rows of a later part never
 * are): an importer that must be all-or-nothing calls `ArchiveReader.verify` first.
 */
export class ArchiveReader implements OpenedArchive {
  readonly formatVersion: number;
  readonly encrypted: boolean;
  readonly #input: ByteInput;
  readonly #gunzip: Gunzip;
  readonly #lines: LineReader;
  readonly #label: string;
  readonly #options: ArchiveReaderOptions;
  readonly #bodyHash: Hash;
  readonly #seen: PartSummary[] = [];
  readonly #ops = { rows: (part: PartCursor) => this.#rows(part), skip: (part: PartCursor) => this.#skip(part) };
  #record: ArchiveRecord | null = null;
  /** The last line read, added to the body hash when the next is read: the trailer's own line is not. */
  #unhashed: Buffer | null = null;
  #current: PartCursor | null = null;
  #rowsRead = 0;
  #walked = false;
  #done = false;
  #failure: unknown = null;

  private constructor(header: { header: ArchiveHeader; line: Buffer }, input: ByteInput, gunzip: Gunzip, label: string, options: ArchiveReaderOptions) {
    this.formatVersion = header.header.formatVersion;
    this.encrypted = header.header.encryption !== null;
    this.#bodyHash = createHash('sha256').update(header.line);
    this.#input = input;
    this.#gunzip = gunzip;
    this.#lines = new LineReader(gunzip, label);
    this.#label = label;
    this.#options = options;
  }

  /**
   * Reads the header and the archive record. Throws ARCHIVE_VERSION_OLD for format 1 (see
   * `openArchive`), ARCHIVE_PASSPHRASE_REQUIRED / _WRONG for an encrypted archive without the right one.
   */
  static async open(source: string | Readable, options: ArchiveReaderOptions = {}): Promise<ArchiveReader> {
    const label = options.label ?? (typeof source === 'string' ? JSON.stringify(source) : 'The tenant archive');
    const input = new ByteInput(typeof source === 'string' ? createReadStream(source, { highWaterMark: 64 * 1024 }) : source);
    let reader: ArchiveReader | null = null;
    try {
      const header = await readHeader(input, label);
      let body: AsyncIterable<Buffer> = input.rest();
      const encryption = header.header.encryption;
      if (encryption) {
        if (options.passphrase === undefined || options.passphrase.length === 0) throw ArchiveErrors.ARCHIVE_PASSPHRASE_REQUIRED(label);
        const key = await unlock(options.passphrase, encryption, label);
        body = openChunks(body, key, encryption, sha256(header.line), label);
      }
      const gunzip = createGunzip();
      // Errors reach the reader through the gunzip stream's iterator (see LineReader).
      pipeline(body, gunzip, () => undefined);
      reader = new ArchiveReader(header, input, gunzip, label, options);
      await reader.#readArchiveRecord();
      return reader;
    } catch (err) {
      input.close();
      reader?.close();
      throw err;
    }
  }

  /**
   * Reads a whole archive, every row parsed and none kept, and returns its summary: the first pass of an
   * all-or-nothing import. Memory stays that of one chunk and one row.
   */
  static async verify(source: string | Readable, options: ArchiveReaderOptions = {}): Promise<ArchiveSummary> {
    const reader = await ArchiveReader.open(source, options);
    try {
      return await walkAll(reader);
    } finally {
      reader.close();
    }
  }

  get createdAt(): string {
    return this.#record!.createdAt;
  }

  get source(): ArchiveRecord['source'] {
    return this.#record!.source;
  }

  get meta(): ArchiveRecord['meta'] {
    return this.#record!.meta;
  }

  async *parts(): AsyncGenerator<ArchivePart> {
    if (this.#walked) throw ARCHIVE_PART_ORDER('parts() walks an archive once; open it again to read it again');
    this.#walked = true;
    try {
      for (;;) {
        const line = await this.#nextLine('its next part or its trailer');
        const record = parseControl(line, this.#label, `after part ${this.#seen.length}`);
        if (record.t === 'trailer') {
          this.#checkTrailer(record.parts, record.sha256);
          if ((await this.#lines.next()) !== null) throw ARCHIVE_CORRUPT(this.#label, 'data follows its trailer');
          this.#done = true;
          return;
        }
        if (record.t !== 'part') throw ARCHIVE_CORRUPT(this.#label, `a "${record.t}" record stands where a part or the trailer belongs`);
        if (this.#seen.some((p) => p.name === record.name)) throw ARCHIVE_CORRUPT(this.#label, `it holds part "${record.name}" twice`);
        const part = new PartCursor(record.name, record.schemaVersion, createHash('sha256').update(line), this.#ops);
        this.#current = part;
        yield part;
        if (this.#failure) throw this.#failure;
        if (part.state !== 'done') throw ARCHIVE_PART_ORDER(`part "${part.name}" was left before its end; read its rows to the end or call skip() before asking for the next part`);
      }
    } catch (err) {
      throw this.#fail(err);
    } finally {
      if (!this.#done) this.close();
    }
  }

  summary(): ArchiveSummary {
    if (!this.#done) throw ARCHIVE_PART_ORDER('the summary is known once parts() was walked to its end');
    return { parts: [...this.#seen], bytes: this.#input.bytesRead };
  }

  close(): void {
    this.#input.close();
    this.#gunzip.destroy();
  }

  async #readArchiveRecord(): Promise<void> {
    const record = parseControl(await this.#nextLine('its archive record'), this.#label, 'at the start of its body');
    if (record.t !== 'archive') throw ARCHIVE_CORRUPT(this.#label, 'its body does not begin with the archive record');
    if (record.formatVersion !== this.formatVersion) throw ARCHIVE_CORRUPT(this.#label, `its header says format ${this.formatVersion} and its body format ${record.formatVersion}`);
    this.#record = { createdAt: record.createdAt, source: record.source, meta: record.meta };
  }

  async #nextLine(expecting: string): Promise<Buffer> {
    const line = await this.#lines.next();
    if (line === null) throw ARCHIVE_TRUNCATED(this.#label, `before ${expecting}`);
    if (this.#unhashed) this.#bodyHash.update(this.#unhashed);
    this.#unhashed = line;
    return line;
  }

  /** The first failure is the one every later call reports; the file is released. */
  #fail(err: unknown): unknown {
    if (this.#failure === null && !ARCHIVE_PART_ORDER.is(err)) this.#failure = err;
    this.close();
    return this.#failure ?? err;
  }

  #claim(part: PartCursor, how: 'rows' | 'skip'): void {
    if (this.#failure) throw this.#failure;
    if (part.active) throw ARCHIVE_PART_ORDER(`the rows of part "${part.name}" are being read; leave that loop before calling ${how === 'rows' ? 'rows()' : 'skip()'}`);
    if (how === 'rows' && part.state !== 'new') {
      throw ARCHIVE_PART_ORDER(`the rows of part "${part.name}" can be read once; ${part.state === 'done' ? 'they were read to the end' : 'call skip() to pass over the rest'}`);
    }
    part.state = 'reading';
  }

  async *#rows(part: PartCursor): AsyncGenerator<ArchiveRow> {
    this.#claim(part, 'rows');
    part.active = true;
    const fail = (reason: string) => ARCHIVE_CORRUPT(this.#label, `${reason} (part "${part.name}", row ${part.rowCount})`);
    try {
      for (;;) {
        const line = await this.#nextLine(`the end of part "${part.name}"`);
        if (!isRowLine(line)) {
          this.#endPart(part, line);
          return;
        }
        this.#countRow(part, line);
        yield decodeRow(line, fail);
      }
    } catch (err) {
      throw this.#fail(err);
    } finally {
      part.active = false;
    }
  }

  async #skip(part: PartCursor): Promise<PartSummary> {
    if (part.summary) return part.summary;
    this.#claim(part, 'skip');
    try {
      for (;;) {
        const line = await this.#nextLine(`the end of part "${part.name}"`);
        if (!isRowLine(line)) return this.#endPart(part, line);
        this.#countRow(part, line);
      }
    } catch (err) {
      throw this.#fail(err);
    }
  }

  #countRow(part: PartCursor, line: Buffer): void {
    part.hash.update(line);
    part.rowCount++;
    part.bytes += line.length;
    const every = this.#options.progressEvery ?? 100_000;
    if (++this.#rowsRead % every === 0) this.#options.onProgress?.({ part: part.name, rows: this.#rowsRead, bytesRead: this.#input.bytesRead });
  }

  #endPart(part: PartCursor, line: Buffer): PartSummary {
    const record = parseControl(line, this.#label, `in part "${part.name}"`);
    if (record.t !== 'end') throw ARCHIVE_CORRUPT(this.#label, `part "${part.name}" has a "${record.t}" record where a row or its end belongs`);
    const what = `part "${part.name}"`;
    if (record.rows !== part.rowCount) throw ARCHIVE_CHECKSUM_MISMATCH(this.#label, what, `its end record counts ${record.rows} rows; it holds ${part.rowCount}`);
    const digest = part.hash.digest('hex');
    if (record.bytes !== part.bytes || record.sha256 !== digest) throw ARCHIVE_CHECKSUM_MISMATCH(this.#label, what, 'the SHA-256 of its rows differs from its end record');
    part.state = 'done';
    part.summary = { name: part.name, schemaVersion: part.schemaVersion, rows: part.rowCount, bytes: part.bytes, sha256: digest };
    this.#current = null;
    this.#seen.push(part.summary);
    return part.summary;
  }

  #checkTrailer(parts: readonly PartSummary[], digest: string): void {
    if (this.#current) throw ARCHIVE_CORRUPT(this.#label, `its trailer comes inside part "${this.#current.name}"`);
    if (!samePartSummaries(parts, this.#seen)) {
      const names = (list: readonly PartSummary[]) => list.map((p) => p.name).join(', ') || 'none';
      throw ARCHIVE_CHECKSUM_MISMATCH(this.#label, 'its trailer', `the trailer lists parts ${names(parts)}; the archive holds ${names(this.#seen)}, with other counts or checksums`);
    }
    if (this.#bodyHash.digest('hex') !== digest) throw ARCHIVE_CHECKSUM_MISMATCH(this.#label, 'its trailer', 'the SHA-256 of everything before the trailer differs');
  }
}

/** The header line, after telling format 1 and other files apart from format 2. */
async function readHeader(input: ByteInput, label: string): Promise<{ header: ArchiveHeader; line: Buffer }> {
  const front = await input.peek(MAGIC.length);
  if (front.length === 0) throw ARCHIVE_INVALID(label, 'it is empty');
  if (front.length >= 2 && front[0] === 0x1f && front[1] === 0x8b) throw legacyVerdict(await input.peek(512), label);
  const n = Math.min(front.length, MAGIC.length);
  if (!front.subarray(0, n).equals(MAGIC.subarray(0, n))) throw ARCHIVE_INVALID(label, `it does not begin with "${ARCHIVE_FORMAT}"`);
  const line = await input.line(MAX_HEADER_BYTES);
  if (line === 'ended') throw ARCHIVE_TRUNCATED(label, 'within its header line');
  if (line === 'too-long') throw ARCHIVE_INVALID(label, `its header line is longer than ${MAX_HEADER_BYTES} bytes`);
  return { header: parseHeaderLine(line, label), line };
}

/** Every part's rows, parsed and dropped; the summary at the end. */
async function walkAll(archive: OpenedArchive): Promise<ArchiveSummary> {
  for await (const part of archive.parts()) {
    for await (const _row of part.rows()) {
      // parsed (so a second pass cannot meet a row that is not JSON) and dropped
    }
  }
  return archive.summary();
}

/**
 * Opens an archive of either format: format 2 streams through `ArchiveReader`; format 1 (a path only)
 * is read whole by `readLegacyV1`.
 */
export async function openArchive(source: string | Readable, options: ArchiveReaderOptions = {}): Promise<OpenedArchive> {
  try {
    return await ArchiveReader.open(source, options);
  } catch (err) {
    if (typeof source === 'string' && ArchiveErrors.ARCHIVE_VERSION_OLD.is(err)) return readLegacyV1(source);
    throw err;
  }
}

/** `ArchiveReader.verify` for either format. */
export async function verifyArchive(source: string | Readable, options: ArchiveReaderOptions = {}): Promise<ArchiveSummary> {
  const archive = await openArchive(source, options);
  try {
    return await walkAll(archive);
  } finally {
    archive.close();
  }
}
