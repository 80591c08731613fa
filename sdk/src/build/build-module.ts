import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { build, stop, type Plugin } from 'esbuild';
import type { ModuleManifest } from '@dogan/module-manifest';
import { checkBundleHandlers } from './bundle-handlers.js';

/** The one import a module may keep: the sandbox provides it. */
export const SANDBOX_IMPORT = 'dogan:module';

export interface BuildResult {
  readonly outfile: string;
  readonly bytes: number;
}

/**
 * Refuses every import but `dogan:module` and the module's own files: the sandbox resolves nothing
 * else, so a bundle that needs `node:fs` or an npm package would fail only after install.
 */
function onlySandboxImports(root: string): Plugin {
  return {
    name: 'dogan-only-sandbox-imports',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        if (args.path === SANDBOX_IMPORT) return { path: SANDBOX_IMPORT, external: true };
        if (args.path.startsWith('.')) {
          const target = resolve(args.resolveDir, args.path);
          if (!relative(root, target).startsWith('..')) return undefined;
        }
        const where = args.importer ? relative(root, args.importer) : 'the entry';
        return {
          errors: [{ text: `import "${args.path}" in ${where} is not allowed: a module may import only "${SANDBOX_IMPORT}" and its own files` }],
        };
      });
    },
  };
}

/**
 * Bundles `<dir>/src/index.ts` into one ESM file, `<dir>/dist/module.js`. Throws an Error whose
 * message lists every refused import or compile error with its file and line.
 */
export async function buildModule(dir: string): Promise<BuildResult> {
  const root = resolve(dir);
  const entry = join(root, 'src', 'index.ts');
  if (!existsSync(entry)) throw new Error(`no src/index.ts in ${root}; the module's entry must be there`);
  const outfile = join(root, 'dist', 'module.js');
  try {
    const result = await build({
      absWorkingDir: root,
      entryPoints: [entry],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      charset: 'utf8',
      legalComments: 'none',
      logLevel: 'silent',
      metafile: true,
      plugins: [onlySandboxImports(root)],
    });
    const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
    return { outfile, bytes };
  } catch (err) {
    const errors = (err as { errors?: Array<{ text: string; location?: { file: string; line: number; column: number } | null }> }).errors;
    if (!errors) throw err;
    const lines = errors.map((e) => (e.location ? `${e.location.file}:${e.location.line}:${e.location.column}: ${e.text}` : e.text));
    throw new Error(`build failed:\n  ${lines.join('\n  ')}`);
  }
}

/**
 * {@link buildModule}, then a check that the bundle loads and exports every handler `manifest`
 * names; throws an Error naming each route, event or job whose handler is missing.
 */
export async function buildCheckedModule(dir: string, manifest: ModuleManifest): Promise<BuildResult> {
  const result = await buildModule(dir);
  await checkBundleHandlers(manifest, result.outfile);
  return result;
}

/**
 * Stops esbuild's service process (it stays up after a build to make the next one fast): a long-lived
 * process that builds once, such as the platform publishing its example modules, calls it when done.
 */
export async function stopBuildService(): Promise<void> {
  await stop();
}
