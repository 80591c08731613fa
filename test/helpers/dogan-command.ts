/**
 * How tests run the `dogan` CLI: the compiled output users run (`npm start`, `npx dogan`), brought up to
 * date by tap's `before` step. A TypeScript loader is added only when the test loads a plugin of its own
 * written in TypeScript (`DOGAN_PLUGINS=./test/fixtures/x.ts`); the platform itself stays compiled.
 */
export const DOGAN_CLI = 'plugins/distribution/dist/cli/dogan.js';

export function doganNodeArgs(env: Readonly<Record<string, string | undefined>> = {}): string[] {
  const plugins = env.DOGAN_PLUGINS ?? process.env.DOGAN_PLUGINS ?? '';
  const needsLoader = plugins.split(',').some((p) => /\.(m|c)?ts$/.test(p.trim()));
  return ['--enable-source-maps', ...(needsLoader ? ['--import', 'tsx'] : []), DOGAN_CLI];
}
