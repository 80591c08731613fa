import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import t from 'tap';

/**
 * Plugins reach tables through one port and only their own: a table belongs to the package whose
 * migrations create it, and no other package names it in SQL (it asks the owner's service instead,
 * as the marketplace asks the modules plugin for a module's data). Plugins run SQL through the tenants
 * plugin's `data` port, never through an EntityManager's connection.
 */

const repoRoot = resolve(import.meta.dirname, '../..');
const packages = ['tenants', 'marketplace-registry', ...readdirSync(join(repoRoot, 'plugins')).map((d) => `plugins/${d}`)];

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (path: string) => {
    for (const entry of readdirSync(path)) {
      const full = join(path, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.ts')) out.push(full);
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}

const withoutComments = (source: string) => source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
const sources = packages.map((pkg) => ({ pkg, files: sourceFiles(join(repoRoot, pkg, 'src')).map((file) => ({ file, code: withoutComments(readFileSync(file, 'utf8')) })) }));

const owners = new Map<string, string>();
for (const { pkg, files } of sources) {
  for (const { code } of files) {
    for (const m of code.matchAll(/create\s+table\s+(?:if\s+not\s+exists\s+)?"?([a-z_][a-z0-9_]*)"?/gi)) owners.set(m[1]!.toLowerCase(), pkg);
  }
}

t.test("no package names another package's table in SQL", async (t) => {
  t.ok(owners.get('module_documents') === 'plugins/modules' && owners.get('billing_usage_counters') === 'plugins/billing', `${owners.size} tables and their owners read`);
  const trespasses: string[] = [];
  for (const { pkg, files } of sources) {
    for (const { file, code } of files) {
      for (const m of code.matchAll(/\b(?:from|into|update|join|table)\s+"?([a-z_][a-z0-9_]*)"?/gi)) {
        const owner = owners.get(m[1]!.toLowerCase());
        if (owner && owner !== pkg) trespasses.push(`${relative(repoRoot, file)}: "${m[0]}" is ${owner}'s table`);
      }
    }
  }
  t.same(trespasses, []);
});

t.test('plugins run SQL through the tenant-data port, not an EntityManager connection', async (t) => {
  const raw: string[] = [];
  for (const { pkg, files } of sources.filter((s) => s.pkg.startsWith('plugins/'))) {
    for (const { file, code } of files) {
      for (const m of code.matchAll(/\.execute\(|\.getConnection\(|\.getKnex\(|databases\.(?:em|orm)\(/g)) raw.push(`${relative(repoRoot, file)} (${pkg}): ${m[0]}`);
    }
  }
  t.same(raw, []);
});
