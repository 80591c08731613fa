import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { CHECKSUMS_FILE, PACKAGE_ROOT, REQUIRED_FILES, type PackageChecksums } from '@dogan/module-manifest';
import type { DoganError } from '@dogan/runtime';
import { RegistryErrors } from '../errors.js';

export interface InspectLimits {
  /** Most entries (files and folders). */
  readonly maxFiles: number;
  /** Most bytes of file content once decompressed. */
  readonly maxUnpackedBytes: number;
}

/** What a package holds, learned without writing anything to disk. */
export interface InspectedPackage {
  /** `sha512-...` of every regular file, by path relative to `package/`. */
  readonly integrity: ReadonlyMap<string, string>;
  /** The contents of the files asked for (always the manifest, checksums and README). */
  readonly contents: ReadonlyMap<string, Buffer>;
  readonly fileCount: number;
  readonly unpackedSize: number;
}

// Tar headers and padding add at most 1 KiB per entry on top of the content; anything past that is
// trailing data (an appended bomb) that we refuse to spend CPU on.
const OVERHEAD_PER_ENTRY = 1024;
const MAX_PATH = 255;

/** Refuses names that could land outside the package folder when someone does unpack it. */
function checkPath(name: string): string {
  const unsafe = (why: string) => RegistryErrors.PACKAGE_UNSAFE_PATH(name.slice(0, 300), why);
  if (name.length > MAX_PATH) throw unsafe(`is longer than ${MAX_PATH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\\:]/.test(name)) throw unsafe('holds a backslash, colon or control character');
  if (name.startsWith('/')) throw unsafe('is an absolute path');
  const segments = name.replace(/\/$/, '').split('/');
  if (segments.some((s) => s === '..')) throw unsafe('climbs out of the package with ".."');
  if (segments.some((s) => s === '' || s === '.')) throw unsafe('has an empty or "." segment');
  if (!name.startsWith(PACKAGE_ROOT) || segments.length < 2) throw unsafe(`is not under "${PACKAGE_ROOT}"`);
  return segments.slice(1).join('/');
}

function checkType(name: string, type: string | null | undefined): 'file' | 'directory' {
  if (type === 'file' || type === 'directory') return type;
  if (type === 'symlink' || type === 'link') throw RegistryErrors.PACKAGE_LINK_REFUSED(name, type === 'link' ? 'hard link' : 'symbolic link');
  throw RegistryErrors.PACKAGE_ENTRY_TYPE_REFUSED(name, String(type ?? 'unknown type').replace(/-/g, ' '));
}

/** Counts decompressed bytes and stops the stream the moment they pass the limit. */
function byteLimit(limit: number, onExceeded: () => DoganError): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, callback) {
      seen += chunk.length;
      if (seen > limit) callback(onExceeded());
      else callback(null, chunk);
    },
  });
}

async function readEntry(stream: AsyncIterable<Buffer>, keep: boolean): Promise<{ digest: string; content?: Buffer }> {
  const hash = createHash('sha512');
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    hash.update(chunk);
    if (keep) chunks.push(chunk);
  }
  return { digest: `sha512-${hash.digest('base64')}`, content: keep ? Buffer.concat(chunks) : undefined };
}

/**
 * Streams a `.tgz` through gunzip and a tar parser with byte and entry counters, hashing every file
 * and keeping only the small ones asked for. Refuses (with a registry error) unsafe paths, links,
 * device files, too many entries, too many bytes, malformed archives and checksum mismatches.
 * Nothing is written to disk.
 */
export async function inspectTarball(tgz: Buffer, limits: InspectLimits, keep: (path: string) => boolean = () => false): Promise<InspectedPackage> {
  const tooLarge = () => RegistryErrors.PACKAGE_TOO_LARGE_UNPACKED(limits.maxUnpackedBytes);
  const source = Readable.from([tgz]);
  const gunzip = createGunzip();
  const limiter = byteLimit(limits.maxUnpackedBytes + (limits.maxFiles + 2) * OVERHEAD_PER_ENTRY, tooLarge);
  const extract = tar.extract();
  let failure: unknown;
  const fail = (err: unknown) => {
    failure ??= err;
    extract.destroy(err as Error);
  };
  gunzip.on('error', (err) => fail(RegistryErrors.PACKAGE_INVALID(`the package is not a valid gzip file: ${err.message}`)));
  limiter.on('error', fail);
  source.pipe(gunzip).pipe(limiter).pipe(extract as unknown as NodeJS.WritableStream);

  const integrity = new Map<string, string>();
  const contents = new Map<string, Buffer>();
  let entries = 0;
  let unpacked = 0;
  try {
    for await (const entry of extract) {
      const { name, type, size } = entry.header;
      if (++entries > limits.maxFiles) throw RegistryErrors.PACKAGE_TOO_MANY_FILES(limits.maxFiles);
      const kind = checkType(name, type);
      const path = checkPath(name);
      unpacked += size ?? 0;
      // The header declares the size: refuse a bomb before inflating a byte of it.
      if (unpacked > limits.maxUnpackedBytes) throw tooLarge();
      if (integrity.has(path) || contents.has(path)) throw RegistryErrors.PACKAGE_INVALID(`entry "${name}" appears twice`);
      if (kind === 'directory') {
        entry.resume();
        continue;
      }
      const read = await readEntry(entry as AsyncIterable<Buffer>, keep(path) || (REQUIRED_FILES as readonly string[]).includes(path));
      integrity.set(path, read.digest);
      if (read.content) contents.set(path, read.content);
    }
  } catch (err) {
    fail(err);
  } finally {
    source.destroy();
    gunzip.destroy();
    limiter.destroy();
  }
  if (failure) {
    if ((failure as DoganError).code) throw failure;
    throw RegistryErrors.PACKAGE_INVALID(`the package is not a valid tar archive: ${(failure as Error).message}`);
  }
  checkContents(integrity, contents);
  return { integrity, contents, fileCount: integrity.size, unpackedSize: unpacked };
}

/** Every required file is there, and checksums.json lists every other file with its true hash. */
function checkContents(integrity: ReadonlyMap<string, string>, contents: ReadonlyMap<string, Buffer>): void {
  for (const required of REQUIRED_FILES) {
    if (!integrity.has(required)) throw RegistryErrors.PACKAGE_INVALID(`the package has no ${PACKAGE_ROOT}${required}`);
  }
  let checksums: PackageChecksums;
  try {
    checksums = JSON.parse(contents.get(CHECKSUMS_FILE)!.toString('utf8')) as PackageChecksums;
  } catch {
    throw RegistryErrors.PACKAGE_CHECKSUM_MISMATCH(`${CHECKSUMS_FILE} is not valid JSON`);
  }
  const listed = checksums && typeof checksums.files === 'object' && checksums.files !== null ? checksums.files : {};
  for (const [path, digest] of integrity) {
    if (path === CHECKSUMS_FILE) continue;
    if (!(path in listed)) throw RegistryErrors.PACKAGE_CHECKSUM_MISMATCH(`${path} is not listed in ${CHECKSUMS_FILE}`);
    if (listed[path] !== digest) throw RegistryErrors.PACKAGE_CHECKSUM_MISMATCH(`${path} does not match its checksum in ${CHECKSUMS_FILE}`);
  }
  for (const path of Object.keys(listed)) {
    if (!integrity.has(path)) throw RegistryErrors.PACKAGE_CHECKSUM_MISMATCH(`${CHECKSUMS_FILE} lists ${path}, which the package does not hold`);
  }
}
