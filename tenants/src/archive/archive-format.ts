/**
 * Format 2 of Dogan's tenant archives: the bytes, and the pieces the writer and reader share.
 *
 * An archive is archive-level metadata and a sequence of named PARTS. Each part has an owner-chosen
 * integer `schemaVersion` and a stream of JSON ROWS (objects). The writer streams (parts one after
 * another, never seeking back) and the reader streams, so neither holds more than a chunk of a tenant.
 *
 * BYTES
 *
 *   dogan-tenant-archive {"formatVersion":2,"encryption":null}\n      ← header line, plaintext, ≤ 4 KiB
 *   <body>                                                              ← to the end of the file
 *
 * The header line is the magic `dogan-tenant-archive ` and a JSON object. A reader of any version can
 * read `formatVersion` from it and say "made by a newer Dogan" instead of failing on the bytes after.
 * `encryption` is null, or when a passphrase was given:
 *
 *   {"cipher":"aes-256-gcm","chunkBytes":65536,"noncePrefix":"<8 bytes hex>",
 *    "kdf":{"name":"scrypt","N":32768,"r":8,"p":1,"salt":"<16 bytes base64>"},"keyCheck":"<16 bytes hex>"}
 *
 * BODY, before encryption: one gzip stream of NDJSON records, one per line, in this order:
 *
 *   {"t":"archive","format":"dogan-tenant-archive","formatVersion":2,"createdAt":"<ISO>","source":{...},"meta":{...}}
 *   then, per part:
 *   {"t":"part","name":"db:notes","schemaVersion":3}
 *   {"t":"row","d":{...}}                                  ← one per row, always with this exact prefix
 *   {"t":"end","rows":n,"bytes":b,"sha256":"<hex>"}
 *   and last:
 *   {"t":"trailer","parts":[{"name","schemaVersion","rows","bytes","sha256"},...],"sha256":"<hex>"}
 *
 * - A part's `sha256` covers the bytes of its `part` line and of its row lines (each with its "\n"), so a
 *   renamed part fails its own check; `bytes` counts its row lines only (uncompressed NDJSON).
 * - The trailer's `sha256` covers every byte before the trailer line: the header line, then the body's
 *   records. Its `parts` must equal what the reader saw. No trailer at the end: ARCHIVE_TRUNCATED.
 * - Row lines are recognised by their prefix, so skipping a part (and finding its end) parses no row.
 * - Values: JSON's, plus Buffers and other Uint8Arrays, written `{"$base64":"..."}` (the convention of
 *   format 1) and read back as Buffers: an object whose only key is `$base64` with a string value IS
 *   a Buffer to the reader. Dates become ISO strings (their toJSON) and bigints decimal strings, as in
 *   format 1; `undefined` members are dropped. A row line may not pass 64 MiB.
 *
 * ENCRYPTION (optional). scrypt(passphrase NFC-normalised, salt, N, r, p) gives a 256-bit master
 * secret; HKDF-SHA256 turns it into the AES-256-GCM key and a 16-byte `keyCheck` stored in the header.
 * The gzip body is cut into 64 KiB chunks, each sealed on its own (ciphertext + 16-byte tag), in the
 * manner of age's STREAM: nonce = noncePrefix ‖ uint32 big-endian chunk counter; additional data =
 * sha256(header line) ‖ one byte, 1 for the last chunk and 0 otherwise. Hence: reordered or repeated
 * chunks fail (counter), a file cut at a chunk boundary fails (its new last chunk was sealed "not
 * last"), an altered header fails (its digest). Plaintext of a chunk is released only once its tag
 * verified, so nothing after an altered byte is ever yielded.
 *
 * Why a key check, when the first chunk's tag would catch a wrong passphrase too: it tells a wrong
 * passphrase (ARCHIVE_PASSPHRASE_WRONG, before the body is touched) from an altered first chunk
 * (ARCHIVE_TAMPERED), and gives a guesser nothing the first tag would not. Every archive has its own
 * random salt, hence its own key, so a nonce never repeats under one key; the random prefix costs
 * nothing and keeps that true should keys ever be shared between archives.
 *
 * HOW DAMAGE IS NAMED. Not a Dogan archive: ARCHIVE_INVALID. Gzip magic (1f 8b) and a format-1 JSON
 * start: ARCHIVE_VERSION_OLD (readLegacyV1 reads those). A header of a later format: ARCHIVE_VERSION_UNSUPPORTED.
 * Unencrypted: a file cut anywhere is ARCHIVE_TRUNCATED (the gzip stream or the records end early);
 * gzip or JSON errors are ARCHIVE_CORRUPT; counts and digests that differ are ARCHIVE_CHECKSUM_MISMATCH
 * naming the part (or the trailer). Encrypted: a chunk that fails its tag is ARCHIVE_TAMPERED, which
 * includes a file cut inside a chunk (indistinguishable from an altered last chunk); a file cut at a
 * chunk boundary is ARCHIVE_TRUNCATED.
 *
 * WHAT THE CHECKS GUARANTEE. Rows stream: a part's rows are yielded before its end record is reached,
 * so a reader of an altered archive may see rows of the damaged part before the error (never rows of a
 * later part: the error is thrown at that part's end at the latest). Unencrypted archives have no
 * authenticity, only integrity against accidents (and a flip in the gzip header's informative fields,
 * FTEXT, mtime, XFL, OS, changes nothing read and goes unnoticed); encrypted ones are authenticated
 * chunk by chunk.
 * An all-or-nothing importer therefore first calls `ArchiveReader.verify` (reads everything, keeps no
 * row), then imports in a second pass.
 */
