import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { KernelErrors } from '@dogan/runtime';
import { TenantErrors } from '../../tenants/src/errors.js';
import { writeArchive, type TenantArchive } from '../../tenants/src/tenant-archive.js';
import { ArchiveErrors, ArchiveReader, ArchiveWriter, openArchive, readLegacyV1, verifyArchive, type ArchiveRow, type OpenedArchive } from '../../tenants/src/archive/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dogan-archive-format-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempFile = (name = 'archive') => join(dir, `${name}-${++files}.dogan`);

const codeOf = async (run: () => Promise<unknown>) => {
  try {
    await run();
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

interface PartSpec {
  name: string;
  schemaVersion: number;
  rows: ArchiveRow[];
}

async function writeParts(target: string | Writable, parts: PartSpec[], passphrase?: string) {
  const writer = await ArchiveWriter.create(target, { meta: { tenant: { id: 't-1', subdomain: 'moving' }, note: 'نسخة احتياطية' }, source: { version: '0.1.0', dialect: 'sqlite' }, passphrase });
  for (const spec of parts) {
    const part = writer.part(spec.name, spec.schemaVersion);
    for (const row of spec.rows) await part.row(row);
    await part.end();
  }
  return writer.close();
}

async function readAll(archive: OpenedArchive) {
  const parts: PartSpec[] = [];
  for await (const part of archive.parts()) {
    const rows: ArchiveRow[] = [];
    for await (const row of part.rows()) rows.push(row);
    parts.push({ name: part.name, schemaVersion: part.schemaVersion, rows });
  }
  return parts;
}

/** Awkward values, and what each reads back as. */
const AWKWARD: Array<{ row: ArchiveRow; back: ArchiveRow }> = (() => {
  const big = 'س'.repeat(1_500_000) + 'x'.repeat(2_000_000);
  const bytes = Buffer.from([0, 1, 2, 0x7f, 0x80, 0xff]);
  return [
    { row: { id: 'a1', body: 'فاتورة رقم ١٢٣ — مدفوعة', pinned: true, meta: { tags: ['ضريبة', 'vat'], total: 115.5 } }, back: { id: 'a1', body: 'فاتورة رقم ١٢٣ — مدفوعة', pinned: true, meta: { tags: ['ضريبة', 'vat'], total: 115.5 } } },
    { row: { id: 'a2', body: 'He said "it\'s fine";\n\tDROP TABLE notes; --', meta: null, position: null, gone: undefined }, back: { id: 'a2', body: 'He said "it\'s fine";\n\tDROP TABLE notes; --', meta: null, position: null } },
    { row: { id: 'a3', body: big, nested: { deep: { deeper: [1, 'two', { three: 3 }, null, [[]]] } } }, back: { id: 'a3', body: big, nested: { deep: { deeper: [1, 'two', { three: 3 }, null, [[]]] } } } },
    { row: { id: 'a4', blob: bytes, icon: new Uint8Array([9, 8, 7]), inside: { list: [Buffer.from('نص')] } }, back: { id: 'a4', blob: bytes, icon: Buffer.from([9, 8, 7]), inside: { list: [Buffer.from('نص')] } } },
    { row: { id: 'a5', at: new Date('2024-03-10T21:30:00.123Z'), count: 12345678901234567890n, nested: { n: 1n } }, back: { id: 'a5', at: '2024-03-10T21:30:00.123Z', count: '12345678901234567890', nested: { n: '1' } } },
    { row: { id: 'a6', text: 'line\u2028sep\u2029 \u0000 nul 😀 "\\', empty: '', zero: 0, negative: -7.25, exp: 1e300 }, back: { id: 'a6', text: 'line\u2028sep\u2029 \u0000 nul 😀 "\\', empty: '', zero: 0, negative: -7.25, exp: 1e300 } },
  ];
})();

/** Enough incompressible rows that an encrypted body spans several 64 KiB chunks. */
const MANY = Array.from({ length: 3000 }, (_, i) => ({ id: i, token: randomBytes(48).toString('base64'), label: `فاتورة ${i}` }));

const PARTS: PartSpec[] = [
  { name: 'tenant', schemaVersion: 1, rows: [{ id: 't-1', name: 'شركة المهاجر', subdomain: 'moving', trialEndsAt: null }] },
  { name: 'db:notes', schemaVersion: 3, rows: AWKWARD.map((a) => a.row) },
  { name: 'db:empty', schemaVersion: 0, rows: [] },
  { name: 'plugin:billing/invoices', schemaVersion: 12, rows: MANY },
];
const READ_BACK: PartSpec[] = PARTS.map((p) => (p.name === 'db:notes' ? { ...p, rows: AWKWARD.map((a) => a.back) } : p));

for (const passphrase of [undefined, 'عبارة المرور السرية — correct horse']) {
  const kind = passphrase ? 'encrypted' : 'plain';

  t.test(`round trip through a file (${kind}): parts, rows and metadata as written`, async (t) => {
    const file = tempFile(kind);
    const written = await writeParts(file, PARTS, passphrase);
    t.same(written.parts.map((p) => [p.name, p.schemaVersion, p.rows]), PARTS.map((p) => [p.name, p.schemaVersion, p.rows.length]));
    t.equal(written.bytes, statSync(file).size, 'the summary counts the bytes of the file');
    t.equal(statSync(file).mode & 0o777, 0o600, 'readable by its owner only');
    t.same(readdirSync(dir).filter((f) => f.endsWith('.partial')), [], 'no temporary file left beside it');

    const header = readFileSync(file).subarray(0, 200).toString('latin1').split('\n')[0]!;
    t.match(header, /^dogan-tenant-archive \{"formatVersion":2,"encryption":/);
    if (passphrase) t.notOk(readFileSync(file).includes('moving'), 'encrypted: no plaintext of the tenant in the file');

    const archive = await ArchiveReader.open(file, { passphrase });
    t.equal(archive.formatVersion, 2);
    t.equal(archive.encrypted, Boolean(passphrase));
    t.same(archive.meta, { tenant: { id: 't-1', subdomain: 'moving' }, note: 'نسخة احتياطية' });
    t.same(archive.source, { version: '0.1.0', dialect: 'sqlite' });
    t.ok(Math.abs(Date.parse(archive.createdAt) - Date.now()) < 3_600_000, 'createdAt is an ISO instant');
    const parts = await readAll(archive);
    t.same(parts.map((p) => p.name), READ_BACK.map((p) => p.name));
    for (const [i, part] of parts.entries()) t.strictSame(part, READ_BACK[i], `part ${part.name}`);
    t.ok(Buffer.isBuffer(parts[1]!.rows[3]!.blob), 'Buffers come back as Buffers');
    t.same(archive.summary(), written, 'the reader confirms what the writer wrote');
    t.same(await ArchiveReader.verify(file, { passphrase }), written);
  });

  t.test(`round trip through streams (${kind})`, async (t) => {
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk);
        done();
      },
    });
    const written = await writeParts(sink, PARTS.slice(0, 2), passphrase);
    const bytes = Buffer.concat(chunks);
    t.equal(written.bytes, bytes.length);
    // One byte at a time: every boundary the reader splits on falls everywhere once.
    const trickle = Readable.from((function* () {
      for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
    })());
    const parts = await readAll(await ArchiveReader.open(trickle, { passphrase }));
    t.strictSame(parts, READ_BACK.slice(0, 2));
  });
}

