import type { Socket } from 'node:net';

/** A decoded frame: a parsed header and the raw payload bytes. */
export interface Frame<H> {
  readonly header: H;
  readonly payload: Buffer;
}

/** A frame larger than this is a protocol error (the biggest legitimate one is a bundle). */
const MAX_FRAME = 256 * 1024 * 1024;

/**
 * Length-prefixed frames over a stream socket: `u32 length | u32 header length | header JSON | payload`.
 * Frames sent in one turn of the event loop are corked into one syscall, so a burst of calls costs one write; only the
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
    // One buffer per frame: one write instead of three, and no intermediate buffers.
    const head = JSON.stringify(header);
    const headBytes = Buffer.byteLength(head);
    const bodyBytes = payload === undefined ? 0 : typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
    const frame = Buffer.allocUnsafe(8 + headBytes + bodyBytes);
    frame.writeUInt32BE(4 + headBytes + bodyBytes, 0);
    frame.writeUInt32BE(headBytes, 4);
    frame.write(head, 8);
    if (typeof payload === 'string') frame.write(payload, 8 + headBytes);
    else if (payload !== undefined) payload.copy(frame, 8 + headBytes);
    if (!this.corked) {
      this.corked = true;
      this.socket.cork();
      // Uncork after the I/O callbacks of this loop turn, not after this tick: frames sent from
      // several callbacks (results of calls finishing together, requests parsed together) share a write.
      setImmediate(() => {
        this.corked = false;
        this.socket.uncork();
      });
    }
    this.socket.write(frame);
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
