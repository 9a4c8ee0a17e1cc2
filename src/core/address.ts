import { isIP } from 'node:net';

/**
 * Mailbox addresses as they appear in SMTP paths (RFC 5321 §4.1.2), with the
 * SMTPUTF8 extension (RFC 6531 §3.3). Parsing is strict: anything we would not
 * be able to route unambiguously is a syntax error, which is the first line of
 * defence against open-relay tricks (DESIGN §3, relay-access).
 */

export interface Mailbox {
  /** Local part exactly as given (case preserved: RFC 5321 §2.4 local parts may be case-sensitive). */
  readonly local: string;
  /** Domain in lower case, without a trailing dot; an address literal keeps its brackets. */
  readonly domain: string;
}

export type AddressProblem =
  | 'syntax'
  | 'source-route'
  | 'non-ascii'
  | 'too-long';

export type ParsedPath =
  | { readonly ok: true; readonly mailbox: Mailbox | null; readonly rest: string }
  | { readonly ok: false; readonly problem: AddressProblem };

// RFC 5321 §4.1.2: atext for Dot-string; we also allow UTF-8 when SMTPUTF8 is on.
const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;
const ATEXT_UTF8 = /^(?:[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]|[^\x00-\x7f])+$/;
const LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const LABEL_UTF8 = /^(?!-)(?:[A-Za-z0-9-]|[^\x00-\x7f]){1,63}(?<!-)$/;

/** RFC 5321 §4.5.3.1: local part 64 octets, domain 255, path 256. */
const MAX_LOCAL = 64;
const MAX_DOMAIN = 255;
const MAX_PATH = 256;

export function formatMailbox(m: Mailbox | null): string {
  return m === null ? '' : `${m.local}@${m.domain}`;
}

export function isAsciiMailbox(m: Mailbox): boolean {
  return /^[\x00-\x7f]*$/.test(m.local + m.domain);
}

function validDomain(domain: string, utf8: boolean): boolean {
  if (domain.startsWith('[')) return validAddressLiteral(domain);
  const labels = domain.split('.');
  if (labels.length < 1) return false;
  const re = utf8 ? LABEL_UTF8 : LABEL;
  return labels.every((l) => re.test(l));
}

function validAddressLiteral(lit: string): boolean {
  // RFC 5321 §4.1.3: [1.2.3.4] or [IPv6:...]
  const inner = lit.slice(1, -1);
  if (!lit.endsWith(']')) return false;
  if (/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(inner)) {
    return inner.split('.').every((o) => Number(o) <= 255);
  }
  return /^IPv6:/i.test(inner) && isIP(inner.slice(5)) === 6;
}

function validLocal(local: string, utf8: boolean): boolean {
  if (local.startsWith('"')) {
    // Quoted-string (RFC 5321 §4.1.2): qtextSMTP or quoted-pairSMTP.
    if (local.length < 2 || !local.endsWith('"')) return false;
    const inner = local.slice(1, -1);
    return /^(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\[\x20-\x7e]|[^\x00-\x7f])*$/.test(inner) && (utf8 || /^[\x00-\x7f]*$/.test(inner));
  }
  const atoms = local.split('.');
  const re = utf8 ? ATEXT_UTF8 : ATEXT;
  return atoms.every((a) => re.test(a));
}

/**
 * Parse a reverse-path or forward-path that starts at the beginning of `text`
 * ("<user@example.com> SIZE=100"). Returns the mailbox (null for "<>") and the
 * rest of the line (the ESMTP parameters).
 */
export function parsePath(text: string, opts: { utf8: boolean; allowNull: boolean }): ParsedPath {
  if (!text.startsWith('<')) return { ok: false, problem: 'syntax' };
  const end = findPathEnd(text);
  if (end < 0) return { ok: false, problem: 'syntax' };
  const inner = text.slice(1, end);
  const rest = text.slice(end + 1);
  if (rest !== '' && !rest.startsWith(' ')) return { ok: false, problem: 'syntax' };
  if (Buffer.byteLength(inner) + 2 > MAX_PATH) return { ok: false, problem: 'too-long' };
  if (inner === '') {
    return opts.allowNull ? { ok: true, mailbox: null, rest: rest.trimStart() } : { ok: false, problem: 'syntax' };
  }
  // RFC 5321 §4.1.2 permits an A-d-l source route ("@a,@b:user@c"); we MUST
  // ignore it per §C, but accepting it invites relay tricks, so we refuse it.
  if (inner.startsWith('@')) return { ok: false, problem: 'source-route' };
  if (!opts.utf8 && /[^\x00-\x7f]/.test(inner)) return { ok: false, problem: 'non-ascii' };
  const at = inner.lastIndexOf('@');
  if (at <= 0) return { ok: false, problem: 'syntax' };
  const local = inner.slice(0, at);
  let domain = inner.slice(at + 1);
  if (Buffer.byteLength(local) > MAX_LOCAL || Buffer.byteLength(domain) > MAX_DOMAIN) {
    return { ok: false, problem: 'too-long' };
  }
  // Trailing dot ("user@example.com.") is a relay trick; it is not valid syntax in
  // SMTP (Domain = sub-domain *("." sub-domain)), so refuse rather than normalise.
  if (!validLocal(local, opts.utf8) || !validDomain(domain, opts.utf8)) return { ok: false, problem: 'syntax' };
  domain = domain.toLowerCase();
  return { ok: true, mailbox: { local, domain }, rest: rest.trimStart() };
}

/** Index of the closing ">" of a path, honouring quoted strings in the local part. */
function findPathEnd(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 0x5c) i++;
      else if (c === 0x22) quoted = false;
    } else if (c === 0x22) quoted = true;
    else if (c === 0x3e) return i;
    else if (c === 0x3c) return -1;
  }
  return -1;
}

/** Parse a bare "user@domain" (CLI, config, aliases). */
export function parseMailbox(text: string, utf8 = true): Mailbox | undefined {
  const r = parsePath(`<${text}>`, { utf8, allowNull: false });
  return r.ok && r.mailbox && r.rest === '' ? r.mailbox : undefined;
}

/** Domain comparisons are case-insensitive (RFC 5321 §2.4). */
export function sameDomain(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
