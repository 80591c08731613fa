/**
 * Tenant archives of format 2 at size: BENCH_ROWS rows (default 1,000,000) of about 100 bytes written to
 * a file in os.tmpdir(), verified (`ArchiveReader.verify`) and read back, each phase timed with the peaks
 * of heapUsed and rss sampled every 10,000 rows (no timer, so the figures do not depend on speed).
 *
 *   node --conditions=dogan-source --import tsx test/bench/archive-format.ts [--plain] [--json]
 *
 * Encrypted unless --plain. --json prints one JSON line on stdout (test/tenants/archive-format-memory
 * runs it so, in a process of its own: tap's per-promise bookkeeping would be measured too otherwise).
 * The file is deleted at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArchiveReader, ArchiveWriter } from '../../tenants/src/archive/index.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const SAMPLE_EVERY = 10_000;
const passphrase = process.argv.includes('--plain') ? undefined : 'bench passphrase';
const json = process.argv.includes('--json');
const MB = 1024 * 1024;

/** About 100 bytes as a row line (`{"t":"row","d":` + JSON + `}\n`). */
const rowOf = (i: number) => ({ id: i, name: `عميل ${i}`, email: `c${i}@example.sa`, balance: (i * 7) % 100_000, active: i % 3 === 0 });

interface PhaseFigures {
  ms: number;
  heapStart: number;
  heapPeak: number;
  rssStart: number;
  rssPeak: number;
}

function phase() {
  const start = process.memoryUsage();
  const figures: PhaseFigures = { ms: 0, heapStart: start.heapUsed, heapPeak: start.heapUsed, rssStart: start.rss, rssPeak: start.rss };
  const began = performance.now();
  return {
    sample() {
      const now = process.memoryUsage();
      figures.heapPeak = Math.max(figures.heapPeak, now.heapUsed);
      figures.rssPeak = Math.max(figures.rssPeak, now.rss);
    },
    done(): PhaseFigures {
      this.sample();
      figures.ms = Math.round(performance.now() - began);
      return figures;
    },
  };
}

const dir = mkdtempSync(join(tmpdir(), 'dogan-archive-bench-'));
const file = join(dir, 'bench.dogan');
try {
  const writing = phase();
  const writer = await ArchiveWriter.create(file, { meta: { rows: ROWS }, passphrase });
  const tenant = writer.part('tenant', 1);
  await tenant.row({ id: 't-1', subdomain: 'bench' });
  await tenant.end();
  const part = writer.part('db:customers', 1);
  for (let i = 0; i < ROWS; i++) {
    await part.row(rowOf(i));
    if (i % SAMPLE_EVERY === 0) writing.sample();
  }
  await part.end();
  const written = await writer.close();
  const write = writing.done();

  const verifying = phase();
  const verified = await ArchiveReader.verify(file, { passphrase, progressEvery: SAMPLE_EVERY, onProgress: () => verifying.sample() });
  const verify = verifying.done();

  const reading = phase();
  const archive = await ArchiveReader.open(file, { passphrase });
  let rows = 0;
  let mismatches = 0;
  for await (const p of archive.parts()) {
    if (p.name === 'tenant') {
      await p.skip();
      continue;
    }
    for await (const row of p.rows()) {
      if (rows % SAMPLE_EVERY === 0) {
        reading.sample();
        if (JSON.stringify(row) !== JSON.stringify(rowOf(rows))) mismatches++;
      }
      rows++;
    }
  }
  const read = reading.done();

  const result = {
    rows,
    encrypted: Boolean(passphrase),
    rowBytes: written.parts[1]!.bytes,
    fileBytes: written.bytes,
    verifiedSame: JSON.stringify(verified) === JSON.stringify(written) && JSON.stringify(archive.summary()) === JSON.stringify(written),
    mismatches,
    phases: { write, verify, read },
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
  } else {
    const mb = (n: number) => `${(n / MB).toFixed(0)} MB`;
    process.stdout.write(`${rows.toLocaleString('en-US')} rows, ${mb(result.rowBytes)} of row lines, ${(result.fileBytes / MB).toFixed(1)} MB file, ${passphrase ? 'encrypted' : 'unencrypted'}\n`);
    for (const [name, f] of Object.entries(result.phases)) {
      process.stdout.write(`  ${name.padEnd(7)} ${(f.ms / 1000).toFixed(1).padStart(5)} s   heapUsed ${mb(f.heapStart)} → ${mb(f.heapPeak)}   rss ${mb(f.rssStart)} → ${mb(f.rssPeak)}\n`);
    }
    process.stdout.write(`  peak RSS of the process ${mb(result.maxRssBytes)}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
