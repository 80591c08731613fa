import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { describeConfigValues, loadRegistryConfig } from './config.js';
import { buildRegistryApp } from './registry-app.js';
import { buildStandaloneRegistry } from './standalone-server.js';

const USAGE = `usage: registry <command>
  start (the default)                     run the standalone registry (REGISTRY_* variables)
  publisher add <name> [--display-name X] create a publisher and print its token (shown once)
  publisher token <name>                  issue another token for a publisher (shown once)
  publisher verify <name> [--unverify]    set (or clear) the verified flag
  publisher add-key <name> <public.pem>   register a publisher's Ed25519 public key
  config                                  the resolved configuration, secrets masked`;

async function start(): Promise<void> {
  const config = loadRegistryConfig();
  const server = await buildStandaloneRegistry({ config });
  const url = await server.app.listen({ port: config.REGISTRY_PORT, host: config.REGISTRY_HOST });
  process.stdout.write(`registry listening on ${url} (OpenAPI at ${url}/docs/json)\n`);
  if (server.registry.admin.generatedToken) {
    process.stdout.write(`registry admin token (shown once, stored hashed): ${server.registry.admin.generatedToken}\n`);
  }
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      void server.close().then(() => process.exit(0));
    });
  }
}

/** Publisher administration straight on the database: for the operator at the registry's host. */
async function publisher(args: string[], flags: { 'display-name'?: string; unverify?: boolean }): Promise<void> {
  const [action, name, file] = args;
  if (!action || !name) throw new Error(USAGE);
  const registry = await buildRegistryApp();
  // The first command on a new data folder creates the admin token; it is shown now or never.
  if (registry.admin.generatedToken) process.stdout.write(`registry admin token (shown once, stored hashed): ${registry.admin.generatedToken}\n`);
  try {
    if (action === 'add') {
      const { token } = await registry.publishers.create(name, flags['display-name']);
      process.stdout.write(`publisher ${name} created\ntoken (shown once, stored hashed): ${token}\n`);
    } else if (action === 'token') {
      process.stdout.write(`token for ${name} (shown once, stored hashed): ${await registry.publishers.issueToken(name)}\n`);
    } else if (action === 'verify') {
      const view = await registry.publishers.setVerified(name, !flags.unverify);
      process.stdout.write(`publisher ${name} is ${view.verified ? 'verified' : 'not verified'}\n`);
    } else if (action === 'add-key' && file) {
      const { keyId } = await registry.publishers.addKey(name, readFileSync(file, 'utf8'));
      process.stdout.write(`registered ${keyId} for ${name}\n`);
    } else {
      throw new Error(USAGE);
    }
  } finally {
    await registry.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'display-name': { type: 'string' }, unverify: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  // `npm run registry` with no command starts it; `npm run registry -- publisher add x` administers it.
  if (!command || command === 'start') await start();
  else if (command === 'publisher') await publisher(rest, values);
  else if (command === 'config') process.stdout.write(`${JSON.stringify(describeConfigValues(loadRegistryConfig()), null, 2)}\n`);
  else throw new Error(`unknown command "${command}"\n${USAGE}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: Error & { code?: string }) => {
    process.stderr.write(`error: ${err.code ? `${err.code}: ` : ''}${err.message}\n`);
    process.exitCode = 1;
  },
);
