/**
 * Pure SMTP command-line parser (RFC 5321 §4.1.1). Input is one command line
 * without its CRLF; output is a command or a syntax problem. Argument semantics
 * that depend on session state (which extensions were offered, SMTPUTF8) are the
 * session's business; this file only splits the line.
 */

export type Command =
  | { readonly verb: 'EHLO' | 'HELO'; readonly domain: string }
  | { readonly verb: 'MAIL'; readonly args: string }
  | { readonly verb: 'RCPT'; readonly args: string }
  | { readonly verb: 'DATA' | 'RSET' | 'QUIT' | 'STARTTLS' }
  | { readonly verb: 'NOOP' | 'HELP' | 'VRFY' | 'EXPN'; readonly arg: string }
  | { readonly verb: 'BDAT'; readonly size: number; readonly last: boolean }
  | { readonly verb: 'AUTH'; readonly mechanism: string; readonly initial: string | undefined };

export type ParseResult =
  | { readonly ok: true; readonly command: Command }
  | { readonly ok: false; readonly problem: 'unknown' | 'syntax' };

/** Largest BDAT chunk we will read in one command; bigger sizes are a syntax error. */
const MAX_BDAT_CHUNK = 2 ** 31 - 1;

const UNKNOWN: ParseResult = { ok: false, problem: 'unknown' };
const SYNTAX: ParseResult = { ok: false, problem: 'syntax' };

function ok(command: Command): ParseResult {
  return { ok: true, command };
}

export function parseCommand(line: string): ParseResult {
  const space = line.indexOf(' ');
  const word = space < 0 ? line : line.slice(0, space);
  // ASCII only: toUpperCase() would turn "ſTARTTLS" (long s) into STARTTLS.
  if (!/^[A-Za-z]{1,12}$/.test(word)) return UNKNOWN;
  const verb = word.toUpperCase();
  const rest = space < 0 ? '' : line.slice(space + 1);
  switch (verb) {
    case 'EHLO':
    case 'HELO':
      return parseHello(verb, rest.trim());
    case 'MAIL':
      return parsePathCommand('MAIL', 'FROM:', rest);
    case 'RCPT':
      return parsePathCommand('RCPT', 'TO:', rest);
    case 'DATA':
    case 'RSET':
    case 'QUIT':
    case 'STARTTLS':
      // RFC 5321 §4.1.1.4/.5/.10 and RFC 3207 §4: these take no arguments.
      return rest.trim() === '' ? ok({ verb }) : SYNTAX;
    case 'NOOP':
    case 'HELP':
    case 'VRFY':
    case 'EXPN':
      return ok({ verb, arg: rest.trim() });
    case 'BDAT':
      return parseBdat(rest);
    case 'AUTH':
      return parseAuth(rest);
    default:
      return UNKNOWN;
  }
}

function parseHello(verb: 'EHLO' | 'HELO', domain: string): ParseResult {
  // RFC 5321 §4.1.1.1: a domain or an address literal. We accept any printable
  // ASCII token (many clients send bare hostnames); it is only used for logs and
  // the Received header, where it is quoted as given.
  if (domain === '' || !/^[\x21-\x7e]+$/.test(domain) || domain.length > 255) return SYNTAX;
  return ok({ verb, domain });
}

function parsePathCommand(verb: 'MAIL' | 'RCPT', keyword: string, rest: string): ParseResult {
  if (!/^[A-Za-z]+:$/.test(rest.slice(0, keyword.length)) || rest.slice(0, keyword.length).toUpperCase() !== keyword) return SYNTAX;
  // RFC 5321 has no space after the colon, but many clients send one; accepting
  // it is harmless because the path itself must still start with "<".
  const args = rest.slice(keyword.length).replace(/^ +/, '');
  return args.startsWith('<') ? ok({ verb, args }) : SYNTAX;
}

function parseBdat(rest: string): ParseResult {
  // RFC 3030 §2: "BDAT" SP chunk-size [ SP end-marker ]
  const m = /^(\d{1,10})(?: (LAST))?$/i.exec(rest.trim());
  if (!m) return SYNTAX;
  const size = Number(m[1]);
  if (size > MAX_BDAT_CHUNK) return SYNTAX;
  return ok({ verb: 'BDAT', size, last: m[2] !== undefined });
}

function parseAuth(rest: string): ParseResult {
  // RFC 4954 §4: AUTH mechanism [initial-response]
  const m = /^([A-Za-z0-9_-]{1,20})(?: ([A-Za-z0-9+/=]+))?$/.exec(rest.trim());
  if (!m) return SYNTAX;
  return ok({ verb: 'AUTH', mechanism: (m[1] ?? '').toUpperCase(), initial: m[2] });
}

/** ESMTP parameters "KEY=VALUE KEY2" (RFC 5321 §4.1.2 Mail-parameters). Keys upper-cased. */
export function parseParams(text: string): Map<string, string | true> | undefined {
  const params = new Map<string, string | true>();
  for (const word of text.split(' ')) {
    if (word === '') continue;
    const eq = word.indexOf('=');
    const raw = eq < 0 ? word : word.slice(0, eq);
    // esmtp-keyword is ASCII (RFC 5321 §4.1.2); test before upper-casing.
    if (!/^[A-Za-z0-9][A-Za-z0-9-]*$/.test(raw)) return undefined;
    const key = raw.toUpperCase();
    if (params.has(key)) return undefined;
    if (eq < 0) params.set(key, true);
    else {
      const value = word.slice(eq + 1);
      // esmtp-value: any CHAR except "=", SP and control characters (UTF-8 allowed by RFC 6531).
      if (value === '' || /[\x00-\x20=\x7f]/.test(value)) return undefined;
      params.set(key, value);
    }
  }
  return params;
}
