import { homedir } from 'node:os';
import { join } from 'node:path';

/** What every command receives; tests pass their own streams and environment. */
export interface CliContext {
  readonly cwd: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** A refusal the user can act on: printed without a stack, with its exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The registry to talk to: `--registry`, else DOGAN_REGISTRY_URL, else a local standalone registry. */
export function registryUrl(ctx: CliContext, flag: string | undefined): string {
  return flag ?? ctx.env.DOGAN_REGISTRY_URL ?? 'http://127.0.0.1:4873';
}

/** The publisher token comes from the environment only, so it is never written to a file by us. */
export function registryToken(ctx: CliContext): string {
  const token = ctx.env.DOGAN_REGISTRY_TOKEN;
  if (!token) throw new CliError('set DOGAN_REGISTRY_TOKEN to your publisher token (the registry admin gives it to you once)');
  return token;
}

/** Where `keys` writes and `publish` reads a publisher's key pair: `$DOGAN_HOME/keys/<publisher>.key|.pub`. */
export function keyBase(ctx: CliContext, publisher: string): string {
  return join(ctx.env.DOGAN_HOME ?? join(homedir(), '.dogan'), 'keys', publisher);
}

/** Wall-clock milliseconds since `start`, for progress lines. */
export function since(start: number): string {
  return `${Math.round(performance.now() - start)} ms`;
}

export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KB`;
}
