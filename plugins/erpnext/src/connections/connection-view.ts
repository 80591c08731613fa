import type { ConnectionView } from '../erpnext-api.js';
import type { ConnectionRecord } from '../store/connection-store.js';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** What the API shows of a connection: never the key or the secret, only the key's last four characters. */
export function connectionView(r: ConnectionRecord): ConnectionView {
  return {
    name: r.name,
    baseUrl: r.baseUrl,
    siteName: r.siteName,
    apiKeyHint: r.apiKeyHint,
    isDefault: r.isDefault,
    health: {
      status: r.healthStatus,
      checkedAt: iso(r.healthCheckedAt),
      user: r.healthUser,
      lastError: r.lastErrorCode ? { code: r.lastErrorCode, message: r.lastErrorMessage ?? '', at: iso(r.lastErrorAt)! } : null,
    },
    createdAt: new Date(r.createdAt).toISOString(),
    updatedAt: new Date(r.updatedAt).toISOString(),
  };
}

/** `…abcd`: enough for an admin to tell keys apart, too little to use. */
export function keyHint(apiKey: string): string {
  return `…${apiKey.slice(-4)}`;
}
