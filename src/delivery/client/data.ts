/**
 * Message bytes on the wire.
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

/** The DATA payload as slices of `message` (no copy): stuffed, CRLF-terminated, ".CRLF" last. */
export function dataPayload(message: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  if (message.length > 0 && message[0] === 0x2e) out.push(DOT);
  // Jump from one "\n." to the next: most lines start with something else.
  for (let lf = message.indexOf(LF_DOT); lf !== -1; lf = message.indexOf(LF_DOT, lf + 1)) {
    out.push(message.subarray(start, lf + 1), DOT);
    start = lf + 1;
  }
  out.push(message.subarray(start));
  const endsWithCrlf = message.length >= 2 && message[message.length - 2] === 0x0d && message[message.length - 1] === 0x0a;
  if (message.length > 0 && !endsWithCrlf) out.push(CRLF);
  out.push(END);
  return out.filter((b) => b.length > 0);
}

/** `BDAT n [LAST]` commands with their chunks, at most `chunkSize` bytes each; an empty message is "BDAT 0 LAST". */
export function bdatChunks(message: Buffer, chunkSize: number): { command: string; chunk: Buffer; last: boolean }[] {
  const out: { command: string; chunk: Buffer; last: boolean }[] = [];
  let off = 0;
  do {
    const chunk = message.subarray(off, Math.min(off + chunkSize, message.length));
    off += chunk.length;
    const last = off >= message.length;
    out.push({ command: `BDAT ${chunk.length}${last ? ' LAST' : ''}\r\n`, chunk, last });
  } while (off < message.length);
  return out;
}
