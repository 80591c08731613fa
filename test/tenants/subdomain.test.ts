import t from 'tap';
import { RESERVED_SUBDOMAINS, slugFromName, validateSubdomain, validateTenantName } from '../../tenants/src/subdomain.js';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
};

t.test('subdomains a tenant may choose', async (t) => {
  for (const ok of ['acme', 'a1b', 'acme-trading', '123', 'x'.repeat(63), 'al-noor-2024']) t.equal(code(() => validateSubdomain(ok)), 'accepted', ok);
  const refused: Array<[string, string]> = [
    ['ab', 'SUBDOMAIN_INVALID'],
    ['', 'SUBDOMAIN_INVALID'],
    ['x'.repeat(64), 'SUBDOMAIN_INVALID'],
    ['Acme', 'SUBDOMAIN_INVALID'],
    ['-acme', 'SUBDOMAIN_INVALID'],
    ['acme-', 'SUBDOMAIN_INVALID'],
    ['ac--me', 'SUBDOMAIN_INVALID'],
    ['ac_me', 'SUBDOMAIN_INVALID'],
    ['ac.me', 'SUBDOMAIN_INVALID'],
    ['acme\n', 'SUBDOMAIN_INVALID'],
    ['3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11', 'SUBDOMAIN_INVALID'],
    ['www', 'SUBDOMAIN_RESERVED'],
    ['api', 'SUBDOMAIN_RESERVED'],
    ['admin', 'SUBDOMAIN_RESERVED'],
    ['registry', 'SUBDOMAIN_RESERVED'],
  ];
  for (const [value, expected] of refused) t.equal(code(() => validateSubdomain(value)), expected, JSON.stringify(value));
});

t.test('subdomains derived from names are always valid', async (t) => {
  const names = ['Acme Trading', 'شركة النور', 'Ünïcödé Café', 'A', '!!', 'www', 'API', '3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11', 'x'.repeat(100), 'a -- b', '١٢٣ شركة'];
  for (const name of names) {
    const slug = slugFromName(name);
    t.equal(code(() => validateSubdomain(slug)), 'accepted', `${JSON.stringify(name)} → ${slug}`);
  }
  t.equal(slugFromName('شركة النور'), 'shrka-alnwr');
  t.equal(slugFromName('Acme Trading'), 'acme-trading');
  t.notOk(RESERVED_SUBDOMAINS.has(slugFromName('www')));
});

t.test('tenant names', async (t) => {
  t.equal(validateTenantName('  Acme   Trading  '), 'Acme Trading', 'spaces collapsed');
  t.equal(validateTenantName('شركة النور'), 'شركة النور');
  t.equal(validateTenantName('می\u200cخواهم'), 'می\u200cخواهم', 'a zero-width non-joiner is part of Persian and Arabic script');
  for (const bad of ['', 'A', ' ', 'x'.repeat(101), 'a\u0000b', 'tab\there', 'new\nline', 'rtl\u202Eoverride', '...', 'zero\u200bwidth']) {
    t.equal(code(() => validateTenantName(bad)), 'TENANT_NAME_INVALID', JSON.stringify(bad));
  }
});
