import { createHash, sign, type KeyObject } from 'node:crypto';
import { fieldRanges, type FieldRange, type MessageParts } from '../core/index.js';
import { authorDomain } from './author-domain.js';
import type { DkimAlgorithm } from './dkim-key-store.js';
import { relaxedBodyHash } from './mailauth-body-hash.js';

/** A key ready to sign with (decrypted, in memory only). */
export interface SigningKey {
  /** d= */
  readonly domain: string;
  /** s= */
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  readonly privateKey: KeyObject;
}

export interface SignOptions {
  readonly now: number;
  /** Write t= (RFC 6376 §3.5). */
  readonly timestamp: boolean;
  /** Write x= this many ms after now. */
  readonly expiryMs?: number;
}

/**
 * The fields signed when present (RFC 6376 §5.4.1's list, with the list
 * fields of RFC 2369 and RFC 8058, which requires List-Unsubscribe-Post to
 * be signed). Trace fields (Received, Return-Path) change on the way and are
 * left out.
 */
const SIGNED = [
  'From', 'Sender', 'Reply-To', 'Subject', 'Date', 'Message-ID', 'To', 'Cc', 'MIME-Version', 'Content-Type',
  'Content-Transfer-Encoding', 'Content-ID', 'Content-Description', 'Resent-Date', 'Resent-From', 'Resent-Sender',
  'Resent-To', 'Resent-Cc', 'Resent-Message-ID', 'In-Reply-To', 'References', 'List-Id', 'List-Help',
  'List-Unsubscribe', 'List-Unsubscribe-Post', 'List-Subscribe', 'List-Post', 'List-Owner', 'List-Archive',
];
const SIGNED_BY_LOWER = new Map(SIGNED.map((n) => [n.toLowerCase(), n]));

/** A message split for signing: its header fields and its body as parts. */
export interface SplitMessage {
  /** The header block, CRLF CRLF included (or the whole message when there is no body). */
  readonly header: Buffer;
  readonly fields: readonly FieldRange[];
  readonly body: readonly Buffer[];
}

/**
 * Find the end of the header (the first empty line, RFC 5322 §2.1) across the
 * parts: only the header is copied, the body stays as slices of the parts.
 */
export function splitMessage(parts: MessageParts): SplitMessage {
  const head: Buffer[] = [];
  let headLength = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as Buffer;
    const rest = parts.slice(i + 1);
    // A message that starts with an empty line has no header fields at all.
    if (headLength === 0 && part[0] === 0x0d && part[1] === 0x0a) return { header: Buffer.alloc(0), fields: [], body: [part.subarray(2), ...rest] };
    const cut = headerCut(head, headLength, part);
    if (cut >= 0) {
      const header = Buffer.concat([...head, part.subarray(0, cut)]);
      return { header, fields: fieldRanges(header), body: [part.subarray(cut), ...rest] };
    }
    head.push(part);
    headLength += part.length;
  }
  const header = Buffer.concat(head);
  return { header, fields: fieldRanges(header), body: [] };
}

/** Where the header ends in `part` (just after the empty line), looking across from the parts before it; -1: not in it. */
function headerCut(head: readonly Buffer[], headLength: number, part: Buffer): number {
  if (headLength > 0) {
    // The empty line may straddle the previous part and this one.
    const tail = Buffer.concat(head).subarray(Math.max(0, headLength - 3));
    const across = Buffer.concat([tail, part.subarray(0, 3)]).indexOf('\r\n\r\n');
    if (across >= 0 && across < tail.length) return across + 4 - tail.length;
  }
  const at = part.indexOf('\r\n\r\n');
  return at < 0 ? -1 : at + 4;
}

/**
 * The author domain of a split message: exactly one From field (RFC 5322
 * §3.6 allows no other count), naming mailboxes of one domain. Mail without
 * one is not signed: there is no domain to sign for (RFC 6376 §5.1).
 */
export function messageAuthorDomain(m: SplitMessage): string | undefined {
  const from = m.fields.filter((f) => f.name === 'from');
  if (from.length !== 1) return undefined;
  const f = from[0] as FieldRange;
  return authorDomain(m.header.toString('latin1', f.valueStart, f.end).replace(/\r\n/g, ''));
}

