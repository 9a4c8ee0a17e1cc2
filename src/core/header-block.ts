/**
 * The header block of a stored message (RFC 5322 §2.1: header fields, an empty
 * line, then the body), read and edited as bytes. Edits never copy the body:
 * `applyHeaderEdits` returns the new message as slices of the old one.
 */

/** Header field changes from one transform (intake or outbound, DESIGN §9). */
export interface HeaderEdits {
  /** Complete fields, each ending in CRLF (folded lines included), put above the existing header block in this order. */
  readonly prepend?: readonly string[];
  /** Names of fields whose every occurrence is removed (case-insensitive). With `prepend`, a replace. */
  readonly remove?: readonly string[];
  /**
   * Fields removed only when their value matches (tested unfolded, as latin1):
   * e.g. Authentication-Results that claim our own authserv-id (RFC 8601 §5).
   */
  readonly removeWhere?: readonly { readonly name: string; readonly value: RegExp }[];
}

/** A message as consecutive byte ranges: sent or stored as their concatenation. */
export type MessageParts = readonly Buffer[];

/** Byte offset where the body starts (after the blank line), or the message length if none. */
export function headerEnd(message: Buffer): number {
  if (message.length >= 2 && message[0] === 0x0d && message[1] === 0x0a) return 0;
  const i = message.indexOf('\r\n\r\n');
  return i < 0 ? message.length : i + 2;
}

function headerText(message: Buffer): string {
  return message.toString('latin1', 0, headerEnd(message));
}

const compiled = new Map<string, RegExp>();

/**
 * RFC 5322 §1.2.2: field names are case-insensitive; the obsolete "Name :"
 * form (§4.5) counts too. Compiled once per name and flags (a hot path: every
 * message is asked about Received).
 */
function fieldStart(name: string, flags: string): RegExp {
  const key = `${flags}:${name}`;
  let re = compiled.get(key);
  if (!re) {
    re = new RegExp(`(?:^|\\r\\n)${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}[ \\t]*:`, flags);
    compiled.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Does the header block have this field? */
export function hasHeader(message: Buffer, name: string): boolean {
  return fieldStart(name, 'i').test(headerText(message));
}

/** How many times the field occurs in the header block (e.g. Received, for RFC 5321 §6.3 loop detection). */
export function countHeader(message: Buffer, name: string): number {
  return headerText(message).match(fieldStart(name, 'gi'))?.length ?? 0;
}

/**
 * The message with the edits applied, in order: every field named in a
 * `remove` is cut out (with its folded continuation lines, RFC 5322 §2.2.3),
 * and the `prepend` fields go on top, the first transform's first. The body
 * and the kept fields are slices of `message`, not copies.
 */
export function applyHeaderEdits(message: Buffer, edits: readonly HeaderEdits[]): Buffer[] {
  let prefix = '';
  const removed = new Set<string>();
  const where: { name: string; value: RegExp }[] = [];
  for (const e of edits) {
    if (e.prepend) prefix += e.prepend.join('');
    for (const name of e.remove ?? []) removed.add(name.toLowerCase());
    for (const w of e.removeWhere ?? []) where.push({ name: w.name.toLowerCase(), value: w.value });
  }
  const parts: Buffer[] = prefix === '' ? [] : [Buffer.from(prefix, 'utf8')];
  if (removed.size === 0 && where.length === 0) {
    parts.push(message);
    return parts;
  }
  const goes = (f: FieldRange): boolean =>
    removed.has(f.name) || where.some((w) => w.name === f.name && w.value.test(unfoldedValue(message, f)));
  let kept = 0;
  for (const field of fieldRanges(message)) {
    if (!goes(field)) continue;
    if (field.start > kept) parts.push(message.subarray(kept, field.start));
    kept = field.end;
  }
  parts.push(message.subarray(kept));
  return parts;
}

export interface FieldRange {
  /** Lower case. */
  readonly name: string;
  readonly start: number;
  /** Just after the colon. */
  readonly valueStart: number;
  /** Just after the field's last CRLF. */
  readonly end: number;
}

/** A field's value as one line: folding undone (RFC 5322 §2.2.3), the final CRLF dropped. */
export function unfoldedValue(message: Buffer, f: FieldRange): string {
  return message.toString('latin1', f.valueStart, f.end).replace(/\r\n(?=[ \t])/g, '').replace(/\r\n$/, '');
}

/** Each header field's lower-cased name and byte range, continuation lines included. */
export function fieldRanges(message: Buffer): FieldRange[] {
  const end = headerEnd(message);
  const out: FieldRange[] = [];
  let pos = 0;
  while (pos < end) {
    const lineEnd = message.indexOf('\r\n', pos);
    let next = lineEnd < 0 || lineEnd + 2 > end ? end : lineEnd + 2;
    // A line starting with white space continues the field above (folding).
    while (next < end && (message[next] === 0x20 || message[next] === 0x09)) {
      const more = message.indexOf('\r\n', next);
      next = more < 0 || more >= end ? end : more + 2;
    }
    const colon = message.indexOf(':', pos);
    const hasName = colon > pos && colon < next;
    const name = hasName ? message.toString('latin1', pos, colon).trimEnd().toLowerCase() : '';
    out.push({ name, start: pos, valueStart: hasName ? colon + 1 : pos, end: Math.min(next, end) });
    pos = next;
  }
  return out;
}

/** Total length of a message given as parts. */
export function partsLength(parts: MessageParts): number {
  let n = 0;
  for (const p of parts) n += p.length;
  return n;
}
