import { readFileSync } from 'node:fs';

/** The kernel's version, which plugins' `kernel` ranges are checked against: @dogan/runtime's own. */
export const KERNEL_VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
