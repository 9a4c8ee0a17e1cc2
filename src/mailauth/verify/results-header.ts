/**
 * The Authentication-Results header field (RFC 8601): our authserv-id, then one
 * "method=result (comment) ptype.property=value" row per check.
 */

/** RFC 8601 §2.2 / RFC 5322 §3.2.2: a comment with its parentheses and backslashes quoted. */
export function comment(text: string): string {
  return `(${oneLine(text).replace(/[\\()]/g, '\\$&')})`;
}

/**
 * A property value (RFC 8601 §2.2 pvalue): an address or a token as it is,
 * anything else as a quoted-string (RFC 2045 value). SMTP identities are the
 * client's words, so they are quoted rather than trusted to be clean.
 */
export function propertyValue(value: string): string {
  const v = oneLine(value);
  if (/^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.@[\]:]+$/.test(v)) return v;
  return `"${v.replace(/["\\]/g, '\\$&')}"`;
}

/** One row: `method=result (comment) key=value ...`. */
export function resultRow(method: string, result: string, why: string | undefined, props: Readonly<Record<string, string>>): string {
  const parts = [`${method}=${result}`];
  if (why) parts.push(comment(why));
  for (const [key, value] of Object.entries(props)) parts.push(`${key}=${propertyValue(value)}`);
  return parts.join(' ');
}

/** The whole field, CRLF-terminated: each row on its own line, long rows folded at spaces (RFC 5322 §2.2.3). */
export function authResultsField(authservId: string, rows: readonly string[]): string {
  const body = rows.length === 0 ? ['none'] : rows.map(oneLine);
  return `Authentication-Results: ${authservId};\r\n ${body.map((r) => fold(r)).join(';\r\n ')}\r\n`;
}

/**
 * Matches the value of an Authentication-Results field that claims `authservId`
 * (before any comment and the optional version). RFC 8601 §5: a border MTA
 * removes those it did not add itself, or anyone could forge our verdicts.
 */
export function claimsAuthservId(authservId: string): RegExp {
  const id = authservId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^[ \\t]*(?:\\((?:[^()\\\\]|\\\\.)*\\)[ \\t]*)*${id}(?=[ \\t;(]|$)`, 'i');
}

/** Text from mailauth or a client never carries a line break into our header. */
function oneLine(s: string): string {
  return s.replace(/[\r\n\t]+/g, ' ');
}

/** RFC 5322 §2.1.1: lines SHOULD stay within 78 characters; break at spaces after ~72. */
function fold(row: string, width = 72): string {
  if (row.length <= width) return row;
  const words = row.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const w of words) {
    if (line !== '' && line.length + 1 + w.length > width) {
      lines.push(line);
      line = w;
    } else line = line === '' ? w : `${line} ${w}`;
  }
  lines.push(line);
  return lines.join('\r\n\t');
}
