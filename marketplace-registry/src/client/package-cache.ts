import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Verified archives on disk, one file per (id, version, integrity). What is read back is verified
 * again by the client before use: a cache is a copy, not a source of trust.
 */
export class PackageCache {
  constructor(private readonly dir: string) {}

  private pathOf(id: string, version: string, integrity: string): string {
    const digest = Buffer.from(integrity.replace(/^sha512-/, ''), 'base64').toString('hex');
    // id and version were checked against strict patterns by the caller; the digest is hex.
    return join(this.dir, id, version.replace(/[^0-9A-Za-z.-]/g, '_'), `${digest}.tgz`);
  }

  async read(id: string, version: string, integrity: string): Promise<{ path: string; data: Buffer } | undefined> {
    const path = this.pathOf(id, version, integrity);
    try {
      return { path, data: await readFile(path) };
    } catch {
      return undefined;
    }
  }

  /** Writes under a temporary name, then renames, so a reader never sees half an archive. */
  async write(id: string, version: string, integrity: string, data: Buffer): Promise<string> {
    const path = this.pathOf(id, version, integrity);
    await mkdir(join(path, '..'), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
    await writeFile(temp, data, { mode: 0o644 });
    await rename(temp, path);
    return path;
  }
}
