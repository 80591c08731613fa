import { parseArgs } from 'node:util';
import type { CliCommand } from '@dogan/runtime';
import type { TenantService } from '../tenant-service.js';
import { TENANT_ID_PATTERN } from '../tenant-id.js';
import type { AuditTrail } from './audit-trail.js';
import type { ChainVerification } from './verify-chain.js';

const USAGE = 'dogan audit verify [--tenant <tenant id or subdomain> | --all]';

/** The chain's tenant: a tenant's by reference, or a purged tenant's by its id (its trail outlives it). */
async function tenantIdOf(tenants: TenantService, ref: string): Promise<string> {
  const found = await tenants.find(ref);
  if (found) return found.id;
  if (TENANT_ID_PATTERN.test(ref)) return ref.toLowerCase();
  return (await tenants.get(ref)).id;
}

function line(name: string, result: ChainVerification): string {
  if (result.ok) return `${name}: ok, ${result.entries} entries`;
  return `${name}: BROKEN at entry ${result.firstBadSeq} (${result.reason}): ${result.detail}; ${result.entries} entries verified before it`;
}

/**
 * `dogan audit verify`: recomputes the platform's chain, a tenant's (`--tenant`), or every chain
 * (`--all`); prints one line per chain and exits 1 when any is broken.
 */
export async function runAuditVerify(args: readonly string[], deps: { tenants: TenantService; audit: AuditTrail }, out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args: [...args], options: { tenant: { type: 'string' }, all: { type: 'boolean' } } });
  if (values.tenant !== undefined && values.all) throw new Error(`usage: ${USAGE}`);
  const chains = values.all ? await deps.audit.chains() : [values.tenant === undefined ? null : await tenantIdOf(deps.tenants, values.tenant)];
  let broken = 0;
  for (const tenantId of chains) {
    const result = await deps.audit.verify(tenantId);
    if (!result.ok) broken++;
    out(line(tenantId === null ? 'platform' : `tenant ${tenantId}`, result));
  }
  return broken > 0 ? 1 : 0;
}

export function auditVerifyCommand<I extends { tenants: TenantService; audit: AuditTrail }>(): CliCommand<I> {
  return {
    name: 'audit verify',
    summary: "Recompute the audit trail's hash chain (the platform's, a tenant's or all) and report the first bad entry",
    usage: USAGE,
    run: (args, _ctx, api) => runAuditVerify(args, api, (text) => process.stdout.write(text + '\n')),
  };
}
