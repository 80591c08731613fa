/**
 * ZATCA Phase 1 QR payload for simplified tax invoices: five TLV fields (1-byte tag, 1-byte length
 * of the UTF-8 value in bytes, the value), concatenated and base64-encoded.
 * Tags: 1 seller name, 2 VAT registration number, 3 timestamp (ISO 8601), 4 total with VAT, 5 VAT.
 */
export interface ZatcaQrFields {
  readonly sellerName: string;
  readonly vatNumber: string;
  /** ISO 8601, e.g. `2024-03-11T10:00:00Z`. */
  readonly timestamp: string;
  /** Invoice total including VAT, as a decimal string (`343.85`). */
  readonly total: string;
  readonly vatTotal: string;
}

const ORDER: ReadonlyArray<keyof ZatcaQrFields> = ['sellerName', 'vatNumber', 'timestamp', 'total', 'vatTotal'];

export function encodeZatcaQr(fields: ZatcaQrFields): string {
  const parts: Buffer[] = [];
  ORDER.forEach((name, i) => {
    const value = Buffer.from(fields[name], 'utf8');
    // One length byte: a longer value cannot be encoded, and truncating would corrupt UTF-8.
    if (value.length > 255) throw new RangeError(`ZATCA QR field ${name} is ${value.length} bytes; at most 255`);
    parts.push(Buffer.from([i + 1, value.length]), value);
  });
  return Buffer.concat(parts).toString('base64');
}

export function decodeZatcaQr(base64: string): ZatcaQrFields {
  const bytes = Buffer.from(base64, 'base64');
  const out: Partial<Record<keyof ZatcaQrFields, string>> = {};
  let i = 0;
  while (i < bytes.length) {
    const tag = bytes[i]!;
    const length = bytes[i + 1];
    if (length === undefined || i + 2 + length > bytes.length) throw new RangeError('truncated ZATCA QR payload');
    const name = ORDER[tag - 1];
    if (name) out[name] = bytes.subarray(i + 2, i + 2 + length).toString('utf8');
    i += 2 + length;
  }
  for (const name of ORDER) if (out[name] === undefined) throw new RangeError(`ZATCA QR payload lacks ${name}`);
  return out as ZatcaQrFields;
}

/** `2024-03-11T10:00:00.123Z` → `2024-03-11T10:00:00Z`: the form the published vectors use. */
export function zatcaTimestamp(at: Date): string {
  return at.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
