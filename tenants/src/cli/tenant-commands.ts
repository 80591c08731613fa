import { parseArgs } from 'node:util';
import type { CliCommand } from '@dogan/runtime';
import { archiveInfoCommand } from '../archive/archive-info-command.js';
import { auditVerifyCommand } from '../audit/audit-cli.js';
import type { TenantsApi } from '../index.js';
import { exportTenant, importTenant, readArchive, writeArchive } from '../tenant-archive.js';
import type { LifecycleAction } from '../lifecycle.js';
import { progressBar } from './progress.js';

const out = (line: string) => process.stdout.write(line + '\n');
const ACTOR = 'cli';
/** The CLI as an audit actor. */
const CLI_ACTOR = { kind: 'system', id: 'cli' } as const;

function row(t: { id: string; subdomain: string; status: string; plan: string; name: string }): string {
  return `${t.id}  ${t.subdomain.padEnd(24)} ${t.status.padEnd(17)} ${t.plan.padEnd(13)} ${t.name}`;
}

/** The `dogan tenant ...`, `dogan migrate` and `dogan audit verify` commands; each runs on the tenants plugin's instance. */
export function tenantCommands(): CliCommand<TenantsApi>[] {
  const lifecycle = (name: string, action: LifecycleAction, summary: string): CliCommand<TenantsApi> => ({
    name: `tenant ${name}`,
    summary,
    usage: `dogan tenant ${name} <tenant id or subdomain>`,
    async run(args, _ctx, api) {
      if (!args[0]) throw new Error(`usage: dogan tenant ${name} <tenant>`);
      const t = await api.tenants.transition(args[0], action, ACTOR);
      out(row(t));
      return 0;
    },
  });
  return [
    {
      name: 'tenant create',
      summary: 'Create and provision a tenant',
      usage: 'dogan tenant create --name "Acme" [--subdomain acme] [--plan starter] [--server name] [--timezone Asia/Riyadh] [--locale ar|en] [--country SA]',
      async run(args, _ctx, api) {
        const { values } = parseArgs({
          args: [...args],
          options: { name: { type: 'string' }, subdomain: { type: 'string' }, plan: { type: 'string' }, server: { type: 'string' }, timezone: { type: 'string' }, locale: { type: 'string' }, country: { type: 'string' } },
        });
        if (!values.name) throw new Error('usage: dogan tenant create --name "Acme" [--subdomain acme] [--plan starter] [--server name] [--timezone Asia/Riyadh] [--locale ar|en] [--country SA]');
        const t = await api.tenants.create(
          { name: values.name, subdomain: values.subdomain, plan: values.plan, databaseServer: values.server, timezone: values.timezone, locale: values.locale, country: values.country },
          ACTOR,
        );
        out(row(t));
        return 0;
      },
    },
    {
      name: 'tenant list',
      summary: 'List tenants',
      usage: 'dogan tenant list [--status trial] [--plan starter]',
      async run(args, _ctx, api) {
        const { values } = parseArgs({ args: [...args], options: { status: { type: 'string' }, plan: { type: 'string' } } });
        const { items, total } = await api.tenants.list({ status: values.status as never, plan: values.plan, limit: 10_000, offset: 0 });
        for (const t of items) out(row(t));
        out(`${total} tenant(s)`);
        return 0;
      },
    },
    lifecycle('suspend', 'suspend', 'Suspend a tenant'),
    lifecycle('activate', 'activate', 'Activate a tenant'),
    lifecycle('restore', 'restore', 'Restore a tenant scheduled for deletion'),
    {
      name: 'tenant delete',
      summary: 'Schedule a tenant for deletion (--purge: delete now)',
      usage: 'dogan tenant delete <tenant> [--purge]',
      async run(args, _ctx, api) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { purge: { type: 'boolean' } } });
        if (!positionals[0]) throw new Error('usage: dogan tenant delete <tenant> [--purge]');
        if (values.purge) {
          await api.tenants.purge(positionals[0], ACTOR);
          out(`purged ${positionals[0]}`);
        } else {
          const scheduled = await api.tenants.scheduleDeletion(positionals[0], ACTOR);
          out(scheduled ? row(scheduled) : `rolled back the interrupted provisioning of ${positionals[0]}`);
        }
        return 0;
      },
    },
    {
      name: 'tenant api-key',
      summary: "Create an API key for a tenant (printed once)",
      usage: 'dogan tenant api-key <tenant> [--name cli] [--scopes read,write,admin]',
      async run(args, _ctx, api) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { name: { type: 'string' }, scopes: { type: 'string' } } });
        if (!positionals[0]) throw new Error('usage: dogan tenant api-key <tenant>');
        const tenant = await api.tenants.get(positionals[0]);
        const { key, record } = await api.keys.create(tenant.id, { name: values.name ?? 'cli', scopes: (values.scopes ?? 'read,write').split(',') });
        const details = { tenantId: tenant.id, name: record.name, prefix: record.prefix, scopes: record.scopes };
        await api.audit.record({ tenantId: tenant.id, actor: CLI_ACTOR, action: 'api-keys.create', target: { type: 'api-keys', id: record.id }, details });
        out(key);
        return 0;
      },
    },
    {
      name: 'tenant export',
      summary: 'Write a portable archive of a tenant (record and every table)',
      usage: 'dogan tenant export <tenant> --out file.dogan.gz',
      async run(args, _ctx, api) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { out: { type: 'string' } } });
        if (!positionals[0] || !values.out) throw new Error('usage: dogan tenant export <tenant> --out file');
        const archive = await exportTenant(api.tenants, positionals[0]);
        writeArchive(archive, values.out);
        const rows = Object.values(archive.tables).reduce((n, t) => n + t.rows.length, 0);
        out(`exported ${positionals[0]}: ${Object.keys(archive.tables).length} table(s), ${rows} row(s) → ${values.out}`);
        return 0;
      },
    },
    {
      name: 'tenant import',
      summary: 'Recreate a tenant from an archive (also across SQLite and PostgreSQL)',
      usage: 'dogan tenant import <file>',
      async run(args, _ctx, api) {
        if (!args[0]) throw new Error('usage: dogan tenant import <file>');
        const t = await importTenant(api.tenants, readArchive(args[0]), ACTOR);
        out(row(t));
        return 0;
      },
    },
    {
      name: 'tenant archive-info',
      summary: 'Describe a tenant archive and verify every checksum (format 2; format 1 described too)',
      usage: 'dogan tenant archive-info <file> [--passphrase-file f]',
      async run(args) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { 'passphrase-file': { type: 'string' } } });
        if (!positionals[0]) throw new Error('usage: dogan tenant archive-info <file> [--passphrase-file f]');
        return archiveInfoCommand({ file: positionals[0], passphraseFile: values['passphrase-file'] }, out);
      },
    },
    {
      name: 'migrate',
      summary: 'Run pending tenant migrations over every tenant',
      usage: 'dogan migrate [--concurrency 4]',
      async run(args, _ctx, api) {
        const { values } = parseArgs({ args: [...args], options: { concurrency: { type: 'string', default: '4' } } });
        const bar = progressBar(process.stderr, 'migrating tenants');
        const report = await api.tenants.migrateAll({ concurrency: Math.max(1, Number(values.concurrency) || 4), onProgress: (done, total) => bar.update(done, total) });
        bar.done();
        const applied = report.migrated.reduce((n, m) => n + m.applied.length, 0);
        out(`${report.total} tenant(s): ${report.migrated.length} up to date (${applied} migration(s) applied), ${report.failed.length} failed`);
        for (const f of report.failed) out(`FAILED ${f.subdomain} (${f.tenantId}): ${f.error}`);
        if (report.failed.length > 0) out('Fix the cause and run dogan migrate again: it resumes where each tenant stopped.');
        return report.failed.length > 0 ? 1 : 0;
      },
    },
    auditVerifyCommand<TenantsApi>(),
  ];
}
