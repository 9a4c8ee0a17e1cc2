/**
 * Small MIME helpers for the DSN builder: RFC 5322 dates, header folding, the
 * header/body split of a stored message and line-length safety.
 */

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** RFC 5322 §3.3 date-time in UTC with a numeric zone ("GMT" is obsolete syntax). */
export function formatDate(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, '0');
  return (
    `${DAYS[d.getUTCDay()]}, ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`
  );
}

/** Remove what cannot appear inside a header field body (CR, LF, other controls). */
export function headerSafe(text: string): string {
  return text.replace(/[\x00-\x1f\x7f]+/g, ' ').trim();
}

/** Replace non-ASCII characters where only US-ASCII may appear (RFC 3464 §2.1.1 fields). */
export function asciiOnly(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * One header field, folded at white space before 78 characters where possible
 * (RFC 5322 §2.2.3), and hard-split before 998 octets when a word is longer
 * (§2.1.1 limit). Returned with a trailing CRLF.
 */
export function foldField(name: string, value: string): string {
  const words = value.split(' ');
  const lines: string[] = [];
  let line = `${name}:`;
  let empty = true; // never fold right after the field name
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > 78) {
      lines.push(line);
      line = ' ' + word;
    } else {
      line = `${line} ${word}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.flatMap((l) => hardSplit(l, 900, ' ')).join('\r\n') + '\r\n';
}

/** Split a line into pieces of at most `max` characters, continuation pieces prefixed. */
export function hardSplit(line: string, max: number, prefix: string): string[] {
  if (line.length <= max) return [line];
  const out = [line.slice(0, max)];
  for (let i = max; i < line.length; i += max - prefix.length) out.push(prefix + line.slice(i, i + max - prefix.length));
  return out;
}

/** Wrap prose at `width`, indenting every line with `indent`. */
export function wrap(text: string, width: number, indent = ''): string[] {
  const out: string[] = [];
  let line = indent;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line.length > indent.length && line.length + 1 + word.length > width) {
      out.push(line);
      line = indent + word;
    } else {
      line = line.length > indent.length ? `${line} ${word}` : indent + word;
    }
  }
  if (line.length > indent.length) out.push(line);
  return out.flatMap((l) => hardSplit(l, 900, indent));
}

export interface SplitMessage {
  /** The header section including its final CRLF, without the empty line. */
  readonly headers: Buffer;
  readonly body: Buffer;
}

/** Split a stored message (CRLF line endings) at the first empty line. */
export function splitMessage(message: Buffer): SplitMessage {
  if (message.subarray(0, 2).toString('latin1') === '\r\n') return { headers: Buffer.alloc(0), body: message.subarray(2) };
  const at = message.indexOf('\r\n\r\n');
  if (at < 0) return { headers: withFinalCrlf(message), body: Buffer.alloc(0) };
  return { headers: message.subarray(0, at + 2), body: message.subarray(at + 4) };
}

function withFinalCrlf(b: Buffer): Buffer {
  return b.length === 0 || b.subarray(-2).toString('latin1') === '\r\n' ? b : Buffer.concat([b, Buffer.from('\r\n')]);
}

/**
 * Make text safe to embed: every line ends in CRLF (bare CR or LF become CRLF)
 * and no line is longer than 998 octets (RFC 5322 §2.1.1).
 */
export function normaliseLines(b: Buffer): { readonly data: Buffer; readonly longLines: boolean } {
  const text = b.toString('latin1').replace(/\r\n|\r|\n/g, '\r\n');
  const lines = text.split('\r\n');
  const longLines = lines.some((l) => l.length > 998);
  return { data: Buffer.from(text, 'latin1'), longLines };
}

/** True when any octet is outside US-ASCII (needs 8BITMIME or SMTPUTF8). */
export function has8bit(b: Buffer): boolean {
  for (const byte of b) if (byte > 0x7f) return true;
  return false;
}

/** Value of the first header field `name` in a header section, unfolded. */
export function headerValue(headers: Buffer, name: string): string | undefined {
  const re = new RegExp(`^${name}:[ \\t]*((?:[^\\r\\n]*(?:\\r\\n[ \\t][^\\r\\n]*)*))`, 'im');
  const m = re.exec(headers.toString('latin1'));
  return m?.[1]?.replace(/\r\n[ \t]/g, ' ').trim();
}

/**
 * Cut a header section to at most `max` octets at a field boundary, so a huge
 * header section cannot defeat the size cap on returned content.
 */
export function capHeaders(headers: Buffer, max: number): Buffer {
  if (headers.length <= max) return headers;
  const text = headers.toString('latin1');
  let end = 0;
  const re = /\r\n(?![ \t])/g;
  for (let m = re.exec(text); m && m.index + 2 <= max; m = re.exec(text)) end = m.index + 2;
  return headers.subarray(0, end);
}
