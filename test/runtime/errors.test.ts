import t from 'tap';
import { KernelErrors } from '../../runtime/src/errors.js';
import { defineErrors, DoganError } from '../../runtime/src/errors/dogan-error.js';

t.test('every kernel error code is unique, screaming snake case, with a 4xx/5xx status', async (t) => {
  const codes = Object.values(KernelErrors).map((f) => f.code);
  t.equal(new Set(codes).size, codes.length);
  for (const f of Object.values(KernelErrors)) {
    t.match(f.code, /^[A-Z][A-Z0-9_]+$/, f.code);
    t.ok(f.spec.status >= 400 && f.spec.status < 600, `${f.code} has an HTTP error status`);
    t.equal(Object.keys(KernelErrors).find((k) => KernelErrors[k as keyof typeof KernelErrors] === f), f.code, 'exported under its own code');
  }
});

t.test('factories fill the message template in order and carry extensions', async (t) => {
  const E = defineErrors({ THING_BAD: { status: 422, title: 'Bad thing', message: 'Thing %s is bad because %s' } });
  const err = E.THING_BAD.with({ field: 'x' }, 'a', 'b');
  t.type(err, DoganError);
  t.equal(err.message, 'Thing a is bad because b');
  t.equal(err.statusCode, 422);
  t.same(err.extensions, { field: 'x' });
  t.ok(E.THING_BAD.is(err));
  t.notOk(KernelErrors.INTERNAL_ERROR.is(err));
});
