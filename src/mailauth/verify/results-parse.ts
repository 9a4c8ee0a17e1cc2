/**
 * Reading an Authentication-Results field back (RFC 8601 §2.2), for the API's
 * view of a received message: which checks ran and what they found. Lenient
 * like a reader should be: a part it cannot read is skipped, never thrown on.
 */

export interface AuthResult {
  /** "spf", "dkim", "dmarc", "iprev"... lower case. */
  readonly method: string;
  /** "pass", "fail", "softfail", "none", "temperror"... lower case. */
  readonly result: string;
  readonly reason?: string;
  /** The comment after the result, when there is one ("(domain of x designates ...)"). */
  readonly comment?: string;
  /** "smtp.mailfrom" → "a@example.org", "header.d" → "example.org"... */
  readonly properties: Readonly<Record<string, string>>;
}

export interface AuthResultsField {
  readonly authservId: string;
  readonly results: readonly AuthResult[];
}

interface Segment {
  text: string;
  comments: string[];
}

/** Split at ";" outside quoted-strings and comments; comments are taken out (RFC 5322 §3.2.2 CFWS). */
function segments(value: string): Segment[] {
  const out: Segment[] = [{ text: '', comments: [] }];
  let cur = out[0] as Segment;
  let depth = 0;
  let comment = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\' && (quoted || depth > 0)) {
      const next = value[i + 1] ?? '';
      if (depth > 0) comment += next;
      else cur.text += c + next;
      i++;
    } else if (depth > 0) {
      if (c === '(') depth++;
      else if (c === ')') depth--;
      if (depth > 0) comment += c;
      else {
        // Folding whitespace inside a comment reads as one space (RFC 5322 §3.2.2).
        cur.comments.push(comment.replace(/[ \t]+/g, ' ').trim());
        comment = '';
        cur.text += ' ';
      }
    } else if (quoted) {
      cur.text += c;
      if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      cur.text += c;
    } else if (c === '(') depth = 1;
    else if (c === ';') out.push((cur = { text: '', comments: [] }));
    else cur.text += c;
  }
  return out;
}

/** A quoted-string's content, its folding whitespace read as one space (RFC 5322 §3.2.4). */
const unquote = (v: string) => (v.startsWith('"') && v.endsWith('"') && v.length >= 2 ? v.slice(1, -1).replace(/[ \t]+/g, ' ').replace(/\\(.)/g, '$1') : v);

/** `name = value` pairs of one resinfo; a value is a quoted-string or a run without spaces. */
function pairs(text: string): [string, string][] {
  const out: [string, string][] = [];
  const re = /([A-Za-z0-9_\-/]+(?:\s*\.\s*[A-Za-z0-9_\-]+)?)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s"]+)/g;
  for (const m of text.matchAll(re)) out.push([(m[1] as string).replace(/\s+/g, ''), unquote(m[2] as string)]);
  return out;
}

/** One field's value (after "Authentication-Results:"), unfolded. */
export function parseAuthResults(value: string): AuthResultsField {
  const [head, ...rest] = segments(value);
  // authserv-id [CFWS authres-version]: the first word is the id.
  const authservId = (head?.text.trim().split(/\s+/)[0] ?? '').toLowerCase();
  const results: AuthResult[] = [];
  for (const seg of rest) {
    const [first, ...others] = pairs(seg.text);
    if (!first) continue; // "none" (RFC 8601 §2.2 no-result), or text we cannot read
    const [method, result] = first;
    let reason: string | undefined;
    const properties: Record<string, string> = {};
    for (const [k, v] of others) {
      if (k.toLowerCase() === 'reason') reason = v;
      else if (k.includes('.')) properties[k.toLowerCase()] = v;
    }
    const comment = seg.comments.find((c) => c !== '');
    results.push({
      method: method.split('/')[0]?.toLowerCase() ?? method,
      result: result.toLowerCase(),
      ...(reason !== undefined ? { reason } : {}),
      ...(comment !== undefined ? { comment } : {}),
      properties,
    });
  }
  return { authservId, results };
}
