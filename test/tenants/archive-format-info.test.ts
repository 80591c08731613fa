import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { writeArchive } from '../../tenants/src/tenant-archive.js';
import { ArchiveWriter, archiveInfoCommand, type ArchiveInfoArgs } from '../../tenants/src/archive/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dogan-archive-info-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const PASSPHRASE = 'عبارة مرور';

async function writeSample(file: string, passphrase?: string): Promise<void> {
  const writer = await ArchiveWriter.create(file, { meta: { tenant: 'moving' }, source: { version: '0.1.0' }, passphrase });
  const tenant = writer.part('tenant', 1);
  await tenant.row({ id: 't-1', name: 'شركة المهاجر' });
  await tenant.end();
  const notes = writer.part('db:notes', 3);
  for (let i = 0; i < 2500; i++) await notes.row({ id: i, body: `ملاحظة ${i}` });
  await notes.end();
  await writer.close();
}

async function run(args: ArchiveInfoArgs) {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const code = await archiveInfoCommand(args, (l) => out.push(l), { err: (l) => err.push(l), progress: (l) => progress.push(l), progressEvery: 1000 });
  return { code, out, err, progress };
}

const plain = join(dir, 'plain.dogan');
const sealed = join(dir, 'sealed.dogan');
const passphraseFile = join(dir, 'passphrase.txt');
await writeSample(plain);
await writeSample(sealed, PASSPHRASE);
writeFileSync(passphraseFile, `${PASSPHRASE}\n`);

t.test('lists metadata and parts, verifying each, with progress on the side', async (t) => {
  const { code, out, err, progress } = await run({ file: plain });
  t.equal(code, 0);
  t.same(err, []);
  t.match(out.join('\n'), /^file +.*plain\.dogan \(\d+\.\d KiB\)\nformat +2\nencrypted +no\ncreated +\d{4}-\d\d-\d\dT.*\nsource +\{"version":"0\.1\.0"\}\nmeta +\{"tenant":"moving"\}\npart +schema +rows +bytes\ntenant +1 +1 +\d+ B\ndb:notes +3 +2,500 +\d+\.\d KiB\nverified +2 part\(s\), 2,501 row\(s\): every checksum matches$/);
  t.same(progress.length, 2, 'a progress line every 1,000 rows');
  t.match(progress[0], /^verifying: 1,000 rows, .* read \(part db:notes\)$/);
});

t.test('encrypted: with the passphrase file (its final newline ignored), without, with a wrong one', async (t) => {
  const ok = await run({ file: sealed, passphraseFile });
  t.equal(ok.code, 0);
  t.match(ok.out.join('\n'), /encrypted +yes \(AES-256-GCM/);
  const missing = await run({ file: sealed });
  t.equal(missing.code, 1);
  t.match(missing.err, [/^archive-info: ARCHIVE_PASSPHRASE_REQUIRED: ".*sealed\.dogan" is encrypted: give the passphrase it was exported with \(dogan: --passphrase-file <file>\)$/]);
  const wrongFile = join(dir, 'wrong.txt');
  writeFileSync(wrongFile, 'not it\n');
  const wrong = await run({ file: sealed, passphraseFile: wrongFile });
  t.equal(wrong.code, 1);
  t.match(wrong.err, [/^archive-info: ARCHIVE_PASSPHRASE_WRONG: The passphrase does not open/]);
  t.same(wrong.out, [], 'nothing listed from an archive it cannot open');
  const absent = await run({ file: sealed, passphraseFile: join(dir, 'absent.txt') });
  t.equal(absent.code, 2);
  t.match(absent.err, [/^archive-info: ENOENT/]);
});

const flipped = (bytes: Buffer, at: number) => {
  const copy = Buffer.from(bytes);
  copy[at]! ^= 0x10;
  return copy;
};

t.test('one error line, with its code, for each way an archive can be bad', async (t) => {
  const bytes = readFileSync(plain);
  const sealedBytes = readFileSync(sealed);
  const cases: Array<[string, Buffer, string, string?]> = [
    ['not an archive', Buffer.from('hello\n'), 'ARCHIVE_INVALID'],
    ['a newer format', Buffer.from('dogan-tenant-archive {"formatVersion":7}\n'), 'ARCHIVE_VERSION_UNSUPPORTED'],
    ['cut short', bytes.subarray(0, bytes.length - 20), 'ARCHIVE_TRUNCATED'],
    ['a flipped byte', flipped(bytes, Math.floor(bytes.length / 2)), '(ARCHIVE_CORRUPT|ARCHIVE_CHECKSUM_MISMATCH)'],
    ['a flipped encrypted byte', flipped(sealedBytes, sealedBytes.length - 100), 'ARCHIVE_TAMPERED', PASSPHRASE],
  ];
  for (const [what, content, code, passphrase] of cases) {
    const file = join(dir, `bad-${what.replaceAll(' ', '-')}.dogan`);
    writeFileSync(file, content);
    const result = await run({ file, passphraseFile: passphrase ? passphraseFile : undefined });
    t.equal(result.code, 1, what);
    t.equal(result.err.length, 1, `${what}: one line`);
    t.match(result.err[0], new RegExp(`^archive-info: ${code}: `), what);
  }
  const missing = await run({ file: join(dir, 'absent.dogan') });
  t.equal(missing.code, 2);
  t.match(missing.err, [/^archive-info: ENOENT/]);
});

t.test('an archive of format 1 is described too', async (t) => {
  const file = join(dir, 'legacy.dogan.gz');
  writeArchive({ format: 'dogan-tenant-archive', version: 1, exportedAt: '2024-05-01T10:00:00.000Z', sourceDialect: 'sqlite', tenant: { id: 't-1', subdomain: 'old' }, tables: { notes: { columns: ['id'], rows: [['a'], ['b']] } } }, file);
  const { code, out } = await run({ file });
  t.equal(code, 0);
  t.match(out.join('\n'), /format +1 \(one gzipped JSON document.*\nencrypted +no\ncreated +2024-05-01T10:00:00.000Z\nsource +\{"dialect":"sqlite"\}[\s\S]*tenant +0 +1 [\s\S]*db:notes +0 +2 /);
});