t.test('parts are read in order: each read to its end or skipped before the next', async (t) => {
  const file = tempFile();
  const written = await writeParts(file, PARTS);

  const skipping = await ArchiveReader.open(file);
  const names: string[] = [];
  for await (const part of skipping.parts()) {
    names.push(part.name);
    t.same(await part.skip(), written.parts[names.length - 1], `skip() checks part ${part.name} and returns its summary`);
  }
  t.same(names, PARTS.map((p) => p.name));
  t.same(skipping.summary(), written);

  const partial = await ArchiveReader.open(file);
  for await (const part of partial.parts()) {
    for await (const _row of part.rows()) break;
    t.equal((await part.skip()).rows, PARTS.find((p) => p.name === part.name)!.rows.length, 'a part left mid-way is skipped to its end');
    t.equal(await codeOf(async () => {
      for await (const _row of part.rows()) t.fail('no row twice');
    }), 'ARCHIVE_PART_ORDER', 'rows() of a part read once');
  }
  t.same(partial.summary(), written);

  const careless = await ArchiveReader.open(file);
  t.equal(await codeOf(async () => careless.summary()), 'ARCHIVE_PART_ORDER', 'no summary before the walk');
  const error = await codeOf(async () => {
    for await (const _part of careless.parts()) {
      // neither read nor skipped
    }
  });
  t.equal(error, 'ARCHIVE_PART_ORDER', 'asking for the next part with the previous one unread');
  t.equal(await codeOf(async () => {
    for await (const _part of careless.parts()) t.fail('walked twice');
  }), 'ARCHIVE_PART_ORDER', 'parts() walks once');

  const early = await ArchiveReader.open(file);
  for await (const part of early.parts()) {
    t.equal(part.name, 'tenant');
    break;
  }
  t.equal(await codeOf(async () => early.summary()), 'ARCHIVE_PART_ORDER', 'a walk left early has no summary');
});

