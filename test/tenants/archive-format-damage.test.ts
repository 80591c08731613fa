import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import t from 'tap';
import { ArchiveErrors, ArchiveReader, ArchiveWriter, type ArchiveRow } from '../../tenants/src/archive/index.js';

const dir = mkdtempSync(join(tmpdir(), 'dogan-archive-damage-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const PASSPHRASE = 'كلمة المرور';
const SEALED_CHUNK = 64 * 1024 + 16;
const ARCHIVE_CODES = new Set(Object.keys(ArchiveErrors));

/** Three parts; `second` is most of the file, so the middle of the file falls inside it. */
const PARTS: Array<{ name: string; rows: ArchiveRow[] }> = [
  { name: 'first', rows: Array.from({ length: 40 }, (_, i) => ({ i, text: `الصف رقم ${i}` })) },
  { name: 'second', rows: Array.from({ length: 4000 }, (_, i) => ({ i, token: randomBytes(60).toString('base64') })) },
  { name: 'third', rows: Array.from({ length: 40 }, (_, i) => ({ i, text: `third ${i}` })) },
];

async function writeArchiveFile(passphrase?: string): Promise<Buffer> {
  const file = join(dir, `source-${++files}.dogan`);
  const writer = await ArchiveWriter.create(file, { meta: { tenant: 'acme' }, passphrase });
  for (const spec of PARTS) {
    const part = writer.part(spec.name, 1);
    for (const row of spec.rows) await part.row(row);
    await part.end();
  }
  await writer.close();
  return readFileSync(file);
}

const plain = await writeArchiveFile();
const sealed = await writeArchiveFile(PASSPHRASE);
const headerLength = (bytes: Buffer) => bytes.indexOf(10) + 1;

function saved(bytes: Buffer): string {
  const file = join(dir, `damaged-${++files}.dogan`);
  writeFileSync(file, bytes);
  return file;
}

interface Outcome {
  code: string;
  message: string;
  /** Parts begun, in order, and for each whether every row it yielded is a row that was written. */
  parts: string[];
  rowsIntact: boolean;
}

/** Reads everything it can, as an importer would, and notes what it was given before the error. */
async function readDamaged(bytes: Buffer, passphrase?: string): Promise<Outcome> {
  const outcome: Outcome = { code: 'accepted', message: '', parts: [], rowsIntact: true };
  try {
    const archive = await ArchiveReader.open(saved(bytes), { passphrase });
    for await (const part of archive.parts()) {
      outcome.parts.push(part.name);
      const expected = PARTS.find((p) => p.name === part.name)?.rows ?? [];
      let i = 0;
      for await (const row of part.rows()) {
        if (JSON.stringify(row) !== JSON.stringify(expected[i++])) outcome.rowsIntact = false;
      }
    }
  } catch (err) {
    outcome.code = (err as { code?: string }).code ?? String(err);
    outcome.message = (err as Error).message;
  }
  return outcome;
}

const verifyCode = (bytes: Buffer, passphrase?: string) =>
  ArchiveReader.verify(saved(bytes), { passphrase }).then(
    () => 'accepted',
    (err: { code?: string }) => err.code ?? String(err),
  );

/** An unencrypted archive with its decompressed records changed by `edit`, compressed again. */
function rewritten(edit: (lines: string[]) => string[]): Buffer {
  const split = headerLength(plain);
  const lines = gunzipSync(plain.subarray(split)).toString('utf8').split('\n').slice(0, -1);
  return Buffer.concat([plain.subarray(0, split), gzipSync(edit(lines).map((l) => l + '\n').join(''))]);
}

t.test('the undamaged archives read whole', async (t) => {
  t.same(await readDamaged(plain), { code: 'accepted', message: '', parts: ['first', 'second', 'third'], rowsIntact: true });
  t.same(await readDamaged(sealed, PASSPHRASE), { code: 'accepted', message: '', parts: ['first', 'second', 'third'], rowsIntact: true });
  t.ok(sealed.length > headerLength(sealed) + 3 * SEALED_CHUNK, 'the encrypted body spans several chunks');
});

t.test('passphrases: required, and a wrong one refused before any row', async (t) => {
  t.equal((await readDamaged(sealed)).code, 'ARCHIVE_PASSPHRASE_REQUIRED');
  const wrong = await readDamaged(sealed, 'كلمة المرور ');
  t.equal(wrong.code, 'ARCHIVE_PASSPHRASE_WRONG');
  t.same(wrong.parts, [], 'found at open: no part, no row');
  t.equal((await readDamaged(plain, 'unused')).code, 'accepted', 'a passphrase for an unencrypted archive is not needed');
  // The same words in another Unicode normalisation open it (NFC on both sides).
  t.equal((await readDamaged(sealed, PASSPHRASE.normalize('NFD'))).code, 'accepted');
});

t.test('truncated unencrypted archives', async (t) => {
  const h = headerLength(plain);
  const cuts: Array<[string, number, string]> = [
    ['within the header line', h - 5, 'ARCHIVE_TRUNCATED'],
    ['right after the header', h, 'ARCHIVE_TRUNCATED'],
    ['inside the gzip header', h + 5, 'ARCHIVE_TRUNCATED'],
    ['mid-gzip, in the first part', h + 200, 'ARCHIVE_TRUNCATED'],
    ['mid-gzip, in the middle', Math.floor(plain.length / 2), 'ARCHIVE_TRUNCATED'],
    ['one byte short', plain.length - 1, 'ARCHIVE_TRUNCATED'],
    ['without the gzip trailer', plain.length - 8, 'ARCHIVE_TRUNCATED'],
  ];
  for (const [what, at, code] of cuts) {
    const outcome = await readDamaged(plain.subarray(0, at));
    t.equal(outcome.code, code, what);
    t.ok(outcome.rowsIntact, `${what}: no altered row given`);
    t.equal(await verifyCode(plain.subarray(0, at)), code, `${what}: verify() refuses`);
  }
  const noTrailer = await readDamaged(rewritten((lines) => lines.slice(0, -1)));
  t.equal(noTrailer.code, 'ARCHIVE_TRUNCATED', 'complete gzip, but the records stop before the trailer');
  t.match(noTrailer.message, /ends before its next part or its trailer/);
  const midPart = await readDamaged(rewritten((lines) => lines.slice(0, 60)));
  t.equal(midPart.code, 'ARCHIVE_TRUNCATED', 'records stop inside a part');
  t.match(midPart.message, /before the end of part "second"/);
  t.same(midPart.parts, ['first', 'second']);
});

t.test('truncated encrypted archives: at a chunk boundary, inside a chunk, before the trailer', async (t) => {
  const h = headerLength(sealed);
  const chunks = Math.ceil((sealed.length - h) / SEALED_CHUNK);
  const cuts: Array<[string, number, string]> = [['right after the header', h, 'ARCHIVE_TRUNCATED']];
  for (let k = 1; k < chunks; k++) cuts.push([`at the boundary after chunk ${k - 1}`, h + k * SEALED_CHUNK, 'ARCHIVE_TRUNCATED']);
  cuts.push(['inside the first chunk', h + 1000, 'ARCHIVE_TAMPERED'], ['inside a middle chunk', h + SEALED_CHUNK + 5000, 'ARCHIVE_TAMPERED'], ['one byte short (in the last chunk, before the trailer)', sealed.length - 1, 'ARCHIVE_TAMPERED']);
  for (const [what, at, code] of cuts) {
    const outcome = await readDamaged(sealed.subarray(0, at), PASSPHRASE);
    t.equal(outcome.code, code, what);
    t.ok(outcome.rowsIntact, `${what}: every row given was a row written`);
    t.notOk(outcome.parts.includes('third'), `${what}: the last part is never reached`);
  }
  const boundary = await readDamaged(sealed.subarray(0, h + SEALED_CHUNK), PASSPHRASE);
  t.match(boundary.message, /cut short: it ends after encrypted chunk 0/);
});

t.test('one byte flipped in the middle: the right code, and nothing of a later part', async (t) => {
  const middle = Math.floor(plain.length / 2);
  const flipped = Buffer.from(plain);
  flipped[middle]! ^= 0x04;
  const outcome = await readDamaged(flipped);
  t.ok(['ARCHIVE_CORRUPT', 'ARCHIVE_CHECKSUM_MISMATCH'].includes(outcome.code), `unencrypted: ${outcome.code}`);
  t.same(outcome.parts, ['first', 'second'], 'stopped in the damaged part');
  t.not(await verifyCode(flipped), 'accepted');

  const middleSealed = Math.floor(sealed.length / 2);
  const flippedSealed = Buffer.from(sealed);
  flippedSealed[middleSealed]! ^= 0x04;
  const sealedOutcome = await readDamaged(flippedSealed, PASSPHRASE);
  t.equal(sealedOutcome.code, 'ARCHIVE_TAMPERED');
  t.match(sealedOutcome.message, `at encrypted chunk ${Math.floor((middleSealed - headerLength(sealed)) / SEALED_CHUNK)}`);
  t.same(sealedOutcome.parts, ['first', 'second']);
  t.ok(sealedOutcome.rowsIntact, 'encrypted: no altered row is ever given');
  t.equal(await verifyCode(flippedSealed, PASSPHRASE), 'ARCHIVE_TAMPERED');
});

t.test('a byte flipped anywhere is refused by verify()', async (t) => {
  // gzip's header bit FTEXT (byte 3, bit 0) and bytes 4-9 (time, compressor flags, OS) are informative
  // only: they change nothing that is read, and no check covers them.
  const unchecked = (at: number) => at >= headerLength(plain) + 3 && at <= headerLength(plain) + 9;
  for (const [name, bytes, passphrase] of [['unencrypted', plain, undefined], ['encrypted', sealed, PASSPHRASE]] as const) {
    const codes = new Map<string, number>();
    // Each encrypted read costs a scrypt: about thirty places, a third of them in the header.
    const step = Math.floor(bytes.length / 20);
    for (let at = 0; at < bytes.length; at += at < 400 ? 37 : step) {
      if (name === 'unencrypted' && unchecked(at)) continue;
      const copy = Buffer.from(bytes);
      copy[at]! ^= 0x01;
      const code = await verifyCode(copy, passphrase);
      codes.set(code, (codes.get(code) ?? 0) + 1);
      if (!ARCHIVE_CODES.has(code)) t.fail(`${name}: byte ${at} flipped gives ${code}`);
    }
    t.comment(`${name}: ${[...codes].map(([c, n]) => `${c} ×${n}`).join(', ')}`);
    if (name === 'encrypted') t.same([...codes.keys()].filter((c) => !['ARCHIVE_TAMPERED', 'ARCHIVE_INVALID', 'ARCHIVE_PASSPHRASE_WRONG', 'ARCHIVE_VERSION_UNSUPPORTED'].includes(c)), []);
  }
});

t.test('encrypted chunks out of order, repeated or appended to are refused', async (t) => {
  const h = headerLength(sealed);
  const chunk = (k: number) => sealed.subarray(h + k * SEALED_CHUNK, h + (k + 1) * SEALED_CHUNK);
  const rest = (k: number) => sealed.subarray(h + k * SEALED_CHUNK);
  const header = sealed.subarray(0, h);
  const cases: Array<[string, Buffer, string]> = [
    ['chunks 1 and 2 swapped', Buffer.concat([header, chunk(0), chunk(2), chunk(1), rest(3)]), 'ARCHIVE_TAMPERED'],
    ['chunk 1 repeated', Buffer.concat([header, chunk(0), chunk(1), chunk(1), rest(2)]), 'ARCHIVE_TAMPERED'],
    ['a chunk dropped', Buffer.concat([header, chunk(0), rest(2)]), 'ARCHIVE_TAMPERED'],
    ['bytes appended', Buffer.concat([sealed, randomBytes(40)]), 'ARCHIVE_TAMPERED'],
    // Same passphrase, so the key check passes; the other body was sealed under another salt's key.
    ['the body of another archive under this header', Buffer.concat([header, (await writeArchiveFile(PASSPHRASE)).subarray(headerLength(sealed))]), 'ARCHIVE_TAMPERED'],
  ];
  for (const [what, bytes, code] of cases) {
    const outcome = await readDamaged(bytes, PASSPHRASE);
    t.equal(outcome.code, code, what);
    t.ok(outcome.rowsIntact, `${what}: no altered row given`);
  }
});

t.test('an altered encrypted header: the nonce, the key check, the KDF cost', async (t) => {
  const h = headerLength(sealed);
  const header = JSON.parse(sealed.toString('utf8', 'dogan-tenant-archive '.length, h));
  const withHeader = (edit: (e: Record<string, any>) => void) => {
    const copy = structuredClone(header);
    edit(copy.encryption);
    return Buffer.concat([Buffer.from(`dogan-tenant-archive ${JSON.stringify(copy)}\n`), sealed.subarray(h)]);
  };
  const flip = (hex: string) => (hex[0] === '0' ? '1' : '0') + hex.slice(1);
  t.equal((await readDamaged(withHeader((e) => (e.noncePrefix = flip(e.noncePrefix))), PASSPHRASE)).code, 'ARCHIVE_TAMPERED', 'another nonce prefix');
  t.equal((await readDamaged(withHeader((e) => (e.keyCheck = flip(e.keyCheck))), PASSPHRASE)).code, 'ARCHIVE_PASSPHRASE_WRONG', 'another key check');
  t.equal((await readDamaged(withHeader((e) => (e.kdf.N = 2 ** 14)), PASSPHRASE)).code, 'ARCHIVE_PASSPHRASE_WRONG', 'another scrypt cost');
  t.equal((await readDamaged(withHeader((e) => (e.kdf.p = 0)), PASSPHRASE)).code, 'ARCHIVE_INVALID', 'an impossible scrypt cost');
});

t.test('unencrypted records altered behind intact gzip: the checksums name the part', async (t) => {
  const partLine = (name: string) => (lines: string[]) => lines.findIndex((l) => l === `{"t":"part","name":"${name}","schemaVersion":1}`);
  const cases: Array<[string, (lines: string[]) => string[], string, RegExp]> = [
    ['a row of the first part changed', (lines) => lines.map((l, i) => (i === partLine('first')(lines) + 3 ? l.replace('الصف', 'صف') : l)), 'ARCHIVE_CHECKSUM_MISMATCH', /checksum of part "first"/],
    ['a row of the first part removed', (lines) => lines.filter((_, i) => i !== partLine('first')(lines) + 3), 'ARCHIVE_CHECKSUM_MISMATCH', /part "first".*counts 40 rows; it holds 39/],
    ['a part renamed', (lines) => lines.map((l) => l.replace('"name":"second","schemaVersion":1}', '"name":"secund","schemaVersion":1}')), 'ARCHIVE_CHECKSUM_MISMATCH', /part "secund"/],
    ['a row made invalid JSON', (lines) => lines.map((l, i) => (i === partLine('first')(lines) + 1 ? l.replace('"i":0', '"i":0,') : l)), 'ARCHIVE_CORRUPT', /row is not valid JSON \(part "first", row 1\)/],
    ['the trailer checksum changed', (lines) => lines.map((l) => (l.startsWith('{"t":"trailer"') ? l.replace(/"sha256":"(.)/g, (_m, c: string) => `"sha256":"${c === '0' ? '1' : '0'}`) : l)), 'ARCHIVE_CHECKSUM_MISMATCH', /checksum of its trailer/],
    ['the metadata changed', (lines) => lines.map((l, i) => (i === 0 ? l.replace('acme', 'acne') : l)), 'ARCHIVE_CHECKSUM_MISMATCH', /checksum of its trailer/],
    ['a part dropped whole', (lines) => lines.filter((_, i) => i < partLine('third')(lines) || i >= partLine('third')(lines) + 42), 'ARCHIVE_CHECKSUM_MISMATCH', /trailer lists parts first, second, third; the archive holds first, second/],
    ['a record after the trailer', (lines) => [...lines, lines[lines.length - 1]!], 'ARCHIVE_CORRUPT', /data follows its trailer/],
    ['a record of unknown type', (lines) => lines.map((l, i) => (i === partLine('second')(lines) ? l.replace('"t":"part"', '"t":"chapter"') : l)), 'ARCHIVE_CORRUPT', /unknown type "chapter"/],
  ];
  for (const [what, edit, code, message] of cases) {
    const outcome = await readDamaged(rewritten(edit));
    t.equal(outcome.code, code, what);
    t.match(outcome.message, message, `${what}: the message says where`);
    const failedIn = outcome.parts.at(-1);
    t.notOk(outcome.parts.slice(outcome.parts.indexOf(failedIn!) + 1).length, `${what}: no part after the damaged one`);
  }
  t.same((await readDamaged(rewritten((lines) => lines.map((l, i) => (i === partLine('first')(lines) + 3 ? l.replace('الصف', 'صف') : l))))).parts, ['first'], 'damage in the first part: the second is never begun');
});

t.test('an error is final: a reader that catches it and carries on gets it again', async (t) => {
  const damaged = rewritten((lines) => lines.map((l) => l.replace('"text":"الصف رقم 3"', '"text":"الصف رقم 4"')));
  const archive = await ArchiveReader.open(saved(damaged));
  const codes: string[] = [];
  try {
    for await (const part of archive.parts()) {
      try {
        for await (const _row of part.rows()) {
          // read on
        }
      } catch (err) {
        codes.push((err as { code: string }).code);
      }
    }
  } catch (err) {
    codes.push((err as { code: string }).code);
  }
  t.same(codes, ['ARCHIVE_CHECKSUM_MISMATCH', 'ARCHIVE_CHECKSUM_MISMATCH']);
});
