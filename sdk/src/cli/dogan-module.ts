import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CliError, type CliContext } from './cli-context.js';
import { deprecateCommand, versionsCommand, whoamiCommand } from './commands/account.js';
import { buildCommand } from './commands/build.js';
import { initCommand } from './commands/init.js';
import { keysCommand } from './commands/keys.js';
import { packCommand } from './commands/pack.js';
import { publishCommand } from './commands/publish.js';
import { devCommand, testCommand } from './commands/sandbox-commands.js';

type Flags = Record<string, string | boolean | undefined>;
type Command = { summary: string; run(ctx: CliContext, positionals: string[], flags: Flags): Promise<void> };

const COMMANDS: Record<string, Command> = {
  init: { summary: 'init <publisher.name> [--dir <folder>] [--packages <dir>]   a new TypeScript module', run: (c, p, f) => initCommand(c, p, f as { dir?: string; packages?: string }) },
  build: { summary: 'build                                     bundle src/index.ts into dist/module.js', run: (c) => buildCommand(c) },
  test: { summary: 'test                                      build, then run test/*.test.ts in the sandbox', run: (c) => testCommand(c) },
  dev: { summary: 'dev [--port <n>]                          local platform with the module, rebuilt on change', run: (c, _p, f) => devCommand(c, f as { port?: string }) },
  pack: { summary: 'pack                                      a deterministic .tgz in dist/', run: (c) => packCommand(c) },
  keys: { summary: 'keys [--publisher <name>] [--register]    a new Ed25519 signing key pair', run: (c, _p, f) => keysCommand(c, f) },
  publish: { summary: 'publish [--tag <tag>] [--key <file>]      build, pack, sign and upload', run: (c, _p, f) => publishCommand(c, f) },
  whoami: { summary: 'whoami                                    the publisher your token belongs to', run: (c, _p, f) => whoamiCommand(c, f as { registry?: string }) },
  versions: { summary: 'versions [--id <publisher.name>]          published versions and tags', run: (c, _p, f) => versionsCommand(c, f as { id?: string }) },
  deprecate: { summary: 'deprecate <version> --message <text>      mark a version deprecated', run: (c, p, f) => deprecateCommand(c, p, f as { message?: string }) },
};

const OPTIONS = {
  dir: { type: 'string' },
  packages: { type: 'string' },
  publisher: { type: 'string' },
  register: { type: 'boolean' },
  registry: { type: 'string' },
  key: { type: 'string' },
  tag: { type: 'string' },
  id: { type: 'string' },
  message: { type: 'string' },
  port: { type: 'string' },
  'no-build': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function help(ctx: CliContext): void {
  ctx.out('usage: dogan-module <command> [options]\n');
  for (const c of Object.values(COMMANDS)) ctx.out(`  ${c.summary}`);
  ctx.out('\nenvironment: DOGAN_REGISTRY_URL (registry), DOGAN_REGISTRY_TOKEN (publisher token), DOGAN_HOME (keys folder, default ~/.dogan)');
}

/** Runs one CLI invocation and returns its exit code; never throws. */
export async function runDoganModuleCli(argv: string[], ctx: CliContext): Promise<number> {
  try {
    const { positionals, values } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
    const [name, ...rest] = positionals;
    if (!name || values.help || name === 'help') {
      help(ctx);
      return name || values.help ? 0 : 1;
    }
    const command = COMMANDS[name];
    if (!command) throw new CliError(`unknown command "${name}"; run "dogan-module help"`);
    await command.run(ctx, rest, values as Flags);
    return 0;
  } catch (err) {
    if (err instanceof CliError) {
      ctx.err(`error: ${err.message}`);
      return err.exitCode;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      ctx.err(`error: ${(err as Error).message}; run "dogan-module help"`);
      return 1;
    }
    ctx.err(`error: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

/** True when this file is the script node was started with (`node --import tsx src/cli/dogan-module.ts`), symlinks resolved. */
function isEntryScript(): boolean {
  if (!process.argv[1]) return false;
  try {
    return realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryScript()) {
  const code = await runDoganModuleCli(process.argv.slice(2), {
    cwd: process.cwd(),
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
  });
  process.exitCode = code;
}
