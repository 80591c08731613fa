import type ivm from 'isolated-vm';

interface Entry {
  readonly code: string;
  /** V8 code cache produced here from the first compile; never accepted from outside the host. */
  cachedData: ivm.ExternalCopy<ArrayBuffer> | undefined;
}

/** Module bundles this host has received, and the code cache each produced on its first compile. */
export class CodeCache {
  private readonly entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  add(moduleKey: string, code: string): void {
    const current = this.entries.get(moduleKey);
    if (current && current.code === code) return;
    this.entries.set(moduleKey, { code, cachedData: undefined });
  }

  has(moduleKey: string): boolean {
    return this.entries.has(moduleKey);
  }

  /** Compiles the bundle in `isolate`, reusing this host's cached data when there is some. */
  async compile(moduleKey: string, isolate: ivm.Isolate): Promise<ivm.Module> {
    const entry = this.entries.get(moduleKey);
    if (!entry) throw new Error(`bundle ${moduleKey} was not loaded into this host`);
    const filename = `dogan-module:///${moduleKey}`;
    if (entry.cachedData) {
      const module = await isolate.compileModule(entry.code, { filename, cachedData: entry.cachedData });
      // V8 rejects a cache made by another V8 build or flags; then produce a fresh one next time.
      if ((module as { cachedDataRejected?: boolean }).cachedDataRejected) entry.cachedData = undefined;
      return module;
    }
    const module = await isolate.compileModule(entry.code, { filename, produceCachedData: true });
    entry.cachedData = (module as { cachedData?: ivm.ExternalCopy<ArrayBuffer> }).cachedData;
    return module;
  }

  delete(moduleKey: string): void {
    this.entries.get(moduleKey)?.cachedData?.release();
    this.entries.delete(moduleKey);
  }
}
