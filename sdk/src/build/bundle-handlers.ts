import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ModuleManifest } from '@dogan/module-manifest';

/** One handler the manifest names: the table the sandbox looks in (`routes`, `events`, `jobs`, `tools`) and the name. */
export interface HandlerRef {
  readonly table: 'routes' | 'events' | 'jobs' | 'tools';
  readonly name: string;
}

/** What `handler-probe.mjs` is asked, and answers. */
export interface ProbeRequest {
  readonly code: string;
  readonly filename: string;
  readonly wanted: readonly HandlerRef[];
}
export type ProbeReply = { readonly ok: true; readonly missing: HandlerRef[] } | { readonly ok: false; readonly loadError: string };

const PROBE = fileURLToPath(new URL('./handler-probe.mjs', import.meta.url));
// Starting the child dominates; a bundle loads in milliseconds, or hits the probe's own 5 s limit.
const PROBE_TIMEOUT_MS = 30_000;

/** Every handler the manifest names, with what declares it, in manifest order. */
function declaredHandlers(manifest: ModuleManifest): Array<HandlerRef & { readonly declaredBy: string }> {
  return [
    ...manifest.routes.map((r) => ({ table: 'routes' as const, name: r.handler, declaredBy: `route ${r.method} ${r.path}` })),
    ...manifest.events.map((e) => ({ table: 'events' as const, name: e.handler, declaredBy: `event "${e.event}"` })),
    ...manifest.jobs.map((j) => ({ table: 'jobs' as const, name: j.handler, declaredBy: `job "${j.name}"` })),
    ...(manifest.agentTools ?? []).map((tool) => ({ table: 'tools' as const, name: tool.handler, declaredBy: `agent tool "${tool.name}"` })),
  ];
}

function runProbe(request: ProbeRequest): Promise<ProbeReply> {
  return new Promise((resolve, reject) => {
    const child = fork(PROBE, [], {
      // SourceTextModule is behind a flag on Node 20; the heap cap stops a bundle that allocates at load.
      execArgv: ['--experimental-vm-modules', '--no-warnings', '--max-old-space-size=128'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), PROBE_TIMEOUT_MS);
    let reply: ProbeReply | undefined;
    child.once('message', (message) => (reply = message as ProbeReply));
    child.once('error', (err) => (clearTimeout(timer), reject(err)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (reply) resolve(reply);
      else reject(new Error(`the bundle check stopped (${signal ?? `exit ${code}`}) without an answer${stderr ? `:\n${stderr.trim().slice(0, 2000)}` : ''}`));
    });
    child.send(request);
  });
}

/**
 * Loads the built bundle in a throwaway context, with the sandbox's module rules, and throws an Error naming
 * every route, event, job and agent tool whose handler it does not export; also when the bundle fails to load.
 * Without it such a module builds, publishes, installs, and answers 502 on its first request.
 */
export async function checkBundleHandlers(manifest: ModuleManifest, bundlePath: string): Promise<void> {
  const declared = declaredHandlers(manifest);
  const file = `${basename(dirname(bundlePath))}/${basename(bundlePath)}`;
  const reply = await runProbe({ code: readFileSync(bundlePath, 'utf8'), filename: file, wanted: declared.map(({ table, name }) => ({ table, name })) });
  if (!reply.ok) throw new Error(`${file} fails when the sandbox loads it: ${reply.loadError}`);
  const missing = new Set(reply.missing.map((h) => `${h.table}.${h.name}`));
  const problems = declared
    .filter((h) => missing.has(`${h.table}.${h.name}`))
    .map((h) => `${h.declaredBy}: handler "${h.name}" is not exported by ${file} (the sandbox calls ${h.table}.${h.name} of its exports or of its default export)`);
  if (problems.length > 0) throw new Error(`manifest.json names handlers the bundle lacks:\n  ${problems.join('\n  ')}`);
}
