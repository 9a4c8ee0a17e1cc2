import { MAX_PACKET, Reply } from './protocol.js';

/**
 * Encoding of Baton's milter commands and decoding of the milter's replies
 * (protocol.ts has the format). The decoder is strict: a reply that is not
 * exactly what the protocol allows is an error, never a guess, since a
 * misread reply could accept a message the milter refused.
 */

export class MilterProtocolError extends Error {
  override readonly name = 'MilterProtocolError';
}

/** One packet: length, command letter, data. */
export function packet(cmd: string, ...parts: (Buffer | string)[]): Buffer {
  const data = Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
  const head = Buffer.alloc(5);
  head.writeUInt32BE(data.length + 1, 0);
  head.write(cmd, 4, 'latin1');
  return Buffer.concat([head, data]);
}

/** A NUL-terminated string (the protocol's only string form); NULs inside are not representable, so they are refused. */
export function cstr(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s, 'latin1') : s;
  if (b.includes(0)) throw new MilterProtocolError('a milter string cannot contain a NUL byte');
  return Buffer.concat([b, Buffer.from([0])]);
}

export function uint32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

export interface RawPacket {
  readonly cmd: string;
  readonly data: Buffer;
}

/** Cuts the byte stream from a milter into packets. */
export class PacketReader {
  private buffered: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns every packet now complete. Throws on a length no milter sends. */
  push(chunk: Buffer): RawPacket[] {
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
    const out: RawPacket[] = [];
    while (this.buffered.length >= 4) {
      const len = this.buffered.readUInt32BE(0);
      if (len < 1 || len > MAX_PACKET) throw new MilterProtocolError(`packet length ${len} is outside 1..${MAX_PACKET}`);
      if (this.buffered.length < 4 + len) break;
      out.push({ cmd: String.fromCharCode(this.buffered[4] as number), data: this.buffered.subarray(5, 4 + len) });
      this.buffered = this.buffered.subarray(4 + len);
    }
    return out;
  }
}

/** A milter's answer, decoded. */
export type MilterResponse =
  | { readonly kind: 'optneg'; readonly version: number; readonly actions: number; readonly protocol: number }
  | { readonly kind: 'continue' | 'accept' | 'reject' | 'tempfail' | 'discard' }
  | { readonly kind: 'progress' | 'skip' | 'shutdown' | 'connfail' }
  /** SMFIR_REPLYCODE: the milter's own SMTP reply, checked (RFC 5321 §4.2). */
  | { readonly kind: 'replycode'; readonly code: number; readonly status?: string; readonly lines: readonly string[] }
  | { readonly kind: 'addheader'; readonly name: string; readonly value: string }
  | { readonly kind: 'insheader' | 'chgheader'; readonly index: number; readonly name: string; readonly value: string }
  | { readonly kind: 'quarantine'; readonly reason: string }
  /** Modifications Baton never offers; a milter that sends one anyway is in error. */
  | { readonly kind: 'unoffered'; readonly cmd: string };

/** The NUL-terminated strings of `data`, exactly `count` of them and nothing after. */
function strings(data: Buffer, count: number, what: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const end = data.indexOf(0, at);
    if (end < 0) throw new MilterProtocolError(`${what}: string ${i + 1} of ${count} is not NUL-terminated`);
    out.push(data.toString('latin1', at, end));
    at = end + 1;
  }
  if (at !== data.length) throw new MilterProtocolError(`${what}: ${data.length - at} bytes after its strings`);
  return out;
}

function noData(data: Buffer, what: string): void {
  if (data.length !== 0) throw new MilterProtocolError(`${what} carries ${data.length} unexpected bytes`);
}

/** A header field name (RFC 5322 §2.2: printable ASCII but colon). */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function headerName(name: string, what: string): string {
  if (!FIELD_NAME.test(name)) throw new MilterProtocolError(`${what}: "${name.slice(0, 40)}" is not a header field name`);
  return name;
}

