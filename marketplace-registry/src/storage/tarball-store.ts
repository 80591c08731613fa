import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * Where package archives live. Keys are opaque `a/b/c.tgz` paths chosen by the registry; an
 * S3-compatible store implements the same three calls with PutObject (If-None-Match: *), GetObject
 * and DeleteObject.
 */
export interface TarballStore {
  /** Stores `data` under `key` unless the key exists; `created` is false when it did. */
  put(key: string, data: Buffer): Promise<{ created: boolean }>;
  /** The archive, or undefined when the key is unknown. */
  get(key: string): Promise<Buffer | undefined>;
  delete(key: string): Promise<void>;
}

/** Archives as files under one folder; writes go to a temporary name first, so readers never see half a file. */
export class FileTarballStore implements TarballStore {
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private pathOf(key: string): string {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').some((s) => s === '..' || s === '.')) {
      throw new Error(`invalid storage key "${key}"`);
    }
    const path = join(this.root, key);
    if (!path.startsWith(this.root + sep)) throw new Error(`invalid storage key "${key}"`);
    return path;
  }

  async put(key: string, data: Buffer): Promise<{ created: boolean }> {
    const path = this.pathOf(key);
    await mkdir(dirname(path), { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.partial`;
    await writeFile(temp, data, { flag: 'wx' });
    try {
      await writeFile(path, '', { flag: 'wx' }); // claims the key; fails when it exists
    } catch (err) {
      await rm(temp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { created: false };
      throw err;
    }
    await rename(temp, path);
    return { created: true };
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
