import type { MessageParts } from '../../core/index.js';

/**
 * Message bytes on the wire. A message comes as one buffer or as parts (the
 * stored bytes with header edits of outbound transforms, core/header-block.ts):
 * either way nothing is copied here, only sliced.
 *
 * DATA (RFC 5321 §4.5.2): a line starting with "." gets one more "."; the message
 * must end in CRLF before the terminating ".CRLF". Stuffing after every LF (not
 * only CRLF) also neutralises a bare-LF "\n.\r\n" smuggling sequence
 * (CVE-2023-51764 family) should one ever reach us.
 *
 * BDAT (RFC 3030 §2): the bytes go as they are, in counted chunks.
 */

const DOT = Buffer.from('.');
const CRLF = Buffer.from('\r\n');
const END = Buffer.from('.\r\n');
const LF_DOT = Buffer.from('\n.');

export function asParts(message: Buffer | MessageParts): MessageParts {
  return Buffer.isBuffer(message) ? [message] : message;
}

/** The DATA payload as slices of the message (no copy): stuffed, CRLF-terminated, ".CRLF" last. */
export function dataPayload(message: Buffer | MessageParts): Buffer[] {
  const out: Buffer[] = [];
  // A line starts at the very beginning and after every LF, also across parts.
  let lineStart = true;
  let last2 = 0; // the last two bytes seen, for the final-CRLF check
  let total = 0;
  for (const part of asParts(message)) {
    if (part.length === 0) continue;
    if (lineStart && part[0] === 0x2e) out.push(DOT);
    let start = 0;
    // Jump from one "\n." to the next: most lines start with something else.
    for (let lf = part.indexOf(LF_DOT); lf !== -1; lf = part.indexOf(LF_DOT, lf + 1)) {
      out.push(part.subarray(start, lf + 1), DOT);
      start = lf + 1;
    }
    out.push(part.subarray(start));
    lineStart = part[part.length - 1] === 0x0a;
    last2 = part.length >= 2 ? ((part[part.length - 2] as number) << 8) | (part[part.length - 1] as number) : ((last2 & 0xff) << 8) | (part[0] as number);
    total += part.length;
  }
  if (total > 0 && last2 !== 0x0d0a) out.push(CRLF);
  out.push(END);
  return out.filter((b) => b.length > 0);
}

/**
 * `BDAT n [LAST]` commands with their chunks (each one or more slices), at
 * most `chunkSize` bytes each; an empty message is "BDAT 0 LAST".
 */
export function bdatChunks(message: Buffer | MessageParts, chunkSize: number): { command: string; chunk: Buffer[]; last: boolean }[] {
  const parts = asParts(message).filter((p) => p.length > 0);
  const out: { command: string; chunk: Buffer[]; last: boolean }[] = [];
  let chunk: Buffer[] = [];
  let size = 0;
  const flush = (last: boolean): void => {
    out.push({ command: `BDAT ${size}${last ? ' LAST' : ''}\r\n`, chunk, last });
    chunk = [];
    size = 0;
  };
  for (const [i, part] of parts.entries()) {
    let off = 0;
    while (off < part.length) {
      const take = Math.min(chunkSize - size, part.length - off);
      chunk.push(part.subarray(off, off + take));
      size += take;
      off += take;
      const end = i === parts.length - 1 && off === part.length;
      if (size === chunkSize || end) flush(end);
    }
  }
  if (out.length === 0 || !out[out.length - 1]?.last) flush(true);
  return out;
}
