#!/usr/bin/env node
/**
 * `npm run build` (and `npm ci`, through `prepare`): compiles every workspace package's `src/` to `dist/`,
 * so the platform, the `dogan` CLI and the sandbox hosts run plain JavaScript with no TypeScript loader.
 *
 * - JavaScript: esbuild, file by file, so `dist/` mirrors `src/` (imports, `import.meta.url` paths and
 *   the package's `exports` keep working) with source maps pointing at the TypeScript sources; run node
 *   with `--enable-source-maps` and stack traces name `src/*.ts` lines. Only files newer than their
 *   output are compiled again, and outputs whose source is gone are removed.
 * - Declarations: one `tsc` run over the packages' sources (incremental), copied into each `dist/`,
 *   so a package installed outside this repository (the packed SDK) is typed. `--js-only` skips it
 *   (the test runner's pre-step: tests type-check through `npm run typecheck` instead).
 * - Example modules (`sdk/examples/*`): bundled and packed here with the compiled SDK, so the platform
 *   publishes a prebuilt package and never loads the SDK or starts esbuild itself.
 *
 * Plain JavaScript on purpose: it runs before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = dirname(fileURLToPath(import.meta.url));
const TYPES_OUT = join(ROOT, 'node_modules', '.cache', 'dogan-types');
const args = new Set(process.argv.slice(2));
const jsOnly = args.has('--js-only');
const quiet = args.has('--quiet');
const say = (line) => quiet || process.stderr.write(`${line}\n`);

/** The workspace folders of the root package.json (`plugins/*` expanded), each with a `src/`. */
function workspacePackages() {
  const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const dirs = [];
  for (const pattern of workspaces) {
    if (!pattern.endsWith('/*')) dirs.push(pattern);
    else {
      const parent = pattern.slice(0, -2);
      for (const name of readdirSync(join(ROOT, parent)).sort()) dirs.push(`${parent}/${name}`);
    }
  }
  return dirs.filter((d) => existsSync(join(ROOT, d, 'package.json')) && existsSync(join(ROOT, d, 'src')));
}

function* walk(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else yield path;
  }
}

const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

/** Compiles one package's sources; returns how many files were (re)written. */
async function compilePackage(esbuild, pkg) {
  const src = join(ROOT, pkg, 'src');
  const dist = join(ROOT, pkg, 'dist');
  const wanted = new Set();
  let written = 0;
  for (const file of walk(src)) {
    const rel = relative(src, file);
    if (file.endsWith('.d.ts')) continue;
    if (file.endsWith('.ts')) {
      const out = join(dist, rel.slice(0, -3) + '.js');
      wanted.add(out).add(out + '.map');
      if (mtime(out) >= mtime(file) && existsSync(out + '.map')) continue;
      const result = await esbuild.transform(readFileSync(file, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        target: 'node20',
        sourcemap: 'external',
        // The map's source is the .ts file, relative to the output: stack traces name it.
        sourcefile: relative(dirname(out), file).split(sep).join('/'),
        sourcesContent: false,
        tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
      });
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${result.code}//# sourceMappingURL=${rel.split(sep).pop().slice(0, -3)}.js.map\n`);
      writeFileSync(out + '.map', result.map);
      written++;
    } else {
      // Assets next to the code (a .mjs probe the SDK runs, JSON) are read from beside the compiled file.
      const out = join(dist, rel);
      wanted.add(out);
      if (mtime(out) >= mtime(file)) continue;
      mkdirSync(dirname(out), { recursive: true });
      copyFileSync(file, out);
      written++;
    }
  }
  if (existsSync(dist)) {
    for (const file of walk(dist)) {
      // A compiled file whose source was deleted or renamed would still be importable: remove it.
      if (!file.endsWith('.d.ts') && !wanted.has(file)) rmSync(file);
    }
  }
  return written;
}

/** One incremental tsc run emitting declarations for every package, copied into each package's dist/. */
function emitDeclarations(packages) {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const run = spawnSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, encoding: 'utf8' });
  if (run.status !== 0) {
    process.stderr.write(run.stdout + run.stderr);
    throw new Error('declaration emit failed (tsc -p tsconfig.build.json)');
  }
  let copied = 0;
  for (const pkg of packages) {
    const from = join(TYPES_OUT, pkg, 'src');
    if (!existsSync(from)) continue;
    const wanted = new Set();
    for (const file of walk(from)) {
      const out = join(ROOT, pkg, 'dist', relative(from, file));
      wanted.add(out);
      const text = readFileSync(file);
      if (existsSync(out) && readFileSync(out).equals(text)) continue;
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, text);
      copied++;
    }
    for (const file of walk(join(ROOT, pkg, 'dist'))) if (file.endsWith('.d.ts') && !wanted.has(file)) rmSync(file);
  }
  return copied;
}

/**
 * Bundles and packs each example module whose package is older than its sources, with the SDK just
 * compiled: `dist/module.js`, and `dist/package.tgz` with the validated manifest it holds beside it
 * (`dist/package.manifest.json`). The platform publishes these as they are and never loads the SDK.
 */
async function buildExamples() {
  const examples = join(ROOT, 'sdk', 'examples');
  if (!existsSync(examples)) return 0;
  const stale = readdirSync(examples)
    .map((name) => join(examples, name))
    .filter((dir) => existsSync(join(dir, 'manifest.json')))
    .filter((dir) => {
      const packed = Math.min(mtime(join(dir, 'dist', 'package.tgz')), mtime(join(dir, 'dist', 'package.manifest.json')));
      const newest = Math.max(mtime(join(dir, 'manifest.json')), mtime(join(dir, 'README.md')), ...[...walk(join(dir, 'src'))].map(mtime));
      return packed < newest;
    });
  if (stale.length === 0) return 0;
  const sdk = await import(pathToFileURL(join(ROOT, 'sdk', 'dist', 'index.js')).href);
  try {
    for (const dir of stale) {
      const manifest = sdk.readModuleManifest(dir);
      const built = await sdk.buildModule(dir);
      const { archive } = await sdk.buildPackageArchive({ manifest, bundle: readFileSync(built.outfile), readme: readFileSync(join(dir, 'README.md')) });
      writeFileSync(join(dir, 'dist', 'package.manifest.json'), JSON.stringify(manifest));
      writeFileSync(join(dir, 'dist', 'package.tgz'), archive);
    }
  } finally {
    await sdk.stopBuildService();
  }
  return stale.length;
}

const started = Date.now();
const esbuild = await import('esbuild');
const packages = workspacePackages();
let compiled = 0;
for (const pkg of packages) compiled += await compilePackage(esbuild, pkg);
say(`build: ${compiled} file(s) compiled in ${packages.length} packages`);
const examples = await buildExamples();
if (examples) say(`build: ${examples} example module(s) bundled and packed`);
if (!jsOnly) {
  const copied = emitDeclarations(packages);
  say(`build: declarations up to date (${copied} changed)`);
}
await esbuild.stop?.();
say(`build: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
