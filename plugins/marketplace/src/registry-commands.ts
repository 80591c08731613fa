import { parseArgs } from 'node:util';
import type { CliCommand, PluginContext } from '@dogan/runtime';
import type { RegistryApp } from '@dogan/marketplace-registry';

const out = (line: string) => process.stdout.write(line + '\n');

/** The embedded registry, or a refusal that says where a remote registry's publishers are managed. */
function embeddedOf<I>(registryOf: (instance: I) => RegistryApp | undefined, ctx: PluginContext, instance: I): RegistryApp {
  const registry = registryOf(instance);
  if (!registry) {
    throw new Error(`DOGAN_REGISTRY_URL names a remote registry (${String((ctx.config as { DOGAN_REGISTRY_URL?: string }).DOGAN_REGISTRY_URL)}); manage its publishers there ("npm run registry -- publisher add <name>" on its host)`);
  }
  return registry;
}

/**
 * `dogan registry publisher add|token`: publisher accounts of the registry embedded in the platform
 * (the quick start's), straight on its database, for the operator at the platform's host. The token
 * is printed once and stored hashed; a module developer sets it as DOGAN_REGISTRY_TOKEN.
 */
export function registryCommands<I>(registryOf: (instance: I) => RegistryApp | undefined): CliCommand<I>[] {
  return [
    {
      name: 'registry publisher add',
      summary: 'Create a publisher in the embedded registry and print its token (shown once)',
      usage: 'dogan registry publisher add <name> [--display-name "Acme Ltd"]',
      async run(args, ctx, instance) {
        const { values, positionals } = parseArgs({ args: [...args], allowPositionals: true, options: { 'display-name': { type: 'string' } } });
        const name = positionals[0];
        if (!name) throw new Error('usage: dogan registry publisher add <name> [--display-name "Acme Ltd"]');
        const { token } = await embeddedOf(registryOf, ctx, instance).publishers.create(name, values['display-name']);
        out(`publisher ${name} created`);
        out(`token (shown once, stored hashed): ${token}`);
        return 0;
      },
    },
    {
      name: 'registry publisher token',
      summary: 'Issue another token for a publisher of the embedded registry (shown once)',
      usage: 'dogan registry publisher token <name>',
      async run(args, ctx, instance) {
        const name = args[0];
        if (!name) throw new Error('usage: dogan registry publisher token <name>');
        out(`token for ${name} (shown once, stored hashed): ${await embeddedOf(registryOf, ctx, instance).publishers.issueToken(name)}`);
        return 0;
      },
    },
  ];
}