import { createHash } from 'node:crypto';
import { ArchiveErrors } from './archive-errors.js';

export const ARCHIVE_FORMAT = 'dogan-tenant-archive';
/** The format this code writes and the newest it reads. */
export const ARCHIVE_FORMAT_VERSION = 2;
export const HEADER_MAGIC = `${ARCHIVE_FORMAT} `;
export const MAX_HEADER_BYTES = 4096;
/** Plaintext bytes per encrypted chunk. */
export const CHUNK_BYTES = 64 * 1024;
/** The longest record line, written or read: bounds the reader's memory on a hostile file. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

/** One row of a part: a JSON object (see the header comment for Buffers, Dates and bigints). */
export type ArchiveRow = Record<string, unknown>;

/** What the writer returns for a part, and what the end record and trailer state. */
export interface PartSummary {
  readonly name: string;
  readonly schemaVersion: number;
  readonly rows: number;
  /** Bytes of the part's row lines, uncompressed. */
  readonly bytes: number;
  /** Hex SHA-256 of the part's `part` line and row lines. */
  readonly sha256: string;
}

export interface ArchiveSummary {
  readonly parts: readonly PartSummary[];
  /** Bytes of the archive file (written or read). */
  readonly bytes: number;
}

/** The platform that wrote the archive, as its caller describes it (version, database dialect...). */
export type ArchiveSourceInfo = Readonly<Record<string, unknown>>;

/** A part met while reading: its rows are read or skipped before the next part is asked for. */
export interface ArchivePart {
  readonly name: string;
  readonly schemaVersion: number;
  /** The part's rows, once, in order; checksums are checked as they stream and at the part's end. */
  rows(): AsyncIterable<ArchiveRow>;
  /**
   * Passes over the rest of the part, checking it and parsing no row, and returns its summary (also on
   * a part already read to its end).
   */
  skip(): Promise<PartSummary>;
}

/** An archive opened for reading: format 2 (`ArchiveReader`) or format 1 (`readLegacyV1`). */
export interface OpenedArchive {
  readonly formatVersion: number;
  readonly encrypted: boolean;
  readonly createdAt: string;
  readonly source: ArchiveSourceInfo;
  readonly meta: Readonly<Record<string, unknown>>;
  /** The parts in order; walked once. */
  parts(): AsyncIterable<ArchivePart>;
  /** Parts and size, once `parts()` was walked to its end (the trailer checked). */
  summary(): ArchiveSummary;
  /** Releases the file; needed only when the walk stops early. */
  close(): void;
}

export interface EncryptionParams {
  readonly cipher: 'aes-256-gcm';
  readonly chunkBytes: number;
  readonly noncePrefix: string;
  readonly kdf: { readonly name: 'scrypt'; readonly N: number; readonly r: number; readonly p: number; readonly salt: string };
  readonly keyCheck: string;
}

export interface ArchiveHeader {
  readonly formatVersion: number;
  readonly encryption: EncryptionParams | null;
}

/** The archive record, first in the body. */
export interface ArchiveRecord {
  readonly createdAt: string;
  readonly source: ArchiveSourceInfo;
  readonly meta: Readonly<Record<string, unknown>>;
}

export const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest();

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export const isSafeCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

/** Part names: 1 to 200 characters, no control characters (they end up in messages and listings). */
export function partNameProblem(name: unknown): string | null {
  if (typeof name !== 'string' || name.length === 0 || name.length > 200) return 'a part name is 1 to 200 characters';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(name)) return `part name ${JSON.stringify(name)} holds a control character`;
  return null;
}

// ---- header line ----

export function headerLine(header: ArchiveHeader): Buffer {
  return Buffer.from(`${HEADER_MAGIC}${JSON.stringify(header)}\n`, 'utf8');
}

