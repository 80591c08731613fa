import t from 'tap';
import { canonicalJson, sha512Integrity, signRelease } from '@dogan/module-manifest';
import { createPublisher, storedTarballs } from './helpers/publisher.js';
import { manyFiles, rawTgz, zeroBomb } from './helpers/hostile-tarballs.js';
import { startTestRegistry } from './helpers/registry-server.js';
import { call, manifestFor, privateKeyOf, upload } from './helpers/releases.js';

t.test('hostile archives are refused before anything is stored', async (t) => {
  // Upload limit above the bomb's compressed size, so the decompression check is what refuses it.
  const reg = await startTestRegistry(t, { env: { REGISTRY_MAX_UPLOAD_BYTES: String(8 * 1024 * 1024) } });
  const acme = await createPublisher(reg.url, 'acme');
  const manifest = manifestFor('acme.evil', '1.0.0');
  const manifestBytes = Buffer.from(canonicalJson(manifest));

  // Each archive is validly signed by a registered key: the archive checks alone must refuse it.
  async function send(name: string, tarball: Buffer, status: number, code: string, detail?: RegExp) {
    const signature = signRelease(privateKeyOf(acme.keys), sha512Integrity(tarball), manifest);
    const started = performance.now();
    const res = await upload(reg.url, acme.token, 'acme.evil', '1.0.0', { tarball, signature, keyId: acme.keys.keyId });
    t.equal(res.status, status, `${name}: status ${JSON.stringify(res.body).slice(0, 200)}`);
    t.equal(res.body.code, code, `${name}: code`);
    if (detail) t.match(res.body.detail, detail, `${name}: detail`);
    t.equal((await call(reg.url, 'GET', 'v1/packages/acme.evil')).status, 404, `${name}: nothing recorded`);
    t.same(storedTarballs(reg.dataDir), [], `${name}: nothing stored`);
    return performance.now() - started;
  }

  const base = [{ name: 'package/manifest.json', content: manifestBytes }];
  await send('../ path', rawTgz([...base, { name: 'package/../../etc/cron.d/x', content: Buffer.from('x') }]), 400, 'PACKAGE_UNSAFE_PATH', /\.\./);
  await send('absolute path', rawTgz([...base, { name: '/etc/passwd', content: Buffer.from('x') }]), 400, 'PACKAGE_UNSAFE_PATH', /absolute/);
  await send('outside package/', rawTgz([{ name: 'manifest.json', content: manifestBytes }]), 400, 'PACKAGE_UNSAFE_PATH');
  await send('backslash', rawTgz([...base, { name: 'package\\..\\x', content: Buffer.from('x') }]), 400, 'PACKAGE_UNSAFE_PATH');
  await send('symlink', rawTgz([...base, { name: 'package/module.js', type: '2', linkname: '/etc/passwd' }]), 400, 'PACKAGE_LINK_REFUSED', /symbolic link/);
  await send('hard link', rawTgz([...base, { name: 'package/module.js', type: '1', linkname: 'package/manifest.json' }]), 400, 'PACKAGE_LINK_REFUSED', /hard link/);
  await send('character device', rawTgz([...base, { name: 'package/null', type: '3' }]), 400, 'PACKAGE_ENTRY_TYPE_REFUSED', /character device/);
  await send('block device', rawTgz([...base, { name: 'package/sda', type: '4' }]), 400, 'PACKAGE_ENTRY_TYPE_REFUSED');
  await send('fifo', rawTgz([...base, { name: 'package/pipe', type: '6' }]), 400, 'PACKAGE_ENTRY_TYPE_REFUSED');
  await send('duplicate entry', rawTgz([...base, ...base]), 400, 'PACKAGE_INVALID', /twice/);
  await send('missing files', rawTgz(base), 400, 'PACKAGE_INVALID', /module\.js|README|checksums/);

  const many = manyFiles(10_000);
  t.ok(many.length < 200_000, `10,000 files compress to ${many.length} bytes`);
  await send('10,000 files', many, 400, 'PACKAGE_TOO_MANY_FILES');

  const bomb = zeroBomb('package/module.js', 1024 * 1024 * 1024);
  t.ok(bomb.length < 2 * 1024 * 1024, `a 1 GiB expansion compresses to ${bomb.length} bytes`);
  const ms = await send('1 GiB bomb', bomb, 413, 'PACKAGE_TOO_LARGE_UNPACKED');
  t.ok(ms < 5000, `refused in ${Math.round(ms)} ms, without inflating it`);

  // A bomb hidden after the archive's end is stopped by the byte counter on the gunzip output.
  const trailing = Buffer.concat([rawTgz(base), zeroBomb('package/x', 256 * 1024 * 1024)]);
  await send('bomb after the end', trailing, 413, 'PACKAGE_TOO_LARGE_UNPACKED');
});
