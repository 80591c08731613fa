import t from 'tap';
import { KernelErrors } from '@dogan/runtime';
import { TenantErrors } from '@dogan/tenants';

t.test('tenant error codes: exported, screaming snake case, an error status, none shared with the kernel', async (t) => {
  const kernelCodes = new Set(Object.keys(KernelErrors));
  for (const [key, factory] of Object.entries(TenantErrors)) {
    t.equal(factory.code, key, `${key} is exported under its own code`);
    t.match(key, /^[A-Z][A-Z0-9_]+$/);
    t.ok(factory.spec.status >= 400 && factory.spec.status < 600, `${key} has an HTTP error status`);
    t.notOk(kernelCodes.has(key), `${key} does not shadow a kernel code`);
  }
});

t.test('refusals of what a person sent are 4xx; only failures on our side are 5xx', async (t) => {
  const serverSide = Object.entries(TenantErrors).filter(([, f]) => f.spec.status >= 500).map(([k]) => k).sort();
  t.same(serverSide, ['CONTROL_PLANE_MIGRATION_FAILED', 'CONTROL_PLANE_SCHEMA_PARTIAL', 'LEASE_UNAVAILABLE', 'SCHEDULED_JOB_DUPLICATE', 'SCHEDULE_INVALID', 'TENANT_MIGRATION_FAILED', 'TENANT_PROVISIONING_FAILED']);
  t.match(TenantErrors.TENANT_PROVISIONING_FAILED('acme', 'run-migrations', 'boom').message, 'failed at step "run-migrations": boom');
});
