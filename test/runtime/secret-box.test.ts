import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { createSecretBox } from '@dogan/runtime';

t.test('round trip, distinct ciphertexts, tamper detection, key kept private', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'dogan-box-'));
  const box = createSecretBox({ DOGAN_DATA_DIR: dir });
  const a = box.encrypt('sk_live_secret');
  const b = box.encrypt('sk_live_secret');
  t.not(a, b, 'a fresh IV each time');
  t.notMatch(a, /sk_live_secret/);
  t.ok(box.isEncrypted(a));
  t.notOk(box.isEncrypted('plain'));
  t.equal(box.decrypt(a), 'sk_live_secret');
  t.equal(createSecretBox({ DOGAN_DATA_DIR: dir }).decrypt(b), 'sk_live_secret', 'the generated key is reused');
  t.equal(statSync(join(dir, 'secret.key')).mode & 0o777, 0o600);
  // Flip one bit of the encrypted data. (Swapping a base64 character failed to tamper 1 time in 64:
  // when the character was already the replacement.)
  const [head, data] = [a.slice(0, a.lastIndexOf('.') + 1), Buffer.from(a.slice(a.lastIndexOf('.') + 1), 'base64url')];
  data[0] = data[0]! ^ 0x01;
  const tampered = head + data.toString('base64url');
  t.not(tampered, a);
  t.throws(() => box.decrypt(tampered), 'a changed ciphertext is refused');
  const other = createSecretBox({ DOGAN_DATA_DIR: mkdtempSync(join(tmpdir(), 'dogan-box-')) });
  t.throws(() => other.decrypt(a), 'another key cannot read it');
});
