import { parseArgs } from 'node:util';
import type { CliCommand } from '@dogan/runtime';
import type { TenantsApi } from '@dogan/tenants';
import type { MarketplaceApi } from './index.js';

const out = (line: string) => process.stdout.write(line + '\n');

/** `dogan tenant modules`, `dogan tenant module install|uninstall`. */
export function marketplaceCommands<I>(apiOf: (instance: I) => MarketplaceApi, tenantsOf: (instance: I) => TenantsApi): CliCommand<I>[] {
  return [
    {
      name: 'tenant modules',
      summary: "A tenant's modules: installed version, status, grants",
      usage: 'dogan tenant modules <tenant>',
      async run(args, _ctx, instance) {
        if (!args[0]) throw new Error('usage: dogan tenant modules <tenant>');
        const tenant = await tenantsOf(instance).tenants.get(args[0]);
        const records = await apiOf(instance).installs.list(tenant.id);
        for (const r of records) out(`${r.moduleId.padEnd(32)} ${r.version.padEnd(12)} ${r.status.padEnd(12)} ${r.grants.join(',')}`);
        out(`${records.length} module(s)`);
        return 0;
      },
    },
    {
      name: 'tenant module install',
      summary: 'Install a module for a tenant, granting the named permissions',
      usage: 'dogan tenant module install <tenant> <module id> [--version 1.2.0] [--grant name,name]',
      async run(args, _ctx, instance) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { version: { type: 'string' }, grant: { type: 'string' } } });
        const [ref, moduleId] = positionals;
        if (!ref || !moduleId) throw new Error('usage: dogan tenant module install <tenant> <module id> [--version v] [--grant a,b]');
        const tenant = await tenantsOf(instance).tenants.get(ref);
        const r = await apiOf(instance).installs.install(tenant, moduleId, { version: values.version, grants: values.grant ? values.grant.split(',') : [] });
        out(`installed ${r.moduleId}@${r.version} for ${tenant.subdomain}`);
        return 0;
      },
    },
    {
      name: 'tenant module uninstall',
      summary: 'Uninstall a module (data kept for the retention period unless --purge)',
      usage: 'dogan tenant module uninstall <tenant> <module id> [--purge]',
      async run(args, _ctx, instance) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { purge: { type: 'boolean' } } });
        const [ref, moduleId] = positionals;
        if (!ref || !moduleId) throw new Error('usage: dogan tenant module uninstall <tenant> <module id> [--purge]');
        const tenant = await tenantsOf(instance).tenants.get(ref);
        await apiOf(instance).installs.uninstall(tenant, moduleId, { purge: Boolean(values.purge) });
        out(`uninstalled ${moduleId} from ${tenant.subdomain}${values.purge ? ' (data purged)' : ''}`);
        return 0;
      },
    },
  ];
}