t.test('the writer refuses what would make a bad archive, and leaves no file when aborted', async (t) => {
  const file = tempFile();
  const writer = await ArchiveWriter.create(file);
  const part = writer.part('db:a', 1);
  t.throws(() => writer.part('db:b', 1), { code: 'ARCHIVE_WRITER_MISUSE', message: /part "db:a" is still open/ });
  for (const bad of [null, [1, 2], 'text', 42, new Map(), new (class Entity {})()]) {
    t.equal(await codeOf(() => part.row(bad as never)), 'ARCHIVE_WRITER_MISUSE', `row ${String(bad)}`);
  }
  const circular: Record<string, unknown> = { id: 1 };
  circular.self = circular;
  t.equal(await codeOf(() => part.row(circular)), 'ARCHIVE_WRITER_MISUSE', 'a circular row');
  await part.row({ id: 1 });
  t.equal(await codeOf(() => writer.close()), 'ARCHIVE_WRITER_MISUSE', 'closing with a part open');
  t.match(await part.end(), { name: 'db:a', schemaVersion: 1, rows: 1 }, 'the refused rows were not written');
  t.equal(await codeOf(() => part.end()), 'ARCHIVE_WRITER_MISUSE', 'end() twice');
  t.equal(await codeOf(() => part.row({ id: 2 })), 'ARCHIVE_WRITER_MISUSE', 'a row after end()');
  t.throws(() => writer.part('db:a', 2), { code: 'ARCHIVE_WRITER_MISUSE', message: /already has a part "db:a"/ });
  for (const [name, version] of [['', 1], ['x'.repeat(201), 1], ['tab\there', 1], ['db:b', -1], ['db:b', 1.5], ['db:b', Number.NaN]] as const) {
    t.throws(() => writer.part(name, version), { code: 'ARCHIVE_WRITER_MISUSE' }, `part ${JSON.stringify(name)} v${version}`);
  }
  await writer.abort();
  t.same(readdirSync(dir).filter((f) => f.startsWith(file.split('/').pop()!)), [], 'an aborted archive leaves nothing');
  t.equal(await codeOf(() => ArchiveWriter.create(tempFile(), { passphrase: '' })), 'ARCHIVE_WRITER_MISUSE', 'an empty passphrase');
  t.equal(await codeOf(() => ArchiveWriter.create(tempFile(), { meta: { n: 1n } })), 'ARCHIVE_WRITER_MISUSE', 'metadata that is not JSON');
  t.equal(await codeOf(() => ArchiveWriter.create(join(dir, 'missing', 'x.dogan'))), 'ENOENT', 'a directory that does not exist');
  t.same(readdirSync(dir).filter((f) => f.endsWith('.partial')), []);
});

t.test('a failing destination fails the next row instead of hanging', async (t) => {
  let received = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done(received > 200_000 ? new Error('disk full') : null);
    },
  });
  const writer = await ArchiveWriter.create(sink);
  const part = writer.part('db:big', 1);
  const error = await codeOf(async () => {
    for (const row of MANY.concat(MANY, MANY, MANY)) await part.row(row);
    await part.end();
    await writer.close();
  });
  t.equal(error, 'Error: disk full');
  t.equal(await codeOf(() => part.row({ id: 1 })), 'Error: disk full', 'and every call after it');
  await writer.abort();
});

