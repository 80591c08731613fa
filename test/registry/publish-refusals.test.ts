import t from 'tap';
import { generatePublisherKeyPair, signRelease } from '@dogan/module-manifest';
import { createPublisher, storedTarballs } from './helpers/publisher.js';
import { startTestRegistry } from './helpers/registry-server.js';
import { call, manifestFor, privateKeyOf, signedRelease, upload } from './helpers/releases.js';

t.test('bad publishes are 4xx problems with a code, and store nothing', async (t) => {
  const reg = await startTestRegistry(t, { env: { REGISTRY_MAX_UPLOAD_BYTES: '65536' } });
  const acme = await createPublisher(reg.url, 'acme');
  const other = await createPublisher(reg.url, 'other');
  const good = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.0.0'));
  const first = await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', good);
  t.equal(first.status, 201, JSON.stringify(first.body));
  const storedAfterGood = storedTarballs(reg.dataDir);
  t.equal(storedAfterGood.length, 1);

  async function refused(name: string, id: string, version: string, res: { status: number; body: Record<string, unknown> }, status: number, code: string) {
    t.equal(res.status, status, `${name}: status (${JSON.stringify(res.body).slice(0, 300)})`);
    t.equal(res.body.code, code, `${name}: code`);
    t.match(res.body, { type: `urn:dogan:problem:${code}`, detail: String }, `${name}: problem document`);
    if (version !== '1.0.0' || id !== 'acme.reminders') {
      const meta = await call(reg.url, 'GET', `v1/packages/${id}/versions/${version}`);
      t.equal(meta.status, 404, `${name}: no version recorded`);
    }
    t.same(storedTarballs(reg.dataDir), storedAfterGood, `${name}: no archive stored`);
  }

  await t.test('republishing an existing version, even byte-identical', async () => {
    await refused('republish', 'acme.reminders', '1.0.0', await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', good), 409, 'VERSION_EXISTS');
    const changed = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.0.0', { category: 'sales' }));
    await refused('republish changed', 'acme.reminders', '1.0.0', await upload(reg.url, acme.token, 'acme.reminders', '1.0.0', changed), 409, 'VERSION_EXISTS');
  });

  await t.test('a manifest with a missing field names it', async (t) => {
    const { description: _omit, ...rest } = manifestFor('acme.reminders', '1.1.0');
    const bad = await signedRelease(acme.keys, rest);
    const res = await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', bad);
    await refused('missing field', 'acme.reminders', '1.1.0', res, 400, 'MANIFEST_INVALID');
    t.match(res.body.errors, [{ field: 'description', message: 'is required' }]);
  });

  await t.test('a manifest with a wrong field names it', async (t) => {
    const bad = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0', { pricing: { model: 'subscription', interval: 'week', amount: 900, currency: 'SAR' } }));
    const res = await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', bad);
    await refused('wrong field', 'acme.reminders', '1.1.0', res, 400, 'MANIFEST_INVALID');
    t.match(res.body.errors, [{ field: 'pricing.interval' }]);
  });

  await t.test('a manifest whose version differs from the URL', async () => {
    const bad = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.2.0'));
    await refused('mismatch', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', bad), 400, 'VERSION_MISMATCH');
  });

  await t.test('a wrong signature', async () => {
    const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0'));
    const otherManifest = manifestFor('acme.reminders', '1.1.0', { category: 'sales' });
    const wrong = signRelease(privateKeyOf(acme.keys), release.integrity, otherManifest);
    await refused('wrong signature', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', { ...release, signature: wrong }), 400, 'SIGNATURE_INVALID');
    await refused('garbage signature', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', { ...release, signature: 'not-base64!' }), 400, 'SIGNATURE_INVALID');
  });

  await t.test('a signature by an unregistered key', async () => {
    const stranger = generatePublisherKeyPair();
    const release = await signedRelease(stranger, manifestFor('acme.reminders', '1.1.0'));
    await refused('unregistered key', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', release), 403, 'SIGNING_KEY_NOT_REGISTERED');
    // Another publisher's registered key does not count either.
    const theirs = await signedRelease(other.keys, manifestFor('acme.reminders', '1.1.0'));
    await refused('key of another publisher', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', theirs), 403, 'SIGNING_KEY_NOT_REGISTERED');
  });

  await t.test('a token of another publisher', async () => {
    const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0'));
    await refused('other token', 'acme.reminders', '1.1.0', await upload(reg.url, other.token, 'acme.reminders', '1.1.0', release), 403, 'PUBLISH_FORBIDDEN');
    await refused('no token', 'acme.reminders', '1.1.0', await upload(reg.url, undefined, 'acme.reminders', '1.1.0', release), 401, 'PUBLISHER_TOKEN_MISSING');
    await refused('unknown token', 'acme.reminders', '1.1.0', await upload(reg.url, 'dgr_nope', 'acme.reminders', '1.1.0', release), 401, 'PUBLISHER_TOKEN_INVALID');
  });

  await t.test('an oversize upload', async () => {
    const big = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0'), { bundle: Buffer.from(crypto.getRandomValues(new Uint8Array(60_000)).reduce((s, b) => s + b.toString(36), '')) });
    t.ok(big.tarball.length > 65536, 'the archive is over the limit');
    await refused('oversize', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', big), 413, 'UPLOAD_TOO_LARGE');
  });

  await t.test('uploads missing parts', async () => {
    const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0'));
    await refused('no tarball', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', { ...release, tarball: undefined }), 400, 'UPLOAD_INVALID');
    await refused('no signature', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', { ...release, signature: undefined }), 400, 'UPLOAD_INVALID');
    await refused('not gzip', 'acme.reminders', '1.1.0', await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', { ...release, tarball: Buffer.from('hello') }), 400, 'PACKAGE_INVALID');
    const json = await call(reg.url, 'PUT', 'v1/packages/acme.reminders/versions/1.1.0', acme.token, { tarball: 'x' });
    t.match(json, { status: 400, body: { code: 'UPLOAD_INVALID' } }, 'a JSON body is not an upload');
  });

  await t.test('after all refusals, a correct 1.1.0 still publishes', async (t) => {
    const release = await signedRelease(acme.keys, manifestFor('acme.reminders', '1.1.0'));
    const res = await upload(reg.url, acme.token, 'acme.reminders', '1.1.0', release);
    t.equal(res.status, 201);
    t.equal(res.body.integrity, release.integrity);
  });
});
