#!/usr/bin/env node
import { describeConfig, isDoganError, KERNEL_VERSION, loadConfig, requiredPlugins, resolveConfiguredPlugins, resolvePlatformConfig, startServer, type AnyPluginDefinition as PluginDefinition, type CliCommand, type Config } from '@dogan/runtime';
import { firstPartyPlugins } from '../first-party.js';
import { buildPlatform } from '../index.js';
import { printStartBanner } from './start-banner.js';

const out = (line = '') => process.stdout.write(line + '\n');
const err = (line: string) => process.stderr.write(line + '\n');

/** The plugins `DOGAN_PLUGINS` selects, in load order, from this distribution's catalog. */
function configuredPlugins(config: Config): Promise<PluginDefinition[]> {
  return resolveConfiguredPlugins(config, undefined, firstPartyPlugins);
}

const builtins: Record<string, { summary: string; run(args: string[]): Promise<number> }> = {
  start: {
    summary: 'Start the platform (HTTP server) with the configured plugins; --demo ensures a demo tenant',
    async run(args) {
      // --demo is the quick start's switch: same as DOGAN_DEMO_TENANT=true unless that is set.
      if (args.includes('--demo')) process.env.DOGAN_DEMO_TENANT ??= 'true';
      const kernel = await buildPlatform();
      const server = await startServer(kernel, { exitProcess: true });
      printStartBanner(kernel, server.url, out);
      return new Promise<number>(() => undefined); // runs until a signal stops it
    },
  },
  plugins: {
    summary: 'List the plugins that would load, in load order, with versions and dependencies',
    async run() {
      const ordered = await configuredPlugins(loadConfig());
      out(`kernel ${KERNEL_VERSION}`);
      for (const p of ordered) {
        const deps = Object.entries(requiredPlugins(p, ordered)).map(([n, r]) => (r === '*' ? n : `${n}@${r}`)).join(', ');
        out(`${p.name.padEnd(20)} ${p.version.padEnd(10)} ${deps ? 'needs ' + deps : ''}`.trimEnd());
      }
      return 0;
    },
  },
  config: {
    summary: "Print the resolved configuration of the kernel and the loaded plugins, secrets masked",
    async run() {
      const platform = await resolvePlatformConfig({ catalog: firstPartyPlugins });
      const described = describeConfig(platform.values, platform.schema);
      for (const [name, value] of Object.entries(described)) out(`${name}=${value === undefined ? '' : String(value)}`);
      return 0;
    },
  },
};

function findPluginCommand(plugins: readonly PluginDefinition[], argv: readonly string[]): { command: CliCommand; plugin: PluginDefinition; rest: string[] } | undefined {
  for (const plugin of plugins) {
    for (const command of plugin.commands ?? []) {
      const words = command.name.split(' ');
      if (words.every((w, i) => argv[i] === w)) return { command, plugin, rest: argv.slice(words.length) };
    }
  }
  return undefined;
}

async function help(): Promise<number> {
  out('Usage: dogan <command> [options]\n');
  for (const [name, c] of Object.entries(builtins)) out(`  ${name.padEnd(22)} ${c.summary}`);
  const plugins = await configuredPlugins(loadConfig()).catch(() => [] as PluginDefinition[]);
  for (const p of plugins) for (const c of p.commands ?? []) out(`  ${c.name.padEnd(22)} ${c.summary}`);
  return 0;
}

/** Runs a plugin's command with the kernel initialised but not listening, then closes it. */
async function runPluginCommand(argv: string[]): Promise<number> {
  const config = loadConfig();
  const found = findPluginCommand(await configuredPlugins(config), argv);
  if (!found) {
    err(`Unknown command "${argv.join(' ')}". Run "dogan help" for the list.`);
    return 2;
  }
  const kernel = await buildPlatform({ config });
  try {
    const loaded = kernel.host.plugins.find((p) => p.definition.name === found.plugin.name)!;
    return await found.command.run(found.rest, loaded.context, loaded.instance);
  } finally {
    await kernel.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') return help();
  const builtin = builtins[name];
  return builtin ? builtin.run(rest) : runPluginCommand(argv);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (isDoganError(e)) err(`dogan: ${e.code}: ${e.message}`);
    // A mistyped option is the user's to fix: say which, without a stack trace.
    else if ((e as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS_')) err(`dogan: ${(e as Error).message}. Run "dogan help" for the options.`);
    else err(`dogan: ${(e as Error)?.stack ?? String(e)}`);
    process.exit(1);
  },
);