t.test('row() waits for the destination: the writer never runs far ahead of what was written', async (t) => {
  // Incompressible rows; the destination calls back a turn later and notes how far the producer got.
  const rows = Array.from({ length: 8000 }, (_, i) => ({ id: i, token: randomBytes(768).toString('base64') }));
  const rowBytes = Buffer.byteLength(JSON.stringify(rows[0])) + 16;
  let produced = 0;
  let received = 0;
  let lead = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      // gzip saves at most a quarter of base64: produced rows hold at least this many body bytes.
      lead = Math.max(lead, produced * rowBytes * 0.7 - received);
      setImmediate(done);
    },
  });
  const writer = await ArchiveWriter.create(sink);
  const part = writer.part('db:tokens', 1);
  for (const row of rows) {
    await part.row(row);
    produced++;
  }
  await part.end();
  await writer.close();
  t.ok(rows.length * rowBytes > 8 * 1024 * 1024, 'about 8 MiB went through');
  t.ok(lead < 1024 * 1024, `at most ${Math.round(lead / 1024)} KiB ahead of the destination (bound 1 MiB)`);
});

t.test('not an archive, a newer format, the old format', async (t) => {
  const cases: Array<[string, Buffer, string, RegExp?]> = [
    ['empty', Buffer.alloc(0), 'ARCHIVE_INVALID', /is empty/],
    ['text', Buffer.from('hello, this is not an archive\n'), 'ARCHIVE_INVALID', /does not begin with "dogan-tenant-archive"/],
    ['png', Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex'), 'ARCHIVE_INVALID'],
    ['gzip of something else', gzipSync(JSON.stringify({ hello: 'world' })), 'ARCHIVE_INVALID', /gzip data, but not a Dogan tenant archive/],
    ['header cut short', Buffer.from('dogan-tenant-archive {"formatVer'), 'ARCHIVE_TRUNCATED'],
    ['header too long', Buffer.from(`dogan-tenant-archive {"formatVersion":2,"x":"${'a'.repeat(5000)}"}\n`), 'ARCHIVE_INVALID', /longer than 4096/],
    ['header not JSON', Buffer.from('dogan-tenant-archive {formatVersion: 2}\n'), 'ARCHIVE_INVALID', /not JSON/],
    ['header without a version', Buffer.from('dogan-tenant-archive {"encryption":null}\n'), 'ARCHIVE_INVALID'],
    ['a header claiming format 1', Buffer.from('dogan-tenant-archive {"formatVersion":1,"encryption":null}\n'), 'ARCHIVE_INVALID'],
    ['an unknown cipher', Buffer.from('dogan-tenant-archive {"formatVersion":2,"encryption":{"cipher":"rot13"}}\n'), 'ARCHIVE_INVALID', /cipher "rot13" is unknown/],
    [
      'a KDF asking for gigabytes',
      Buffer.from(`dogan-tenant-archive ${JSON.stringify({ formatVersion: 2, encryption: { cipher: 'aes-256-gcm', chunkBytes: 65536, noncePrefix: '00'.repeat(8), keyCheck: '00'.repeat(16), kdf: { name: 'scrypt', N: 2 ** 24, r: 8, p: 1, salt: 'A'.repeat(24) } } })}\n`),
      'ARCHIVE_INVALID',
      /needs more than 256 MiB/,
    ],
    ['a newer format', Buffer.concat([Buffer.from('dogan-tenant-archive {"formatVersion":3,"compression":"zstd"}\n'), randomBytes(100)]), 'ARCHIVE_VERSION_UNSUPPORTED', /is format 3, made by a newer Dogan; this Dogan reads formats up to 2/],
  ];
  for (const [what, bytes, code, message] of cases) {
    const file = tempFile();
    writeFileSync(file, bytes);
    const err = await ArchiveReader.open(file).then(() => null, (e: Error & { code: string }) => e);
    t.equal(err?.code, code, what);
    if (message) t.match(err?.message, message, `${what}: says why`);
  }
  t.equal(await codeOf(() => ArchiveReader.open(join(dir, 'nothing-here.dogan'))), 'ENOENT');
});

const LEGACY: TenantArchive = {
  format: 'dogan-tenant-archive',
  version: 1,
  exportedAt: '2024-05-01T10:00:00.000Z',
  sourceDialect: 'postgresql',
  tenant: { id: '3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11', subdomain: 'moving', name: 'شركة المهاجر', status: 'active', createdAt: '2024-01-01T00:00:00.000Z' },
  tables: {
    notes: {
      columns: ['id', 'body', 'pinned', 'meta', 'attachment'],
      rows: [
        ['a1', 'فاتورة رقم ١٢٣', 1, { tags: ['ضريبة'] }, { $base64: Buffer.from('PDF').toString('base64') }],
        ['a2', null, 0, null, null],
      ],
    },
    empty_table: { columns: [], rows: [] },
  },
};

t.test('format 1 (written by the current writeArchive): named as such, and readable through readLegacyV1', async (t) => {
  const file = tempFile('legacy');
  writeArchive(LEGACY, file);
  const err = await ArchiveReader.open(file).then(() => null, (e: Error & { code: string }) => e);
  t.equal(err?.code, 'ARCHIVE_VERSION_OLD');
  t.match(err?.message, /format 1.*"dogan tenant import <file>"/);

  const legacy = readLegacyV1(file);
  t.equal(legacy.formatVersion, 1);
  t.equal(legacy.encrypted, false);
  t.equal(legacy.createdAt, LEGACY.exportedAt);
  t.same(legacy.source, { dialect: 'postgresql' });
  const parts = await readAll(legacy);
  t.strictSame(parts, [
    { name: 'tenant', schemaVersion: 0, rows: [LEGACY.tenant] },
    {
      name: 'db:notes',
      schemaVersion: 0,
      rows: [
        { id: 'a1', body: 'فاتورة رقم ١٢٣', pinned: 1, meta: { tags: ['ضريبة'] }, attachment: Buffer.from('PDF') },
        { id: 'a2', body: null, pinned: 0, meta: null, attachment: null },
      ],
    },
    { name: 'db:empty_table', schemaVersion: 0, rows: [] },
  ]);
  const summary = legacy.summary();
  t.same(summary.parts.map((p) => [p.name, p.rows]), [['tenant', 1], ['db:notes', 2], ['db:empty_table', 0]]);
  t.equal(summary.bytes, statSync(file).size);

  // The same rows written as format 2 give the same part checksums: the formats compare.
  const again = tempFile();
  const written = await writeParts(again, parts);
  t.same(written.parts, summary.parts);

  t.same((await verifyArchive(file)).parts, summary.parts, 'verifyArchive takes either format');
  t.equal((await openArchive(file)).formatVersion, 1, 'openArchive too');
  t.equal((await openArchive(again)).formatVersion, 2);

  const notLegacy = tempFile();
  writeFileSync(notLegacy, gzipSync(JSON.stringify({ format: 'dogan-tenant-archive', version: 1, tenant: {} })));
  t.throws(() => readLegacyV1(notLegacy), { code: 'ARCHIVE_INVALID' }, 'readLegacyV1 checks what it reads');
});

t.test('error table: unique codes, none shadowing the kernel, 4xx for bad bytes, messages that name the thing', async (t) => {
  const kernelCodes = new Set(Object.keys(KernelErrors));
  for (const [key, factory] of Object.entries(ArchiveErrors)) {
    t.equal(factory.code, key);
    t.match(key, /^ARCHIVE_[A-Z0-9_]+$/);
    t.notOk(kernelCodes.has(key), `${key} is not a kernel code`);
    t.ok(factory.spec.status >= 400 && factory.spec.status < 600);
  }
  // The one code shared with the tenants table means the same thing there, with the same status.
  const shared = Object.keys(ArchiveErrors).filter((k) => k in TenantErrors);
  t.same(shared, ['ARCHIVE_INVALID']);
  t.equal(ArchiveErrors.ARCHIVE_INVALID.spec.status, TenantErrors.ARCHIVE_INVALID.spec.status);
  t.same(Object.entries(ArchiveErrors).filter(([, f]) => f.spec.status >= 500).map(([k]) => k).sort(), ['ARCHIVE_PART_ORDER', 'ARCHIVE_WRITER_MISUSE'], 'only misuse by code is 5xx');
  t.match(ArchiveErrors.ARCHIVE_CHECKSUM_MISMATCH('"x.dogan"', 'part "db:notes"', 'its rows differ').message, '"x.dogan" does not match the checksum of part "db:notes" (its rows differ)');
});

t.test('a stream given to the reader is released when the walk stops early', async (t) => {
  const file = tempFile();
  await writeParts(file, PARTS);
  const source = new PassThrough();
  source.end(readFileSync(file));
  const archive = await ArchiveReader.open(source);
  for await (const part of archive.parts()) {
    t.equal(part.name, 'tenant');
    break;
  }
  t.ok(source.destroyed, 'destroyed with the walk');
});
