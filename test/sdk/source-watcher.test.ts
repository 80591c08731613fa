import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { watchModuleSources } from '../../sdk/testing/src/source-watcher.js';
import { tempDir } from './helpers/dev-process.js';

/**
 * The watch behind `dogan-module dev`, in process: every way an editor or a tool changes sources
 * is seen, any number of times (Node 20's recursive fs.watch lost a file after one atomic save).
 */

function moduleFolder(): string {
  const dir = tempDir('dogan-watch-');
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'manifest.json'), '{}');
  writeFileSync(join(dir, 'src', 'index.ts'), 'export {};\n');
  return dir;
}

/** Counts notices; `next()` resolves at the next one or rejects after `ms`. */
function counter(t: Test) {
  let count = 0;
  let waiter: (() => void) | undefined;
  return {
    onChange: () => {
      count++;
      waiter?.();
    },
    count: () => count,
    next(what: string, ms = 5_000) {
      const before = count;
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no change seen after ${what}`)), ms);
        waiter = () => {
          if (count > before) {
            clearTimeout(timer);
            waiter = undefined;
            resolve();
          }
        };
      }).then(
        () => void t.pass(`seen: ${what}`),
        (err: Error) => void t.fail(err.message),
      );
    },
  };
}

let n = 0;
function atomicSave(path: string, text: string): void {
  writeFileSync(`${path}.tmp-${++n}`, text);
  renameSync(`${path}.tmp-${n}`, path);
}

t.test('atomic saves, new folders, the manifest and a replaced src/ are all seen, each time', async (t) => {
  const dir = moduleFolder();
  const seen = counter(t);
  const watcher = watchModuleSources(dir, seen.onChange, { debounceMs: 50, pollMs: 60_000 });
  t.teardown(() => watcher.close());

  for (let i = 1; i <= 3; i++) {
    const next = seen.next(`atomic save ${i}`);
    atomicSave(join(dir, 'src', 'index.ts'), `export const v = ${i};\n`);
    await next;
  }
  let next = seen.next('a new folder');
  mkdirSync(join(dir, 'src', 'lib'));
  await next;
  next = seen.next('a file in the new folder');
  atomicSave(join(dir, 'src', 'lib', 'util.ts'), 'export const u = 1;\n');
  await next;
  next = seen.next('an in-place write in the new folder');
  writeFileSync(join(dir, 'src', 'lib', 'util.ts'), 'export const u = 2;\n');
  await next;
  next = seen.next('the manifest saved atomically');
  atomicSave(join(dir, 'manifest.json'), '{ "id": "acme.x" }');
  await next;
  next = seen.next('the manifest saved again');
  atomicSave(join(dir, 'manifest.json'), '{ "id": "acme.y" }');
  await next;

  next = seen.next('src/ replaced by another folder');
  mkdirSync(join(dir, 'src-new'));
  writeFileSync(join(dir, 'src-new', 'index.ts'), 'export const replaced = true;\n');
  rmSync(join(dir, 'src'), { recursive: true });
  renameSync(join(dir, 'src-new'), join(dir, 'src'));
  await next;
  await new Promise((r) => setTimeout(r, 200));
  next = seen.next('an atomic save in the replacement src/');
  atomicSave(join(dir, 'src', 'index.ts'), 'export const again = true;\n');
  await next;
});

t.test('one notice per change: the poll does not repeat what a watch event reported', async (t) => {
  const dir = moduleFolder();
  const seen = counter(t);
  const watcher = watchModuleSources(dir, seen.onChange, { debounceMs: 20, pollMs: 100 });
  t.teardown(() => watcher.close());
  await new Promise((r) => setTimeout(r, 300));
  t.equal(seen.count(), 0, 'nothing changed, nothing reported, however often it polls');
  const next = seen.next('a change');
  atomicSave(join(dir, 'src', 'index.ts'), 'export const once = 1;\n');
  await next;
  await new Promise((r) => setTimeout(r, 400));
  t.equal(seen.count(), 1);
});

t.test('without change events, the poll alone sees edits, atomic saves and new files', async (t) => {
  const dir = moduleFolder();
  const seen = counter(t);
  const watcher = watchModuleSources(dir, seen.onChange, { debounceMs: 20, pollMs: 100, watchEvents: false });
  t.teardown(() => watcher.close());
  for (const [what, change] of [
    ['an atomic save', () => atomicSave(join(dir, 'src', 'index.ts'), 'export const a = 1;\n')],
    ['another atomic save', () => atomicSave(join(dir, 'src', 'index.ts'), 'export const a = 2;\n')],
    ['a new file in a new folder', () => (mkdirSync(join(dir, 'src', 'deep')), writeFileSync(join(dir, 'src', 'deep', 'x.ts'), 'x'))],
    ['the manifest', () => writeFileSync(join(dir, 'manifest.json'), '{ "changed": true }')],
  ] as const) {
    const next = seen.next(what);
    change();
    await next;
  }
});
