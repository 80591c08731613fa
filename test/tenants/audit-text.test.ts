import t from 'tap';
import { unchainedEntry } from '../../tenants/src/audit/audit-trail.js';
import { storableJson, storableText } from '@dogan/tenants';

/**
 * PostgreSQL refuses NUL and unpaired surrogates in text and jsonb, and an API key's name (or any
 * recorded value) may hold them: the entry is made storable before it is hashed, so recording the
 * request never fails (the fuzz suite found a 500 here) and the hash matches what comes back.
 */
t.test('texts are made storable on both engines before they are hashed', async (t) => {
  t.equal(storableText('a\ud800b\u0000c😀\udc00'), 'a\ufffdb\ufffdc😀\ufffd', 'lone surrogates and NUL become U+FFFD; pairs stay');
  const entry = unchainedEntry(
    { tenantId: null, actor: { kind: 'platform-admin', id: null }, action: 'tenants.api-keys.create', target: { type: 'api-keys', id: 'k\ud800' }, details: { name: 'key \udfff', ['x\u0000']: 1 } },
    new Date(0),
  );
  t.same(entry.details, { name: 'key \ufffd', 'x\ufffd': 1 });
  t.equal(entry.target?.id, 'k\ufffd');
  t.same(JSON.parse(storableJson({ a: 'x\ud800', b: '\\ud800 is text', c: '😀', d: 'n\u0000' })), { a: 'x\ufffd', b: '\\ud800 is text', c: '😀', d: 'n\ufffd' }, 'in JSON too (events, jsonb): an escaped backslash stays text');
});