/** SMFIR_REPLYCODE text: "xyz[ x.y.z] text", lines joined by CRLF each starting "xyz-" but the last (RFC 5321 §4.2.1). */
const REPLY_LINE = /^([45]\d\d)([ -])(?:([45]\.\d{1,3}\.\d{1,3})(?: |$))?([\x20-\x7e\t]*)$/;

function replyCode(text: string): MilterResponse {
  const lines = text.split('\r\n');
  let code: number | undefined;
  let status: string | undefined;
  const texts: string[] = [];
  lines.forEach((line, i) => {
    const m = REPLY_LINE.exec(line);
    if (!m) throw new MilterProtocolError(`REPLYCODE line ${i + 1} is not an SMTP 4xx/5xx reply: "${line.slice(0, 60)}"`);
    const [, c, sep, st, t] = m as unknown as [string, string, string, string | undefined, string];
    if (code !== undefined && Number(c) !== code) throw new MilterProtocolError('REPLYCODE lines carry different codes');
    if ((sep === ' ') !== (i === lines.length - 1)) throw new MilterProtocolError('REPLYCODE: only its last line may have a space after the code');
    code = Number(c);
    if (st && st[0] !== c[0]) throw new MilterProtocolError(`REPLYCODE status ${st} does not match code ${c} (RFC 3463 §2)`);
    status ??= st;
    texts.push(t);
  });
  return { kind: 'replycode', code: code as number, ...(status ? { status } : {}), lines: texts };
}

/** Decodes one packet from a milter; throws MilterProtocolError on anything malformed. */
export function decodeResponse(p: RawPacket): MilterResponse {
  const { cmd, data } = p;
  switch (cmd) {
    case Reply.optneg: {
      // Version, actions, protocol; then, with SETSYMLIST, macro lists per stage (Baton sends its own set; ignored).
      if (data.length < 12) throw new MilterProtocolError(`OPTNEG reply is ${data.length} bytes, needs 12`);
      return { kind: 'optneg', version: data.readUInt32BE(0), actions: data.readUInt32BE(4), protocol: data.readUInt32BE(8) };
    }
    case Reply.continue:
    case Reply.accept:
    case Reply.reject:
    case Reply.tempfail:
    case Reply.discard:
    case Reply.progress:
    case Reply.skip:
    case Reply.shutdown:
    case Reply.connFail: {
      const kinds = { c: 'continue', a: 'accept', r: 'reject', t: 'tempfail', d: 'discard', p: 'progress', s: 'skip', '4': 'shutdown', f: 'connfail' } as const;
      const kind = kinds[cmd];
      noData(data, kind);
      return { kind };
    }
    case Reply.replyCode:
      return replyCode(strings(data, 1, 'REPLYCODE')[0] as string);
    case Reply.addHeader: {
      const [name, value] = strings(data, 2, 'ADDHEADER') as [string, string];
      return { kind: 'addheader', name: headerName(name, 'ADDHEADER'), value };
    }
    case Reply.insHeader:
    case Reply.chgHeader: {
      const kind = cmd === Reply.insHeader ? 'insheader' : 'chgheader';
      if (data.length < 4) throw new MilterProtocolError(`${kind} is too short for its index`);
      const [name, value] = strings(data.subarray(4), 2, kind) as [string, string];
      return { kind, index: data.readUInt32BE(0), name: headerName(name, kind), value };
    }
    case Reply.quarantine:
      return { kind: 'quarantine', reason: strings(data, 1, 'QUARANTINE')[0] as string };
    case Reply.addRcpt:
    case Reply.delRcpt:
    case Reply.addRcptPar:
    case Reply.replBody:
    case Reply.chgFrom:
    case Reply.setSymList:
      return { kind: 'unoffered', cmd };
    default:
      throw new MilterProtocolError(`unknown reply command 0x${cmd.charCodeAt(0).toString(16)}`);
  }
}
