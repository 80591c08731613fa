import { CliError } from './cli-context.js';

interface Problem {
  code?: string;
  detail?: string;
  errors?: Array<{ field: string; message: string }>;
}

/** The publisher side of the registry HTTP API, as the CLI uses it. */
export class RegistryApi {
  private readonly base: string;

  constructor(
    baseUrl: string,
    private readonly token?: string,
  ) {
    this.base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  }

  private async call<T>(method: string, path: string, body?: FormData | object): Promise<T> {
    const headers: Record<string, string> = {};
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    let payload: FormData | string | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let res: Response;
    try {
      res = await fetch(new URL(path, this.base), { method, headers, body: payload });
    } catch (err) {
      throw new CliError(`cannot reach the registry at ${this.base}: ${(err as Error).cause ?? (err as Error).message}`);
    }
    const text = await res.text();
    const data = text ? (JSON.parse(text) as unknown) : undefined;
    if (!res.ok) {
      const p = (data ?? {}) as Problem;
      const fields = p.errors?.length ? `\n  ${p.errors.map((e) => `${e.field}: ${e.message}`).join('\n  ')}` : '';
      throw new CliError(`registry refused (${res.status} ${p.code ?? 'ERROR'}): ${p.detail ?? text}${fields}`);
    }
    return data as T;
  }

  whoami(): Promise<{ name: string; displayName: string; verified: boolean; keys: Array<{ keyId: string }> }> {
    return this.call('GET', 'v1/publishers/me');
  }

  registerKey(publicKeyPem: string): Promise<{ keyId: string }> {
    return this.call('POST', 'v1/publishers/me/keys', { publicKey: publicKeyPem });
  }

  publish(id: string, version: string, tarball: Buffer, signature: string, keyId: string, tag?: string): Promise<{ id: string; version: string; integrity: string }> {
    const form = new FormData();
    form.set('signature', signature);
    form.set('keyId', keyId);
    if (tag) form.set('tag', tag);
    form.set('tarball', new Blob([tarball], { type: 'application/gzip' }), `${id}-${version}.tgz`);
    return this.call('PUT', `v1/packages/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}`, form);
  }

  versions(id: string): Promise<{ versions: Array<{ version: string; publishedAt: string; deprecated: string | null; yanked: boolean }>; distTags: Record<string, string> }> {
    return this.call('GET', `v1/packages/${encodeURIComponent(id)}`);
  }

  deprecate(id: string, version: string, message: string): Promise<unknown> {
    return this.call('POST', `v1/packages/${encodeURIComponent(id)}/versions/${encodeURIComponent(version)}/deprecate`, { message });
  }
}
