import { readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { join } from 'node:path';

/** A running watch of a module's sources; `close` ends it. */
export interface SourceWatcher {
  close(): void;
}

export interface SourceWatchOptions {
  /** Editors write a file in several steps; one notice per burst of changes. */
  readonly debounceMs?: number;
  /** How often the file list is compared, for changes no watch event reported. */
  readonly pollMs?: number;
  /** False: poll only (file systems that report no change events; tests of the poll). */
  readonly watchEvents?: boolean;
}

const WATCHED_AT_ROOT = new Set(['manifest.json', 'src']);

/**
 * Directories under `src/` (itself included) with their inodes, depth first; none when it does not
 * exist (yet). The inode tells a directory replaced under the same name, which a watch would miss.
 */
function directoriesUnder(src: string): Map<string, number> {
  const found = new Map<string, number>();
  const visit = (dir: string) => {
    let entries;
    try {
      found.set(dir, statSync(dir).ino);
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      found.delete(dir);
      return; // gone meanwhile: the next scan settles it
    }
    for (const e of entries) if (e.isDirectory() && e.name !== 'node_modules') visit(join(dir, e.name));
  };
  visit(src);
  return found;
}

/**
 * Identity of every source file: a rename over a file changes its inode, an edit its size or
 * modification time. Compared between polls, it notices what the watch missed.
 */
function fingerprint(dir: string, sourceDirs: Iterable<string>): string {
  const parts: string[] = [];
  const add = (path: string) => {
    try {
      const s = statSync(path);
      if (s.isFile()) parts.push(`${path}:${s.ino}:${s.size}:${s.mtimeMs}`);
    } catch {
      /* removed meanwhile */
    }
  };
  add(join(dir, 'manifest.json'));
  for (const d of sourceDirs) {
    try {
      for (const name of readdirSync(d).sort()) add(join(d, name));
    } catch {
      /* removed meanwhile */
    }
  }
  return parts.join('\n');
}

/**
 * Calls `onChange` after `manifest.json` or anything under `src/` changes, however the editor saved.
 * Node 20's recursive `fs.watch` on Linux follows files, so after one atomic save (a temporary file
 * renamed over the source) it watched a file that no longer existed and saw no later change. Here
 * each directory is watched by itself (a rename into a directory is an event on the directory, whose
 * inode stays), the tree is re-scanned on every event for directories that came or went, and a poll
 * of the files' identity catches what a watch misses (network and container mounts).
 */
export function watchModuleSources(dir: string, onChange: () => void, options: SourceWatchOptions = {}): SourceWatcher {
  const debounceMs = options.debounceMs ?? 200;
  const src = join(dir, 'src');
  const watchers = new Map<string, { watcher: FSWatcher; ino: number }>();
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let pending = false;
  let seen = '';
  const current = () => fingerprint(dir, directoriesUnder(src).keys());

  const notify = () => {
    clearTimeout(timer);
    pending = true;
    timer = setTimeout(() => {
      pending = false;
      if (closed) return;
      rescan();
      seen = current();
      onChange();
    }, debounceMs);
  };
  const watchDirectory = (path: string, ino: number, onEvent: (name: string | null) => void) => {
    if (options.watchEvents === false) return;
    try {
      const watcher = watch(path, (_event, name) => onEvent(name === null ? null : String(name)));
      // A watched directory that is removed may end its watch with an error; the next scan re-adds it if it returns.
      watcher.on('error', () => {
        watcher.close();
        if (watchers.get(path)?.watcher === watcher) watchers.delete(path);
        notify();
      });
      watchers.set(path, { watcher, ino });
    } catch {
      /* removed between the scan and the watch */
    }
  };
  const rescan = () => {
    const wanted = directoriesUnder(src);
    for (const [path, w] of watchers) {
      if (path !== dir && wanted.get(path) !== w.ino) {
        w.watcher.close();
        watchers.delete(path);
      }
    }
    for (const [path, ino] of wanted) if (!watchers.has(path)) watchDirectory(path, ino, notify);
  };

  watchDirectory(dir, statSync(dir).ino, (name) => {
    if (name === null || WATCHED_AT_ROOT.has(name)) notify();
  });
  rescan();
  seen = current();
  const poll = setInterval(() => {
    if (!closed && !pending && current() !== seen) notify();
  }, options.pollMs ?? 1000);
  poll.unref();

  return {
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      for (const w of watchers.values()) w.watcher.close();
      watchers.clear();
    },
  };
}
