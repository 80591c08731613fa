import { gzipSync } from 'node:zlib';

/** A ustar header block written by hand, so a test can build entries no honest packer would. */
export function tarHeader(name: string, size: number, type: '0' | '1' | '2' | '3' | '4' | '5' | '6', linkname = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name.slice(0, 100), 0, 'utf8');
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(size.toString(8).padStart(11, '0') + '\0', 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148); // checksum field counts as spaces while summing
  block.write(type, 156);
  block.write(linkname.slice(0, 100), 157);
  block.write('ustar\0', 257);
  block.write('00', 263);
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return block;
}

function padded(content: Buffer): Buffer {
  const pad = (512 - (content.length % 512)) % 512;
  return Buffer.concat([content, Buffer.alloc(pad)]);
}

/** A gzipped tar of the given raw entries. */
export function rawTgz(entries: Array<{ name: string; type?: '0' | '1' | '2' | '3' | '4' | '5' | '6'; content?: Buffer; linkname?: string }>): Buffer {
  const blocks = entries.flatMap((e) => {
    const content = e.content ?? Buffer.alloc(0);
    return [tarHeader(e.name, content.length, e.type ?? '0', e.linkname), padded(content)];
  });
  return gzipSync(Buffer.concat([...blocks, Buffer.alloc(1024)]));
}

/**
 * A `.tgz` holding one file of `size` zero bytes, about 1 KB compressed per MiB. Built as concatenated
 * gzip members (valid gzip that every gunzip, ours included, reads as one stream), so a 1 GiB bomb
 * takes milliseconds to make instead of compressing 1 GiB in the test.
 */
export function zeroBomb(name: string, size: number): Buffer {
  const mib = 1024 * 1024;
  const zeroMember = gzipSync(Buffer.alloc(mib), { level: 9 });
  const members: Buffer[] = [gzipSync(tarHeader(name, size, '0'))];
  for (let left = size; left > 0; left -= mib) members.push(left >= mib ? zeroMember : gzipSync(Buffer.alloc(left)));
  members.push(gzipSync(Buffer.alloc(1024 + ((512 - (size % 512)) % 512))));
  return Buffer.concat(members);
}

/** `count` tiny files: a small archive with too many entries. */
export function manyFiles(count: number): Buffer {
  return rawTgz(Array.from({ length: count }, (_, i) => ({ name: `package/f${i}.txt`, content: Buffer.from('x') })));
}
