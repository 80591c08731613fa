import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ArchiveErrors } from './archive-errors.js';
import { CHUNK_BYTES, type EncryptionParams } from './archive-format.js';
import { ByteQueue } from './byte-queue.js';

/** scrypt cost of new archives: 2^15 × r 8 = 32 MiB and about 0.1 s, per archive opened. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1 } as const;
const TAG_BYTES = 16;
const SEALED_BYTES = CHUNK_BYTES + TAG_BYTES;
const MAX_CHUNKS = 2 ** 32;

function deriveMaster(passphrase: string | Buffer, salt: Buffer, kdf: { N: number; r: number; p: number }): Promise<Buffer> {
  // NFC: the same words typed on another system must give the same bytes.
  const secret = typeof passphrase === 'string' ? Buffer.from(passphrase.normalize('NFC'), 'utf8') : passphrase;
  const options: ScryptOptions = { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r * kdf.p + 32 * 1024 * 1024 };
  return new Promise((resolve, reject) => scrypt(secret, salt, 32, options, (err, key) => (err ? reject(err) : resolve(key))));
}

function expand(master: Buffer, salt: Buffer) {
  return {
    key: Buffer.from(hkdfSync('sha256', master, salt, 'dogan-tenant-archive 2 body key', 32)),
    check: Buffer.from(hkdfSync('sha256', master, salt, 'dogan-tenant-archive 2 key check', 16)),
  };
}

/** Parameters (for the header) and key of a new encrypted archive. */
export async function newEncryption(passphrase: string | Buffer): Promise<{ params: EncryptionParams; key: Buffer }> {
  const salt = randomBytes(16);
  const { key, check } = expand(await deriveMaster(passphrase, salt, SCRYPT), salt);
  const params: EncryptionParams = {
    cipher: 'aes-256-gcm',
    chunkBytes: CHUNK_BYTES,
    noncePrefix: randomBytes(8).toString('hex'),
    kdf: { name: 'scrypt', ...SCRYPT, salt: salt.toString('base64') },
    keyCheck: check.toString('hex'),
  };
  return { params, key };
}

/** The body key of an archive, or ARCHIVE_PASSPHRASE_WRONG when the header's key check says no. */
export async function unlock(passphrase: string | Buffer, params: EncryptionParams, label: string): Promise<Buffer> {
  const salt = Buffer.from(params.kdf.salt, 'base64');
  const { key, check } = expand(await deriveMaster(passphrase, salt, params.kdf), salt);
  if (!timingSafeEqual(check, Buffer.from(params.keyCheck, 'hex'))) throw ArchiveErrors.ARCHIVE_PASSPHRASE_WRONG(label);
  return key;
}

/** Nonce and additional data of chunk `counter` (see archive-format.ts). */
function chunkInputs(params: EncryptionParams, headerDigest: Buffer, counter: number, last: boolean) {
  const nonce = Buffer.alloc(12);
  Buffer.from(params.noncePrefix, 'hex').copy(nonce, 0);
  nonce.writeUInt32BE(counter, 8);
  return { nonce, aad: Buffer.concat([headerDigest, Buffer.from([last ? 1 : 0])]) };
}

/** Cuts what passes into 64 KiB chunks and seals each; a chunk is known to be the last only at the end. */
export class SealChunks extends Transform {
  readonly #queue = new ByteQueue();
  #counter = 0;

  constructor(
    private readonly key: Buffer,
    private readonly params: EncryptionParams,
    private readonly headerDigest: Buffer,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.#queue.push(chunk);
    try {
      // Strictly more than a chunk: a full chunk with nothing after it may be the last one.
      while (this.#queue.length > CHUNK_BYTES) this.push(this.#seal(this.#queue.take(CHUNK_BYTES), false));
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    try {
      done(null, this.#seal(this.#queue.take(this.#queue.length), true));
    } catch (err) {
      done(err as Error);
    }
  }

  #seal(plain: Buffer, last: boolean): Buffer {
    if (this.#counter >= MAX_CHUNKS) throw ArchiveErrors.ARCHIVE_WRITER_MISUSE(`an encrypted archive holds at most ${MAX_CHUNKS} chunks`);
    const { nonce, aad } = chunkInputs(this.params, this.headerDigest, this.#counter++, last);
    const cipher = createCipheriv('aes-256-gcm', this.key, nonce);
    cipher.setAAD(aad);
    const sealed = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return sealed;
  }
}

function open(sealed: Buffer, key: Buffer, inputs: { nonce: Buffer; aad: Buffer }): Buffer | null {
  if (sealed.length < TAG_BYTES) return null;
  const decipher = createDecipheriv('aes-256-gcm', key, inputs.nonce);
  decipher.setAAD(inputs.aad);
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
  } catch {
    return null;
  }
}

/**
 * The plaintext of a sealed body, chunk by chunk, each released only once its tag verified. A last
 * chunk that opens only as "not last" means the file was cut at a chunk boundary: ARCHIVE_TRUNCATED.
 */
export async function* openChunks(body: AsyncIterable<Buffer>, key: Buffer, params: EncryptionParams, headerDigest: Buffer, label: string): AsyncGenerator<Buffer> {
  const queue = new ByteQueue();
  let counter = 0;
  const next = (sealed: Buffer, last: boolean) => {
    const plain = open(sealed, key, chunkInputs(params, headerDigest, counter, last));
    if (plain) {
      counter++;
      return plain;
    }
    if (last && sealed.length === SEALED_BYTES && open(sealed, key, chunkInputs(params, headerDigest, counter, false))) {
      throw ArchiveErrors.ARCHIVE_TRUNCATED(label, `after encrypted chunk ${counter}, where its next chunk begins`);
    }
    throw ArchiveErrors.ARCHIVE_TAMPERED(label, counter);
  };
  for await (const piece of body) {
    queue.push(piece);
    while (queue.length > SEALED_BYTES) yield next(queue.take(SEALED_BYTES), false);
  }
  // Chunks were released only with bytes after them: nothing left means nothing was there at all.
  if (queue.length === 0) throw ArchiveErrors.ARCHIVE_TRUNCATED(label, 'right after its header, before any encrypted data');
  yield next(queue.take(queue.length), true);
}
