import type { Socket } from 'node:net';

/** A decoded frame: a parsed header and the raw payload bytes. */
export interface Frame<H> {
  readonly header: H;
  readonly payload: Buffer;
}

const EMPTY = Buffer.alloc(0);
/** A frame larger than this is a protocol error (the biggest legitimate one is a bundle). */
const MAX_FRAME = 256 * 1024 * 1024;

/**
 * Length-prefixed frames over a stream socket: `u32 length | u32 header length | header JSON | payload`.
 * Writes made in one tick are corked into one syscall, so a burst of calls costs one write; only the
 * small header is JSON-parsed, the payload stays a Buffer for the receiver to pass on.
 */
export class FrameChannel<In, Out> {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private corked = false;

  constructor(
    private readonly socket: Socket,
    private readonly onFrame: (frame: Frame<In>) => void,
    private readonly onError: (err: Error) => void,
  ) {
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('error', (err) => onError(err));
  }

  send(header: Out, payload?: string | Buffer): void {
    if (this.socket.destroyed) return;
    const head = Buffer.from(JSON.stringify(header));
    const body = payload === undefined ? EMPTY : typeof payload === 'string' ? Buffer.from(payload) : payload;
    const prefix = Buffer.allocUnsafe(8);
    prefix.writeUInt32BE(4 + head.length + body.length, 0);
    prefix.writeUInt32BE(head.length, 4);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      process.nextTick(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(prefix);
    this.socket.write(head);
    if (body.length > 0) this.socket.write(body);
  }

  private receive(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    while (this.pendingBytes >= 4) {
      const first = this.pending.length === 1 ? this.pending[0]! : this.flatten();
      const length = first.readUInt32BE(0);
      if (length > MAX_FRAME || length < 4) {
        this.onError(new Error(`frame of ${length} bytes refused`));
        this.socket.destroy();
        return;
      }
      if (this.pendingBytes < 4 + length) return;
      const buffer = this.pending.length === 1 ? first : this.flatten();
      const headLength = buffer.readUInt32BE(4);
      let header: In;
      try {
        header = JSON.parse(buffer.toString('utf8', 8, 8 + headLength)) as In;
      } catch (err) {
        this.onError(err as Error);
        this.socket.destroy();
        return;
      }
      const payload = buffer.subarray(8 + headLength, 4 + length);
      const rest = buffer.subarray(4 + length);
      this.pending = rest.length > 0 ? [rest] : [];
      this.pendingBytes = rest.length;
      this.onFrame({ header, payload });
    }
  }

  private flatten(): Buffer {
    const all = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [all];
    return all;
  }

  close(): void {
    this.socket.destroy();
  }
}
