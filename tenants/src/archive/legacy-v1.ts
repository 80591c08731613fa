import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import { constants, gunzipSync } from 'node:zlib';
import { readArchive } from '../tenant-archive.js';
import { ArchiveErrors } from './archive-errors.js';
import { controlLine, reviveBinary, rowLine, type ArchivePart, type ArchiveRow, type ArchiveSummary, type OpenedArchive, type PartSummary } from './archive-format.js';

/** How a format-1 archive begins once gunzipped (`JSON.stringify` of its object, keys in this order). */
const LEGACY_START = /^\s*\{\s*"format"\s*:\s*"dogan-tenant-archive"\s*,\s*"version"\s*:\s*1\s*[,}]/;

/**
 * The error for a file that begins with gzip's magic bytes: ARCHIVE_VERSION_OLD when it is a format-1
 * archive, judged from its first bytes without inflating the rest, ARCHIVE_INVALID otherwise.
 */
export function legacyVerdict(front: Buffer, label: string): Error {
  let text: string;
  try {
    text = gunzipSync(front.subarray(0, 512), { finishFlush: constants.Z_SYNC_FLUSH }).toString('utf8');
  } catch {
    return ArchiveErrors.ARCHIVE_INVALID(label, 'it is gzip data that does not decompress');
  }
  return LEGACY_START.test(text) ? ArchiveErrors.ARCHIVE_VERSION_OLD(label) : ArchiveErrors.ARCHIVE_INVALID(label, 'it is gzip data, but not a Dogan tenant archive');
}

/** A schema version format 1 never had: rows are the columns as they were exported. */
export const LEGACY_SCHEMA_VERSION = 0;

interface LegacyPart {
  readonly name: string;
  readonly rows: readonly ArchiveRow[];
}

/** A part's summary as format 2 would state it, so both formats compare. */
function summarise(part: LegacyPart): PartSummary {
  const hash = createHash('sha256').update(controlLine({ t: 'part', name: part.name, schemaVersion: LEGACY_SCHEMA_VERSION }));
  let bytes = 0;
  for (const row of part.rows) {
    const line = Buffer.from(rowLine(row, part.name));
    hash.update(line);
    bytes += line.length;
  }
  return { name: part.name, schemaVersion: LEGACY_SCHEMA_VERSION, rows: part.rows.length, bytes, sha256: hash.digest('hex') };
}

/**
 * A format-1 archive (`writeArchive` of tenant-archive.ts: one gzipped JSON document) through the
 * reader's interface: part `tenant` (one row, the control-plane record), then one part `db:<table>`
 * per table, rows as objects of column → value, `{ "$base64" }` values as Buffers, schema version 0.
 * Read whole into memory, as format 1 always was; parts may be read in any order.
 */
export function readLegacyV1(file: string): OpenedArchive {
  const archive = readArchive(file);
  const parts: LegacyPart[] = [
    { name: 'tenant', rows: [reviveBinary(archive.tenant) as ArchiveRow] },
    ...Object.entries(archive.tables).map(([table, data]) => ({
      name: `db:${table}`,
      rows: data.rows.map((values) => reviveBinary(Object.fromEntries(data.columns.map((column, i) => [column, values[i] ?? null]))) as ArchiveRow),
    })),
  ];
  const summaries = parts.map(summarise);
  const summary: ArchiveSummary = { parts: summaries, bytes: statSync(file).size };
  let walked = false;
  return {
    formatVersion: 1,
    encrypted: false,
    createdAt: archive.exportedAt,
    source: { dialect: archive.sourceDialect },
    meta: {},
    async *parts(): AsyncGenerator<ArchivePart> {
      for (const [i, part] of parts.entries()) {
        yield {
          name: part.name,
          schemaVersion: LEGACY_SCHEMA_VERSION,
          async *rows() {
            yield* part.rows;
          },
          skip: async () => summaries[i]!,
        };
      }
      walked = true;
    },
    summary(): ArchiveSummary {
      if (!walked) throw ArchiveErrors.ARCHIVE_PART_ORDER('the summary is known once parts() was walked to its end');
      return summary;
    },
    close: () => undefined,
  };
}
