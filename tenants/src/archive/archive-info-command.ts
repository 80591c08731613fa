import { readFile, stat } from 'node:fs/promises';
import { ArchiveErrors } from './archive-errors.js';
import { openArchive } from './archive-reader.js';

/** The parsed arguments of `dogan tenant archive-info <file> [--passphrase-file f]`. */
export interface ArchiveInfoArgs {
  readonly file: string;
  readonly passphraseFile?: string;
}

export interface ArchiveInfoOptions {
  /** Error lines; stderr by default. */
  readonly err?: (line: string) => void;
  /** Progress lines while verifying; stderr by default. */
  readonly progress?: (line: string) => void;
  /** Rows between progress lines (default 1,000,000). */
  readonly progressEvery?: number;
}

const stderr = (line: string) => void process.stderr.write(line + '\n');
const ARCHIVE_CODES = new Set(Object.keys(ArchiveErrors));
const num = (n: number) => n.toLocaleString('en-US');

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A passphrase file's content less one final newline (editors add it; a passphrase never ends in one). */
async function readPassphrase(file: string): Promise<string> {
  const text = (await readFile(file, 'utf8')).replace(/\r?\n$/, '');
  if (text.length === 0) throw new Error(`the passphrase file "${file}" is empty`);
  return text;
}

const json = (value: unknown) => {
  const text = JSON.stringify(value);
  return text.length > 1000 ? `${text.slice(0, 1000)}… (${text.length} characters)` : text;
};

/**
 * Describes an archive and verifies it end to end: metadata, whether it is encrypted, then each part
 * (schema version, rows, bytes) as its checksum is confirmed. Returns the exit code: 0 when the whole
 * archive verified, 1 with one line `archive-info: <CODE>: <what to do>` when it did not, 2 for a file
 * that cannot be read at all.
 */
export async function archiveInfoCommand(args: ArchiveInfoArgs, out: (line: string) => void, options: ArchiveInfoOptions = {}): Promise<number> {
  const err = options.err ?? stderr;
  const progress = options.progress ?? stderr;
  let fileBytes: number;
  let passphrase: string | undefined;
  try {
    fileBytes = (await stat(args.file)).size;
    passphrase = args.passphraseFile === undefined ? undefined : await readPassphrase(args.passphraseFile);
  } catch (e) {
    err(`archive-info: ${(e as Error).message}`);
    return 2;
  }
  let parts = 0;
  let rows = 0;
  try {
    const archive = await openArchive(args.file, {
      passphrase,
      progressEvery: options.progressEvery ?? 1_000_000,
      onProgress: (p) => progress(`verifying: ${num(p.rows)} rows, ${size(p.bytesRead)} of ${size(fileBytes)} read (part ${p.part})`),
    });
    out(`file        ${args.file} (${size(fileBytes)})`);
    out(`format      ${archive.formatVersion}${archive.formatVersion === 1 ? ' (one gzipped JSON document, read whole; written by an older Dogan)' : ''}`);
    out(`encrypted   ${archive.encrypted ? 'yes (AES-256-GCM, key from the passphrase by scrypt)' : 'no'}`);
    out(`created     ${archive.createdAt}`);
    out(`source      ${json(archive.source)}`);
    out(`meta        ${json(archive.meta)}`);
    out(`${'part'.padEnd(32)} ${'schema'.padStart(6)} ${'rows'.padStart(14)} ${'bytes'.padStart(12)}`);
    for await (const part of archive.parts()) {
      // Printed once its checksum matched: a listing never shows a part that failed.
      const p = await part.skip();
      parts++;
      rows += p.rows;
      out(`${p.name.padEnd(32)} ${String(p.schemaVersion).padStart(6)} ${num(p.rows).padStart(14)} ${size(p.bytes).padStart(12)}`);
    }
    archive.summary();
    out(`verified    ${num(parts)} part(s), ${num(rows)} row(s): every checksum matches`);
    return 0;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && ARCHIVE_CODES.has(code)) {
      err(`archive-info: ${code}: ${(e as Error).message}`);
      return 1;
    }
    throw e;
  }
}
