/**
 * The SMTP reply, used both ways: replies Baton sends (built only through
 * `replies.ts`) and replies parsed from remote servers (`parseReplyLines`).
 * RFC 5321 §4.2 (reply format), RFC 3463 / RFC 2034 (enhanced status codes).
 */

/** RFC 3463 enhanced status code, e.g. 5.1.1. */
export interface EnhancedStatus {
  readonly class: 2 | 4 | 5;
  readonly subject: number;
  readonly detail: number;
}

export interface SmtpReply {
  /** 200-599. */
  readonly code: number;
  /** Absent when a remote server sent none. */
  readonly status?: EnhancedStatus;
  /** Text only: no code, no status, no CRLF; one entry per line. */
  readonly lines: readonly string[];
}

export function formatStatus(status: EnhancedStatus): string {
  return `${status.class}.${status.subject}.${status.detail}`;
}

const STATUS_RE = /^([245])\.(\d{1,3})\.(\d{1,3})$/;

export function parseStatus(text: string): EnhancedStatus | undefined {
  const m = STATUS_RE.exec(text);
  if (!m) return undefined;
  return { class: Number(m[1]) as 2 | 4 | 5, subject: Number(m[2]), detail: Number(m[3]) };
}

/**
 * Build a reply, checking that the enhanced class matches the code's first digit
 * (RFC 3463 §2: the class "must" agree with the basic code).
 */
export function makeReply(code: number, status: string | undefined, ...lines: string[]): SmtpReply {
  if (!Number.isInteger(code) || code < 200 || code > 599) {
    throw new RangeError(`Cannot build SMTP reply: code ${code} is outside 200-599`);
  }
  const text = lines.length > 0 ? lines : [''];
  if (status === undefined) return { code, lines: text };
  const parsed = parseStatus(status);
  if (!parsed) throw new RangeError(`Cannot build SMTP reply: "${status}" is not an enhanced status code`);
  if (parsed.class !== Math.floor(code / 100)) {
    throw new RangeError(`Cannot build SMTP reply: status ${status} does not match code ${code}`);
  }
  return { code, status: parsed, lines: text };
}

/** Wire form, multi-line per RFC 5321 §4.2.1 ("250-..." then "250 ..."), CRLF terminated. */
export function formatReply(reply: SmtpReply): string {
  const status = reply.status ? `${formatStatus(reply.status)} ` : '';
  const last = reply.lines.length - 1;
  let out = '';
  for (let i = 0; i <= last; i++) {
    const sep = i === last ? ' ' : '-';
    // The status goes on every line (RFC 2034 §3: "each line of a multi-line reply").
    out += `${reply.code}${sep}${status}${reply.lines[i] ?? ''}\r\n`;
  }
  return out;
}

/** One-line human form for logs, DSNs and the queue listing: "550 5.1.1 text". */
export function replyToText(reply: SmtpReply): string {
  const status = reply.status ? ` ${formatStatus(reply.status)}` : '';
  return `${reply.code}${status} ${reply.lines.join(' ')}`.trimEnd();
}

export type ParsedReplyLine = { readonly code: number; readonly last: boolean; readonly text: string };

/** Parse one line of a server reply; undefined when it is not a reply line. */
export function parseReplyLine(line: string): ParsedReplyLine | undefined {
  if (line.length < 3) return undefined;
  const code = Number(line.slice(0, 3));
  if (!Number.isInteger(code) || code < 200 || code > 599) return undefined;
  const sep = line.charAt(3);
  if (sep !== '' && sep !== ' ' && sep !== '-') return undefined;
  return { code, last: sep !== '-', text: line.slice(4) };
}

/**
 * Assemble a complete reply from its lines. The enhanced status, when the first
 * line starts with one whose class matches the code, is lifted out of every line.
 */
export function assembleReply(lines: readonly ParsedReplyLine[]): SmtpReply {
  const first = lines[0];
  if (!first) throw new RangeError('Cannot assemble an SMTP reply from no lines');
  const code = first.code;
  const head = /^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)/.exec(first.text);
  const status = head ? parseStatus(head[1] ?? '') : undefined;
  if (status && status.class === Math.floor(code / 100)) {
    const prefix = formatStatus(status);
    const text = lines.map((l) => (l.text.startsWith(prefix) ? l.text.slice(prefix.length).trimStart() : l.text));
    return { code, status, lines: text };
  }
  return { code, lines: lines.map((l) => l.text) };
}

export function isPositive(reply: SmtpReply): boolean {
  return reply.code < 400;
}
export function isTransient(reply: SmtpReply): boolean {
  return reply.code >= 400 && reply.code < 500;
}
export function isPermanent(reply: SmtpReply): boolean {
  return reply.code >= 500;
}