/** Parses the header line (with its "\n"): the version first, so a newer header is named as such. */
export function parseHeaderLine(line: Buffer, label: string): ArchiveHeader {
  let header: unknown;
  try {
    header = JSON.parse(line.toString('utf8', HEADER_MAGIC.length));
  } catch {
    throw ArchiveErrors.ARCHIVE_INVALID(label, 'its header line is not JSON');
  }
  if (!isPlainObject(header) || !Number.isSafeInteger(header.formatVersion)) throw ArchiveErrors.ARCHIVE_INVALID(label, 'its header states no format version');
  const version = header.formatVersion as number;
  if (version > ARCHIVE_FORMAT_VERSION) throw ArchiveErrors.ARCHIVE_VERSION_UNSUPPORTED(label, version, ARCHIVE_FORMAT_VERSION);
  if (version < ARCHIVE_FORMAT_VERSION) throw ArchiveErrors.ARCHIVE_INVALID(label, `its header states format ${version}, which never had a header line`);
  if (header.encryption === null) return { formatVersion: version, encryption: null };
  const problem = encryptionProblem(header.encryption);
  if (problem) throw ArchiveErrors.ARCHIVE_INVALID(label, `its encryption parameters are not usable: ${problem}`);
  return { formatVersion: version, encryption: header.encryption as EncryptionParams };
}

/** Bounds on what a header may ask of the KDF: a hostile file must not make us allocate gigabytes. */
const SCRYPT_MAX_MEMORY = 256 * 1024 * 1024;

function encryptionProblem(e: unknown): string | null {
  if (!isPlainObject(e)) return 'not an object';
  if (e.cipher !== 'aes-256-gcm') return `cipher ${JSON.stringify(e.cipher)} is unknown`;
  if (e.chunkBytes !== CHUNK_BYTES) return `chunks of ${String(e.chunkBytes)} bytes are not ${CHUNK_BYTES}`;
  if (typeof e.noncePrefix !== 'string' || !/^[0-9a-f]{16}$/.test(e.noncePrefix)) return 'the nonce prefix is not 8 bytes of hex';
  if (typeof e.keyCheck !== 'string' || !/^[0-9a-f]{32}$/.test(e.keyCheck)) return 'the key check is not 16 bytes of hex';
  const kdf = e.kdf;
  if (!isPlainObject(kdf) || kdf.name !== 'scrypt') return 'the key derivation is not scrypt';
  const { N, r, p, salt } = kdf as { N: unknown; r: unknown; p: unknown; salt: unknown };
  if (!isSafeCount(N) || N < 1024 || (N & (N - 1)) !== 0) return 'scrypt N is not a power of two from 1024';
  if (!isSafeCount(r) || r < 1 || r > 32 || !isSafeCount(p) || p < 1 || p > 16) return 'scrypt r or p is out of range';
  if (128 * N * r > SCRYPT_MAX_MEMORY) return `scrypt N=${N}, r=${r} needs more than ${SCRYPT_MAX_MEMORY >> 20} MiB`;
  if (typeof salt !== 'string' || Buffer.from(salt, 'base64').length < 16) return 'the salt is shorter than 16 bytes';
  return null;
}

// ---- body records ----

export const ROW_PREFIX = '{"t":"row","d":';
const ROW_PREFIX_BYTES = Buffer.from(ROW_PREFIX);
const ROW_SUFFIX = '}\n';

/** JSON.stringify hands the replacer a Buffer already turned into `{type,data}`: look at the holder. */
function portable(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Uint8Array) return { $base64: Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64') };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** Only scalars and Dates: plain JSON.stringify says the same, at a third of the replacer's cost. */
function flat(row: Record<string, unknown>): boolean {
  for (const key in row) {
    const value = row[key];
    if (value !== null && (typeof value === 'object' || typeof value === 'bigint') && !(value instanceof Date)) return false;
  }
  return true;
}

/** A row's line with its "\n"; throws ARCHIVE_WRITER_MISUSE for what cannot be a row. */
export function rowLine(row: unknown, part: string): string {
  if (!isPlainObject(row)) throw ArchiveErrors.ARCHIVE_WRITER_MISUSE(`a row of part "${part}" must be a plain object, not ${describe(row)}`);
  let json: string;
  try {
    json = flat(row) ? JSON.stringify(row) : JSON.stringify(row, portable);
  } catch (err) {
    throw ArchiveErrors.ARCHIVE_WRITER_MISUSE(`a row of part "${part}" cannot be written as JSON: ${(err as Error).message}`);
  }
  const line = ROW_PREFIX + json + ROW_SUFFIX;
  // UTF-8 takes at most 3 bytes per UTF-16 unit: count bytes only when the length cannot tell.
  if (line.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(line) > MAX_RECORD_BYTES) {
    throw ArchiveErrors.ARCHIVE_WRITER_MISUSE(`a row of part "${part}" takes ${Buffer.byteLength(line)} bytes; the most is ${MAX_RECORD_BYTES}`);
  }
  return line;
}

const describe = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'object' ? `a ${v.constructor?.name ?? 'object'}` : `a ${typeof v}`);

