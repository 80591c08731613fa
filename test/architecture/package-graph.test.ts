import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import t from 'tap';

/**
 * The workspace packages' import graph, read from their source: every `@dogan/*` import is declared
 * in the importing package's dependencies (or peerDependencies), no package reaches into another's
 * folder by a relative path, the declared graph has no cycle, and the kernel (`runtime/`) imports no
 * other workspace package: it knows no plugin. A change that breaks one of these fails here, naming
 * the file.
 */

const repoRoot = resolve(import.meta.dirname, '../..');

interface Workspace {
  readonly name: string;
  readonly dir: string;
  /** What its source may import: dependencies and peer dependencies. */
  readonly declared: ReadonlySet<string>;
  /** What it needs to work: all but optional peers (an extension it loads when present, as the SDK loads its test harness). */
  readonly required: ReadonlySet<string>;
}

function workspaces(): Workspace[] {
  const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { workspaces: string[] };
  const dirs = root.workspaces.flatMap((pattern) =>
    pattern.endsWith('/*')
      ? readdirSync(join(repoRoot, pattern.slice(0, -2))).map((d) => join(pattern.slice(0, -2), d))
      : [pattern],
  );
  return dirs
    .filter((d) => existsSync(join(repoRoot, d, 'package.json')))
    .map((d) => {
      const pkg = JSON.parse(readFileSync(join(repoRoot, d, 'package.json'), 'utf8')) as {
        name: string;
        dependencies?: object;
        peerDependencies?: object;
        peerDependenciesMeta?: Record<string, { optional?: boolean }>;
      };
      const peers = Object.keys(pkg.peerDependencies ?? {});
      const deps = Object.keys(pkg.dependencies ?? {});
      return {
        name: pkg.name,
        dir: d,
        declared: new Set([...deps, ...peers]),
        required: new Set([...deps, ...peers.filter((p) => !pkg.peerDependenciesMeta?.[p]?.optional)]),
      };
    });
}

/** Source files of a package, without the folders of packages nested in it (sdk/manifest in sdk). */
function sourceFiles(dir: string, nested: readonly string[]): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (entry === 'node_modules' || nested.includes(relative(repoRoot, full))) continue;
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.(ts|mjs|js)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(full);
    }
  };
  for (const sub of ['src', 'bin', 'tools']) if (existsSync(join(repoRoot, dir, sub))) walk(join(repoRoot, dir, sub));
  return out;
}

/** Module specifiers of static imports, re-exports and dynamic imports with a string literal. */
function specifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = [...code.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]/gm), ...code.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g), ...code.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)];
  return found.map((m) => m[1]!);
}

function packageOf(specifier: string): string | undefined {
  const m = /^(@dogan\/[^/]+)/.exec(specifier);
  return m?.[1];
}

const all = workspaces();
const byName = new Map(all.map((w) => [w.name, w]));
const nestedDirs = (w: Workspace) => all.filter((o) => o !== w && o.dir.startsWith(w.dir + '/')).map((o) => o.dir);

t.test('every @dogan import is declared, and no package reaches into another by a relative path', async (t) => {
  const undeclared: string[] = [];
  const reachingIn: string[] = [];
  for (const w of all) {
    for (const file of sourceFiles(w.dir, nestedDirs(w))) {
      for (const spec of specifiers(readFileSync(file, 'utf8'))) {
        const pkg = packageOf(spec);
        if (pkg && pkg !== w.name && !w.declared.has(pkg)) undeclared.push(`${relative(repoRoot, file)} imports ${pkg}, which ${w.name} does not declare`);
        if (spec.startsWith('.')) {
          const target = relative(repoRoot, resolve(dirname(file), spec));
          const owner = all.filter((o) => target === o.dir || target.startsWith(o.dir + sep)).sort((a, b) => b.dir.length - a.dir.length)[0];
          if (owner && owner !== w) reachingIn.push(`${relative(repoRoot, file)} imports ${spec}, inside ${owner.name}`);
        }
      }
    }
  }
  t.same(undeclared, [], 'undeclared workspace imports');
  t.same(reachingIn, [], "relative imports into another package's folder");
  t.ok(all.length >= 10, `${all.length} workspace packages read`);
});

t.test('the kernel imports no plugin, no tenants package, no other workspace package', async (t) => {
  const runtime = byName.get('@dogan/runtime')!;
  const imports = sourceFiles(runtime.dir, []).flatMap((file) =>
    specifiers(readFileSync(file, 'utf8'))
      .filter((s) => packageOf(s) && packageOf(s) !== '@dogan/runtime')
      .map((s) => `${relative(repoRoot, file)} imports ${s}`),
  );
  t.same(imports, []);
  t.same([...runtime.declared].filter((d) => d.startsWith('@dogan/')), [], 'and declares none');
});

t.test('the declared package graph has no cycle', async (t) => {
  const cycles: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      cycles.push([...path.slice(path.indexOf(name)), name].join(' -> '));
      return;
    }
    state.set(name, 'visiting');
    for (const dep of byName.get(name)?.required ?? []) if (byName.has(dep)) visit(dep, [...path, name]);
    state.set(name, 'done');
  };
  for (const w of all) visit(w.name, []);
  t.same(cycles, []);
});
