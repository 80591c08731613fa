import { createHash } from 'node:crypto';

/** `sha512-<base64>`: the Subresource Integrity form npm uses for tarballs. */
export function sha512Integrity(data: Uint8Array): string {
  return `sha512-${createHash('sha512').update(data).digest('base64')}`;
}

/** True for a well-formed `sha512-<base64 of 64 bytes>` string. */
export function isSha512Integrity(value: unknown): value is string {
  return typeof value === 'string' && /^sha512-[A-Za-z0-9+/]{86}==$/.test(value);
}
