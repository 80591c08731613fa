import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { firstPartyPlugins } from '@dogan/distribution';
import { loadConfig, resolvePlatformConfig } from '@dogan/runtime';
import { registryConfigSchema } from '../../marketplace-registry/src/config.js';

const root = new URL('../../', import.meta.url);
// The kernel's variables and every first-party plugin's, merged as `dogan start` merges them.
const platform = await resolvePlatformConfig({ config: loadConfig({ envFile: false, env: {} }), catalog: firstPartyPlugins });
const known = new Set(Object.keys(platform.schema));

t.test('.env.example documents every config variable, and only those', async (t) => {
  const text = readFileSync(new URL('.env.example', root), 'utf8');
  const named = new Set([...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
  t.same([...known].filter((k) => !named.has(k)), [], 'no variable left undocumented');
  t.same([...named].filter((k) => !known.has(k)), [], 'no variable documented that the schema does not read');
});

t.test('docker-compose.yml sets only variables the config schema knows', async (t) => {
  const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
    services: Record<string, { environment?: Record<string, unknown>; image?: string }>;
  };
  t.ok(compose.services.postgres && compose.services.nats, 'PostgreSQL and NATS are in the stack');
  const registryKnown = new Set(Object.keys(registryConfigSchema));
  for (const [name, schema] of [['runtime-1', known], ['runtime-2', known], ['registry', registryKnown]] as const) {
    const env = compose.services[name]?.environment;
    t.ok(env, `${name} has an environment`);
    const unknown = Object.keys(env ?? {}).filter((k) => !schema.has(k));
    t.same(unknown, [], `${name} sets no unknown variable`);
  }
  t.equal(compose.services['runtime-1']?.environment?.DATABASE_URL, 'postgresql://postgres:postgres@postgres:5432/dogan', 'replicas share PostgreSQL');
});

t.test("README's configuration table and .env.example name only known variables, with the schema's defaults", async (t) => {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const start = readme.indexOf('## Configuration');
  const table = readme.slice(start, readme.indexOf('\n## ', start + 1));
  const rows = [...table.matchAll(/^\| `([A-Z][A-Z0-9_]+)` \| (?:`([^`]*)`|[^|]*) \|/gm)];
  t.ok(rows.length > 20, `${rows.length} variables in the README's table`);
  t.same(rows.map((r) => r[1]!).filter((name) => !known.has(name)), [], 'the README names no variable the schema does not read');
  const wrongReadme = rows.filter(([, name, shown]) => shown !== undefined && platform.schema[name!]?.defaultText !== undefined && platform.schema[name!]!.defaultText !== shown);
  t.same(wrongReadme.map(([, name, shown]) => `${name}: README ${shown}, schema ${platform.schema[name!]!.defaultText}`), [], "the README's defaults are the schema's");
  const example = readFileSync(new URL('.env.example', root), 'utf8');
  const set = [...example.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)];
  const wrongExample = set.filter(([, name, value]) => platform.schema[name!]?.defaultText !== undefined && platform.schema[name!]!.defaultText !== value);
  t.same(wrongExample.map(([, name, value]) => `${name}: .env.example ${value}, schema ${platform.schema[name!]!.defaultText}`), [], '.env.example sets each variable to its default');
});
