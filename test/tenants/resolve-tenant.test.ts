import t from 'tap';
import { hostWithoutPort, tenantFromHost, tenantFromPath, tenantReferences } from '../../tenants/src/http/resolve-tenant.js';
import { isTenantReference } from '../../tenants/src/tenant-service.js';

const BASE = 'dogan.test';

t.test('subdomain of the base domain', async (t) => {
  const cases: Array<[string | undefined, string | undefined]> = [
    ['acme.dogan.test', 'acme'],
    ['acme.dogan.test:3000', 'acme'],
    ['ACME.Dogan.Test', 'acme'],
    ['acme-2.dogan.test', 'acme-2'],
    ['dogan.test', undefined],
    ['dogan.test:3000', undefined],
    ['www.dogan.test', undefined],
    ['api.dogan.test', undefined],
    ['admin.dogan.test', undefined],
    ['a.b.dogan.test', undefined],
    ['acme.other.test', undefined],
    ['acmedogan.test', undefined],
    ['acme.dogan.test.evil.com', undefined],
    ['.dogan.test', undefined],
    ['[::1]:3000', undefined],
    ['127.0.0.1:3000', undefined],
    ['', undefined],
    [undefined, undefined],
  ];
  for (const [host, expected] of cases) t.equal(tenantFromHost(host, BASE), expected, `host ${JSON.stringify(host)}`);
  t.equal(tenantFromHost('acme.localhost:3000', 'localhost'), 'acme', 'the default base domain');
  t.equal(tenantFromHost('acme.dogan.test', 'Dogan.Test'), 'acme', 'base domain compared without case');
});

t.test('host without port', async (t) => {
  t.equal(hostWithoutPort('acme.dogan.test:8080'), 'acme.dogan.test');
  t.equal(hostWithoutPort('Acme.Dogan.Test'), 'acme.dogan.test');
  t.equal(hostWithoutPort('[::1]:3000'), '[::1]');
});

t.test('the /api/v1/{tenant}/... path', async (t) => {
  const cases: Array<[string, string | undefined]> = [
    ['/api/v1/acme/notes', 'acme'],
    ['/api/v1/acme', 'acme'],
    ['/api/v1/acme?x=1', 'acme'],
    ['/api/v1/acme#top', 'acme'],
    ['/api/v1/acme/notes/n1?x=/api/v1/beta', 'acme'],
    ['/api/v1/3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11/info', '3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11'],
    ['/api/v1/ac%6De/notes', 'acme'],
    ['/api/v1/%E0%A4%A/notes', '%E0%A4%A'],
    ['/api/v1/tenant/info', undefined],
    ['/api/v1/admin/anything', undefined],
    ['/api/v1/system/x', undefined],
    ['/api/v1/auth/login', undefined],
    ['/api/v1/registry/x', undefined],
    ['/api/v1/', undefined],
    ['/api/v1//notes', undefined],
    ['/api/v1', undefined],
    ['/api/v2/acme/notes', undefined],
    ['/api/admin/tenants/acme', undefined],
    ['/health', undefined],
    ['/x/api/v1/acme', undefined],
  ];
  for (const [url, expected] of cases) t.equal(tenantFromPath(url), expected, url);
});

t.test('every reference, in precedence order: subdomain, path, header', async (t) => {
  t.same(tenantReferences({ host: 'acme.dogan.test', url: '/api/v1/beta/notes', tenantHeader: 'gamma' }, BASE), [
    { value: 'acme', via: 'subdomain' },
    { value: 'beta', via: 'path' },
    { value: 'gamma', via: 'header' },
  ]);
  t.same(tenantReferences({ host: 'dogan.test', url: '/api/v1/beta/notes' }, BASE), [{ value: 'beta', via: 'path' }]);
  t.same(tenantReferences({ host: 'dogan.test', url: '/api/v1/tenant/info', tenantHeader: '  gamma  ' }, BASE), [{ value: 'gamma', via: 'header' }], 'header trimmed');
  t.same(tenantReferences({ url: '/api/v1/tenant/info', tenantHeader: ['first', 'second'] }, BASE), [{ value: 'first', via: 'header' }], 'a repeated header: the first');
  t.same(tenantReferences({ url: '/api/v1/tenant/info', tenantHeader: '   ' }, BASE), [], 'a blank header is no reference');
  t.same(tenantReferences({ url: '/api/v1/tenant/info', tenantHeader: '' }, BASE), []);
  t.same(tenantReferences({ host: 'www.dogan.test', url: '/health' }, BASE), [], 'platform hosts and paths name no tenant');
});

t.test('the shape of a reference: a UUID or a subdomain, nothing else', async (t) => {
  for (const ok of ['acme', 'acme-2', 'a1b', '3f2b8c1e-6d2a-4c1b-9a57-0f6f2f9e1a11', '3F2B8C1E-6D2A-4C1B-9A57-0F6F2F9E1A11']) t.ok(isTenantReference(ok), ok);
  for (const bad of ['', 'a', 'Acme', 'ac me', 'acme!', '../etc', 'acme.dogan.test', 'x'.repeat(64), '-acme', 'acme\n', "acme'--"]) {
    t.notOk(isTenantReference(bad), JSON.stringify(bad));
  }
});