export function isRowLine(line: Buffer): boolean {
  return line.length >= ROW_PREFIX_BYTES.length + ROW_SUFFIX.length && line.compare(ROW_PREFIX_BYTES, 0, ROW_PREFIX_BYTES.length, 0, ROW_PREFIX_BYTES.length) === 0;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    const b64 = (value as { $base64?: unknown }).$base64;
    if (keys.length === 1 && typeof b64 === 'string') return Buffer.from(b64, 'base64');
  }
  return value;
}

/** The row of a row line (which `isRowLine` recognised); `fail` builds the error for a row that is not JSON. */
export function decodeRow(line: Buffer, fail: (reason: string) => Error): ArchiveRow {
  if (line[line.length - 2] !== 0x7d) throw fail('a row record does not close');
  const text = line.toString('utf8', ROW_PREFIX_BYTES.length, line.length - 2);
  let row: unknown;
  try {
    // The reviver costs a call per value: only rows that may hold a Buffer pay it.
    row = text.includes('"$base64"') ? JSON.parse(text, revive) : JSON.parse(text);
  } catch {
    throw fail('a row is not valid JSON');
  }
  if (typeof row !== 'object' || row === null || Array.isArray(row)) throw fail('a row is not a JSON object');
  return row as ArchiveRow;
}

/** Rows read back from plain JSON (format 1) get the same treatment as rows of format 2. */
export const reviveBinary = (value: unknown): unknown => JSON.parse(JSON.stringify(value), revive);

export type ControlRecord =
  | ({ t: 'archive'; format: typeof ARCHIVE_FORMAT; formatVersion: number } & ArchiveRecord)
  | { t: 'part'; name: string; schemaVersion: number }
  | { t: 'end'; rows: number; bytes: number; sha256: string }
  | { t: 'trailer'; parts: PartSummary[]; sha256: string };

export const controlLine = (record: ControlRecord) => JSON.stringify(record) + '\n';

const isHex64 = (v: unknown) => typeof v === 'string' && /^[0-9a-f]{64}$/.test(v);

function isPartSummary(v: unknown): v is PartSummary {
  return isPlainObject(v) && partNameProblem(v.name) === null && isSafeCount(v.schemaVersion) && isSafeCount(v.rows) && isSafeCount(v.bytes) && isHex64(v.sha256);
}

/** A non-row line as a record, checked field by field; anything else is ARCHIVE_CORRUPT. */
export function parseControl(line: Buffer, label: string, where: string): ControlRecord {
  let rec: unknown;
  try {
    rec = JSON.parse(line.toString('utf8'));
  } catch {
    throw ArchiveErrors.ARCHIVE_CORRUPT(label, `a record ${where} is not valid JSON`);
  }
  const bad = (what: string) => ArchiveErrors.ARCHIVE_CORRUPT(label, `${what} ${where}`);
  if (!isPlainObject(rec)) throw bad('a record that is not an object');
  switch (rec.t) {
    case 'archive':
      if (rec.format !== ARCHIVE_FORMAT || !Number.isSafeInteger(rec.formatVersion) || typeof rec.createdAt !== 'string' || !isPlainObject(rec.source) || !isPlainObject(rec.meta)) throw bad('a malformed archive record');
      break;
    case 'part':
      if (partNameProblem(rec.name) !== null || !isSafeCount(rec.schemaVersion)) throw bad('a malformed part record');
      break;
    case 'end':
      if (!isSafeCount(rec.rows) || !isSafeCount(rec.bytes) || !isHex64(rec.sha256)) throw bad('a malformed end record');
      break;
    case 'trailer':
      if (!Array.isArray(rec.parts) || !rec.parts.every(isPartSummary) || !isHex64(rec.sha256)) throw bad('a malformed trailer');
      break;
    default:
      throw bad(`a record of unknown type ${JSON.stringify(rec.t)}`);
  }
  return rec as unknown as ControlRecord;
}

export function samePartSummaries(a: readonly PartSummary[], b: readonly PartSummary[]): boolean {
  const key = (p: PartSummary) => `${p.name}\u0000${p.schemaVersion}\u0000${p.rows}\u0000${p.bytes}\u0000${p.sha256}`;
  return a.length === b.length && a.every((p, i) => key(p) === key(b[i]!));
}
