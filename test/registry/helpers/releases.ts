import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generatePublisherKeyPair, sha512Integrity, signRelease, type ModuleManifest, type PublisherKeyPair } from '@dogan/module-manifest';
import { buildPackageArchive } from '@dogan/sdk';

/** A valid manifest for `id@version`; `overrides` replace top-level fields. */
export function manifestFor(id: string, version: string, overrides: Record<string, unknown> = {}): ModuleManifest {
  return {
    id,
    version,
    engine: '^0.1.0',
    name: { en: 'Invoice reminders', ar: 'تذكير الفواتير' },
    description: { en: 'Reminds customers of unpaid invoices.', ar: 'يذكّر العملاء بالفواتير غير المدفوعة.' },
    category: 'accounting',
    pricing: { model: 'free' },
    permissions: [{ name: 'data', kind: 'storage', required: true, description: { en: 'Keep reminders', ar: 'حفظ التذكيرات' } }],
    collections: [{ name: 'reminders', schema: { type: 'object', properties: { at: { type: 'string' } } }, indexes: [{ fields: ['at'] }] }],
    routes: [{ method: 'GET', path: '/reminders', handler: 'list' }],
    events: [],
    jobs: [],
    agentTools: [],
    dependencies: {},
    ...overrides,
  } as ModuleManifest;
}

export interface SignedRelease {
  readonly manifest: ModuleManifest;
  readonly tarball: Buffer;
  readonly integrity: string;
  readonly signature: string;
  readonly keyId: string;
}

/** A packed, signed release built in memory (the same code path the CLI uses). */
export async function signedRelease(
  keys: PublisherKeyPair,
  manifest: ModuleManifest | Record<string, unknown>,
  options: { bundle?: Buffer } = {},
): Promise<SignedRelease> {
  const { archive } = await buildPackageArchive({
    manifest: manifest as ModuleManifest,
    bundle: options.bundle ?? Buffer.from('export default { routes: { list: async () => ({ body: [] }) } };\n'),
    readme: Buffer.from('# Invoice reminders\n'),
  });
  const integrity = sha512Integrity(archive);
  const signature = signRelease(privateKeyOf(keys), integrity, manifest);
  return { manifest: manifest as ModuleManifest, tarball: archive, integrity, signature, keyId: keys.keyId };
}

export function privateKeyOf(keys: PublisherKeyPair): KeyObject {
  return createPrivateKey(keys.privateKeyPem);
}

export { generatePublisherKeyPair };

/** Uploads through the HTTP API exactly as the CLI does. */
export async function upload(
  base: string,
  token: string | undefined,
  id: string,
  version: string,
  parts: { tarball?: Buffer; signature?: string; keyId?: string; tag?: string },
): Promise<{ status: number; body: Record<string, unknown> }> {
  const form = new FormData();
  if (parts.signature !== undefined) form.set('signature', parts.signature);
  if (parts.keyId !== undefined) form.set('keyId', parts.keyId);
  if (parts.tag !== undefined) form.set('tag', parts.tag);
  if (parts.tarball) form.set('tarball', new Blob([parts.tarball]), 'module.tgz');
  const res = await fetch(new URL(`v1/packages/${id}/versions/${version}`, base), {
    method: 'PUT',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** JSON call helper for the registry API. */
export async function call(base: string, method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(new URL(path, base), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
