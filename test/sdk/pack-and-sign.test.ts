import { mkdirSync, mkdtempSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { canonicalJson, generatePublisherKeyPair, sha512Integrity, signRelease, verifyRelease } from '@dogan/module-manifest';
import { buildModule, packModule, signingPayload } from '@dogan/sdk';
import { createPrivateKey } from 'node:crypto';
import { manifestFor } from '../registry/helpers/releases.js';

function moduleFolder(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-sdk-'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestFor('acme.pack', '1.0.0'), null, 2));
  writeFileSync(join(dir, 'README.md'), '# pack\n');
  writeFileSync(join(dir, 'src', 'index.ts'), source);
  writeFileSync(join(dir, 'src', 'util.ts'), 'export const twice = (n: number): number => n * 2;\n');
  return dir;
}

t.test('pack is deterministic: same input, byte-identical output', async (t) => {
  const dir = moduleFolder("import { defineModule } from 'dogan:module';\nimport { twice } from './util';\nexport default defineModule({ routes: { list: async () => ({ body: twice(2) }) } });\n");
  await buildModule(dir);
  const first = readFileSync((await packModule(dir)).path);
  // New mtimes and a reformatted manifest change nothing.
  utimesSync(join(dir, 'README.md'), new Date(), new Date(2031, 1, 1));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifestFor('acme.pack', '1.0.0')));
  await buildModule(dir);
  const second = await packModule(dir);
  t.same(readFileSync(second.path), first);
  t.equal(second.integrity, sha512Integrity(first));
  t.same(second.files, ['README.md', 'checksums.json', 'manifest.json', 'module.js']);
  t.equal(first[9], 0xff, 'gzip OS byte is fixed');
  t.equal(first.readUInt32LE(4), 0, 'gzip mtime is zero');
  writeFileSync(join(dir, 'README.md'), '# changed\n');
  t.not(sha512Integrity(readFileSync((await packModule(dir)).path)), second.integrity, 'a changed file changes the archive');
});

t.test('build refuses imports other than dogan:module, naming file and line', async (t) => {
  for (const spec of ['node:fs', 'lodash', '../../outside']) {
    const dir = moduleFolder(`import x from '${spec}';\nexport default x;\n`);
    await t.rejects(buildModule(dir), { message: new RegExp(`src/index.ts:1:\\d+: import "${spec.replace(/[./]/g, '\\$&')}" in src/index.ts is not allowed`) }, spec);
  }
  const ok = moduleFolder("import { defineModule } from 'dogan:module';\nexport default defineModule({});\n");
  const built = await buildModule(ok);
  t.match(readFileSync(built.outfile, 'utf8'), /from "dogan:module"/, 'dogan:module stays external');
});

t.test('the signing payload is canonical and signatures bind integrity and manifest', async (t) => {
  t.equal(canonicalJson({ b: 1, a: [true, null, 'ك'], c: { z: 1, y: undefined } }), '{"a":[true,null,"ك"],"b":1,"c":{"z":1}}');
  const manifest = manifestFor('acme.sign', '1.0.0');
  const shuffled = Object.fromEntries(Object.entries(manifest).reverse());
  const integrity = sha512Integrity(Buffer.from('archive'));
  t.same(signingPayload(integrity, manifest), signingPayload(integrity, shuffled), 'key order does not matter');
  t.match(signingPayload(integrity, manifest).toString(), /^dogan-module-release-v1\nsha512-/);
  const keys = generatePublisherKeyPair();
  const signature = signRelease(createPrivateKey(keys.privateKeyPem), integrity, manifest);
  t.ok(verifyRelease(keys.publicKeyPem, integrity, shuffled, signature));
  t.notOk(verifyRelease(keys.publicKeyPem, sha512Integrity(Buffer.from('other')), manifest, signature), 'other archive');
  t.notOk(verifyRelease(keys.publicKeyPem, integrity, { ...manifest, version: '1.0.1' }, signature), 'other manifest');
  t.notOk(verifyRelease(generatePublisherKeyPair().publicKeyPem, integrity, manifest, signature), 'other key');
  t.notOk(verifyRelease('not a key', integrity, manifest, signature), 'garbage key is false, not a throw');
});
