import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import t, { type Test } from 'tap';

/**
 * One million rows of about 100 bytes written to an encrypted archive in os.tmpdir(), verified and read
 * back, with the heap measured. test/bench/archive-format.ts does the work in a process of its own:
 * tap tracks every promise of the process it runs a test in, which for a million awaited rows costs
 * more heap and time than the archive code does, and would be what this test measured.
 */
const BENCH = fileURLToPath(new URL('../bench/archive-format.ts', import.meta.url));
const ROWS = 1_000_000;
const MB = 1024 * 1024;

interface PhaseFigures {
  ms: number;
  heapStart: number;
  heapPeak: number;
  rssStart: number;
  rssPeak: number;
}
interface BenchResult {
  rows: number;
  encrypted: boolean;
  rowBytes: number;
  fileBytes: number;
  verifiedSame: boolean;
  mismatches: number;
  phases: Record<'write' | 'verify' | 'read', PhaseFigures>;
  maxRssBytes: number;
}

function runBench(t: Test): Promise<BenchResult> {
  // Without tap's hooks (NODE_OPTIONS, _TAPJS_*): the child is measured, not instrumented.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_OPTIONS' && name !== 'NODE_V8_COVERAGE' && !name.startsWith('_TAPJS')));
  const child = spawn(process.execPath, ['--conditions=dogan-source', '--import', 'tsx', BENCH, '--json'], { env: { ...env, BENCH_ROWS: String(ROWS) }, stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => void (child.exitCode === null && child.kill()));
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as BenchResult) : reject(new Error(`the bench exited with ${code}: ${stderr}`))));
  });
}

t.test('1,000,000 rows written, verified and read back through a file, in bounded memory', async (t) => {
  const result = await runBench(t);
  t.equal(result.rows, ROWS);
  t.ok(result.encrypted);
  t.equal(result.mismatches, 0, 'sampled rows read back as written');
  t.ok(result.verifiedSame, 'verify() and the reader confirm what the writer wrote');
  const perRow = result.rowBytes / ROWS;
  t.ok(perRow >= 90 && perRow <= 130, `rows of about 100 bytes (${perRow.toFixed(0)} a row line)`);
  t.comment(`${(result.rowBytes / MB).toFixed(0)} MB of row lines in a ${(result.fileBytes / MB).toFixed(1)} MB encrypted file`);
  for (const [name, f] of Object.entries(result.phases)) {
    const heap = (f.heapPeak - f.heapStart) / MB;
    const rss = (f.rssPeak - f.rssStart) / MB;
    t.comment(`${name}: ${(f.ms / 1000).toFixed(1)} s; heapUsed ${(f.heapStart / MB).toFixed(0)} → peak ${(f.heapPeak / MB).toFixed(0)} MB; rss ${(f.rssStart / MB).toFixed(0)} → peak ${(f.rssPeak / MB).toFixed(0)} MB`);
    // Holding the rows would take the 100+ MB of their text, several times over as objects.
    t.ok(heap < 80, `${name}: the heap grew by ${heap.toFixed(0)} MB (bound 80 MB)`);
    t.ok(rss < 150, `${name}: rss grew by ${rss.toFixed(0)} MB (bound 150 MB)`);
  }
  t.comment(`peak RSS of the whole process (tsx loaded, ~120 MB before the first row): ${(result.maxRssBytes / MB).toFixed(0)} MB`);
});
