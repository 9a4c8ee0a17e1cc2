import * as packet from 'dns-packet';
import type { RecordType } from './types.js';

/**
 * DNS messages on the wire (RFC 1035 §4), encoded and decoded by dns-packet. This
 * file decides what we send (EDNS0 with DO) and which replies we believe.
 */

export type WireRecord = packet.Answer;

/** A reply that matched our query. */
export interface DnsMessage {
  /** RFC 1035 §4.1.1 RCODE name: NOERROR, NXDOMAIN, SERVFAIL, REFUSED ... */
  readonly rcode: string;
  /** TC: the answer did not fit; ask again over TCP (RFC 7766 §5). */
  readonly truncated: boolean;
  /** AD: the resolver validated the answer (RFC 4035 §3.2.3, RFC 6840 §5.8). */
  readonly authenticated: boolean;
  readonly answers: readonly WireRecord[];
  readonly authorities: readonly WireRecord[];
}

export interface Question {
  readonly id: number;
  /** Normalised: lower case, no trailing dot (see normalizeName). */
  readonly name: string;
  readonly type: RecordType;
}

/**
 * The largest UDP reply we invite (RFC 6891 §6.2.5): 1232 bytes is the DNS flag day
 * 2020 value, small enough to avoid IP fragmentation, the usual way to spoof replies.
 */
export const UDP_PAYLOAD_SIZE = 1232;

export function encodeQuery(q: Question): Buffer {
  return packet.encode({
    type: 'query',
    id: q.id,
    // RD: we talk to recursive resolvers. AD set in a query asks for the AD bit in
    // the reply (RFC 6840 §5.7), as DO does (RFC 3225 §3).
    flags: packet.RECURSION_DESIRED | packet.AUTHENTIC_DATA,
    questions: [{ type: q.type, name: q.name, class: 'IN' }],
    additionals: [
      // RFC 6891 §6.1: EDNS version 0; DO asks a validating resolver for DNSSEC (RFC 3225).
      { type: 'OPT', name: '.', udpPayloadSize: UDP_PAYLOAD_SIZE, extendedRcode: 0, ednsVersion: 0, flags: packet.DNSSEC_OK, flag_do: true, options: [] },
    ],
  });
}

/**
 * The reply, or undefined when `buf` is not a reply to `q`. RFC 5452 §9.1: accept
 * only a response with our id and our question (name compared without case, RFC
 * 4343), so a blind spoofer must guess the id and the port; anything else is
 * dropped and we keep waiting for the real answer.
 */
export function decodeReply(buf: Buffer, q: Question): DnsMessage | undefined {
  let msg: packet.DecodedPacket & { rcode?: string; opcode?: string };
  try {
    msg = packet.decode(buf);
  } catch {
    return undefined; // garbage is not an answer
  }
  if (!msg.flag_qr || msg.id !== q.id || msg.opcode !== 'QUERY') return undefined;
  const question = msg.questions?.[0];
  if (msg.questions?.length !== 1 || !question) return undefined;
  if (question.type !== q.type || (question.class ?? 'IN') !== 'IN') return undefined;
  if (normalizeName(question.name) !== q.name) return undefined;
  return {
    rcode: msg.rcode ?? 'UNKNOWN',
    truncated: msg.flag_tc,
    authenticated: msg.flag_ad,
    answers: msg.answers ?? [],
    authorities: msg.authorities ?? [],
  };
}

/** Lower case, no trailing dot; "." becomes "". */
export function normalizeName(name: string): string {
  const lower = name.trim().toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Why `name` (normalised) cannot be asked, or undefined when it can: RFC 1035 §2.3.4
 * sizes (labels 1-63 octets, names up to 253 characters written out), and ASCII
 * only, since internationalised names are looked up as A-labels (RFC 5890 §2.3.2.1).
 */
export function badName(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.length > 253) return 'name longer than 253 characters';
  if (!/^[\x21-\x7e]+$/.test(name) || name.includes('\\')) return 'name has characters outside printable ASCII';
  for (const label of name.split('.')) {
    if (label.length === 0 || label.length > 63) return 'empty label or label longer than 63 characters';
  }
  return undefined;
}
