// The error table: every code is its own key, answers 400, and has a title in both catalogs.
import t from 'tap';
import { DoganError } from '@dogan/runtime';
import { KsaErrors } from '../../plugins/ksa/src/errors.js';
import { ar } from '../../plugins/ksa/src/messages/ar.js';
import { en } from '../../plugins/ksa/src/messages/en.js';

const codes = Object.keys(KsaErrors) as Array<keyof typeof KsaErrors>;

t.test('codes are unique, stable and 400', async (t) => {
  t.equal(new Set(codes).size, codes.length);
  for (const code of codes) {
    t.equal(KsaErrors[code].code, code);
    t.equal(KsaErrors[code].spec.status, 400, code);
    t.match(code, /^[A-Z][A-Z_]+$/);
  }
  for (const required of ['HIJRI_DATE_INVALID', 'GREGORIAN_DATE_INVALID', 'DATE_OUT_OF_RANGE', 'TIMEZONE_UNKNOWN', 'WORK_WEEK_EMPTY', 'LOCALE_UNSUPPORTED', 'BUSINESS_HOURS_INVALID']) {
    t.ok(codes.includes(required as keyof typeof KsaErrors), required);
  }
});

t.test('every code has an Arabic and an English title', async (t) => {
  for (const code of codes) {
    t.type((en as Record<string, unknown>)[`error.${code}`], 'string', `en error.${code}`);
    t.type((ar as Record<string, unknown>)[`error.${code}`], 'string', `ar error.${code}`);
  }
});

t.test('errors are DoganErrors with filled messages', async (t) => {
  const err = KsaErrors.TIMEZONE_UNKNOWN('Mars/Base');
  t.ok(err instanceof DoganError);
  t.equal(err.statusCode, 400);
  t.equal(err.message, 'Time zone "Mars/Base" is not known: use an IANA name such as Asia/Riyadh or Europe/London');
  t.ok(KsaErrors.TIMEZONE_UNKNOWN.is(err));
});