/**
 * The DKIM-Signature fields (RFC 6376 §3.5, §5), one per key, each ending in
 * CRLF: relaxed/relaxed, SHA-256, the fields of SIGNED that are present, and
 * From once more than it occurs (oversigned: a From added on the way breaks
 * the signature, RFC 6376 §8.15). The body hash is made once for all keys.
 */
export async function signMessage(m: SplitMessage, keys: readonly SigningKey[], opts: SignOptions): Promise<string[]> {
  if (keys.length === 0) return [];
  // RFC 6376 §5.4.2: several instances are signed from the bottom up.
  const signed = m.fields.filter((f) => SIGNED_BY_LOWER.has(f.name)).reverse();
  const names = [...signed.map((f) => SIGNED_BY_LOWER.get(f.name) as string), 'From'];
  const canonicalFields = signed.map((f) => relaxedField(m.header.toString('latin1', f.start, f.end))).join('');
  const bh = relaxedBodyHash(m.body);
  const t = Math.floor(opts.now / 1000);
  return Promise.all(
    keys.map(async (key) => {
      const tags = [
        'v=1',
        `a=${key.algorithm === 'ed25519' ? 'ed25519' : 'rsa'}-sha256`,
        'c=relaxed/relaxed',
        `d=${key.domain}`,
        `s=${key.selector}`,
        ...(opts.timestamp ? [`t=${t}`] : []),
        ...(opts.expiryMs !== undefined ? [`x=${Math.floor((opts.now + opts.expiryMs) / 1000)}`] : []),
        `h=${names.join(':')}`,
        `bh=${bh}`,
      ];
      const unsigned = `DKIM-Signature: ${fold(tags)};\r\n b=`;
      // RFC 6376 §3.7: the signature field itself last, b= empty, without its final CRLF.
      const data = Buffer.from(canonicalFields + relaxedField(unsigned).slice(0, -2), 'latin1');
      const b = (await signBytes(key, data)).toString('base64');
      return `${unsigned}${b.replace(/(.{72})(?=.)/g, '$1\r\n ')}\r\n`;
    }),
  );
}

/**
 * RSA on the thread pool (about 0.3 ms of CPU a signature, which would stall
 * every session on the event loop); Ed25519 here, cheaper than the hop. Ed25519
 * signs the SHA-256 of the data, not the data (RFC 8463 §3).
 */
function signBytes(key: SigningKey, data: Buffer): Promise<Buffer> {
  if (key.algorithm === 'ed25519') return Promise.resolve(sign(null, createHash('sha256').update(data).digest(), key.privateKey));
  return new Promise((resolve, reject) => sign('sha256', data, key.privateKey, (err, sig) => (err ? reject(err) : resolve(sig))));
}

/**
 * Relaxed header canonicalization (RFC 6376 §3.4.2) of one field as latin1
 * (its raw bytes): name lower-cased, unfolded, runs of SP and HTAB made one SP,
 * none around the colon or at the end, then CRLF. Only SP and HTAB are white
 * space here: mailauth 4's own version also squeezes the byte 0xA0, which is
 * part of UTF-8 letters such as "à", and so breaks signatures of such fields.
 */
export function relaxedField(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).replace(/[ \t]+$/, '').toLowerCase();
  const value = field.slice(colon + 1).replace(/\r\n/g, '').replace(/[ \t]+/g, ' ').replace(/^ /, '').replace(/ $/, '');
  return `${name}:${value}\r\n`;
}

/** Tags joined by "; ", lines kept near 78 columns: folded before a tag, and inside the long h= list at its colons. */
function fold(tags: readonly string[]): string {
  let out = '';
  let line = 'DKIM-Signature: '.length;
  for (const [i, tag] of tags.entries()) {
    const sep = i === 0 ? '' : '; ';
    const words = tag.startsWith('h=') ? tag.split(/(?<=:)/) : [tag];
    for (const [j, word] of words.entries()) {
      const lead = j === 0 ? sep : '';
      if (line + lead.length + word.length > 76 && line > 1) {
        out += `${lead.trimEnd()}\r\n `;
        line = 1;
      } else {
        out += lead;
        line += lead.length;
      }
      out += word;
      line += word.length;
    }
  }
  return out;
}
