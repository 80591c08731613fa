import { gzipSync } from 'node:zlib';
import tar from 'tar-stream';

/** One regular file of a package. */
export interface PackFile {
  /** Path inside the archive, forward slashes, no leading slash. */
  readonly path: string;
  readonly content: Uint8Array;
}

/** Every entry gets this mtime, so the same files always make the same archive (npm pins one too). */
export const PACK_MTIME = new Date('2000-01-01T00:00:00.000Z');
/** gzip header byte 9 names the OS that compressed; "unknown" keeps Linux and macOS output identical. */
const GZIP_OS_UNKNOWN = 0xff;

/**
 * A gzipped ustar archive whose bytes depend on the files alone: entries sorted by path, fixed
 * mtime, mode 0644, owner 0:0 with empty names, gzip level 9 with a zero mtime and a fixed OS byte.
 */
export async function deterministicTgz(files: readonly PackFile[]): Promise<Buffer> {
  const sorted = [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => void chunks.push(chunk as Buffer));
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of sorted) {
    pack.entry(
      { name: file.path, size: file.content.length, mode: 0o644, mtime: PACK_MTIME, uid: 0, gid: 0, uname: '', gname: '', type: 'file' },
      Buffer.from(file.content),
    );
  }
  pack.finalize();
  await done;
  const gz = gzipSync(Buffer.concat(chunks), { level: 9 });
  gz[9] = GZIP_OS_UNKNOWN;
  return gz;
}
