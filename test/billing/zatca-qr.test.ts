import { readFileSync } from 'node:fs';
import t from 'tap';
import { decodeZatcaQr, encodeZatcaQr, zatcaTimestamp } from '../../plugins/billing/src/index.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/vectors/zatca-qr-vectors.json', import.meta.url), 'utf8')) as {
  vectors: Array<{ base64: string; fields: { sellerName: string; vatNumber: string; timestamp: string; total: string; vatTotal: string } }>;
};

t.test('the three shared ZATCA QR vectors encode byte for byte and decode back', async (t) => {
  t.equal(vectors.vectors.length, 3);
  for (const v of vectors.vectors) {
    t.equal(encodeZatcaQr(v.fields), v.base64, `encode ${v.fields.sellerName}`);
    t.same(decodeZatcaQr(v.base64), v.fields, `decode ${v.fields.sellerName}`);
  }
});

t.test('lengths are UTF-8 bytes, not characters', async (t) => {
  const bytes = Buffer.from(encodeZatcaQr({ sellerName: 'سلة', vatNumber: '1', timestamp: 'x', total: '1', vatTotal: '0' }), 'base64');
  t.equal(bytes[1], 6, 'three Arabic letters are six bytes');
});

t.test('a value over 255 bytes is refused, never truncated', async (t) => {
  t.throws(() => encodeZatcaQr({ sellerName: 'ش'.repeat(200), vatNumber: '1', timestamp: 'x', total: '1', vatTotal: '0' }), RangeError);
});

t.test('timestamps without milliseconds, as the vectors have them', async (t) => {
  t.equal(zatcaTimestamp(new Date('2024-03-11T10:00:00.123Z')), '2024-03-11T10:00:00Z');
});
