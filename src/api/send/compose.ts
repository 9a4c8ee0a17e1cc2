import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type Mail from 'nodemailer/lib/mailer';
import { parseMailbox, type Mailbox } from '../../core/index.js';
import { ApiProblem } from '../problem.js';
import type { AddressInput, SendMessageBody } from './schemas.js';

/**
 * Header fields a JSON message may not set in `headers`: the ones Baton or
 * the composer owns (trace and authentication fields are added on the way,
 * RFC 5321 §4.4, RFC 6376, RFC 8601, RFC 8617), the MIME structure (a
 * Content-Type of the sender's would break the body the composer builds,
 * RFC 2045), the address fields (they have their own members, and the
 * envelope is built from them), and the stream header (the `stream` member).
 */
const OWNED_FIELDS = new Set(
  [
    'received', 'return-path', 'dkim-signature', 'arc-seal', 'arc-message-signature', 'arc-authentication-results',
    'authentication-results', 'received-spf', 'content-type', 'content-transfer-encoding', 'content-disposition',
    'mime-version', 'from', 'sender', 'to', 'cc', 'bcc', 'reply-to', 'subject', 'date', 'message-id', 'x-baton-stream',
  ],
);

/** RFC 5322 §3.6.8 field name: printable US-ASCII except colon. */
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]{1,76}$/;

/** A composed message and the envelope it goes with. */
export interface Composed {
  readonly mailFrom: Mailbox;
  /** to, cc and bcc, in that order, each once. */
  readonly recipients: readonly Mailbox[];
  /** RFC 5322 bytes, CRLF line endings, Message-ID and Date set; Bcc not in it. */
  readonly content: Buffer;
}

/** An address from the request, or a 422 naming the member it came from. */
export function envelopeAddress(text: string, where: string): Mailbox {
  const m = parseMailbox(text.trim());
  if (!m) throw new ApiProblem('validation', `${where}: "${text.slice(0, 100)}" is not a mail address (RFC 5321 §4.1.2)`, { errors: [{ path: where, message: 'not a mail address' }] });
  return m;
}

/**
 * Build the message with nodemailer's MailComposer (RFC 5322, MIME per
 * RFC 2045-2049, non-ASCII headers as RFC 2047 encoded words): the HTTP
 * caller gives parts, Baton makes the bytes, exactly one way.
 */
export async function composeMessage(body: SendMessageBody, opts: { readonly hostname: string; readonly now: number }): Promise<Composed> {
  const mailFrom = envelopeAddress(addressOf(body.from), 'from');
  const recipients: Mailbox[] = [];
  const seen = new Set<string>();
  for (const member of ['to', 'cc', 'bcc'] as const) {
    list(body[member]).forEach((a, i) => {
      const m = envelopeAddress(addressOf(a), `${member}[${i}]`);
      const key = `${m.local}@${m.domain}`;
      if (!seen.has(key)) recipients.push(m);
      seen.add(key);
    });
  }
  const headers = checkedHeaders(body.headers ?? {});
  const mail: Mail.Options = {
    from: toNodemailer(body.from),
    ...(body.to ? { to: list(body.to).map(toNodemailer) } : {}),
    ...(body.cc ? { cc: list(body.cc).map(toNodemailer) } : {}),
    // bcc is only in the envelope (recipients above): never given to the composer, so no header can carry it.
    ...(body.replyTo ? { replyTo: list(body.replyTo).map(toNodemailer) } : {}),
    ...(body.subject !== undefined ? { subject: body.subject } : {}),
    ...(body.text !== undefined ? { text: body.text } : {}),
    ...(body.html !== undefined ? { html: body.html } : {}),
    attachments: (body.attachments ?? []).map((a) => ({
      filename: a.filename,
      content: Buffer.from(a.content, 'base64'),
      ...(a.contentType ? { contentType: a.contentType } : {}),
      ...(a.contentId ? { cid: a.contentId } : {}),
      ...(a.disposition ? { contentDisposition: a.disposition } : {}),
    })),
    headers,
    // RFC 5322 §3.6.4 and §3.6.1: every message gets a Message-ID and a Date (RFC 6409 §8.3).
    messageId: `<${randomBytes(12).toString('hex')}@${opts.hostname}>`,
    date: new Date(opts.now),
    newline: '\r\n',
  };
  const content = await new MailComposer(mail).compile().build();
  return { mailFrom, recipients, content };
}

/** The extra fields, or a 422 for one Baton owns or one that is not a field name. */
function checkedHeaders(fields: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (!FIELD_NAME.test(name)) {
      throw new ApiProblem('validation', `headers: "${name.slice(0, 80)}" is not a header field name (RFC 5322 §3.6.8: printable ASCII, no colon)`, { errors: [{ path: `headers.${name.slice(0, 80)}`, message: 'not a field name' }] });
    }
    if (OWNED_FIELDS.has(name.toLowerCase()) || name.toLowerCase().startsWith('x-baton-')) {
      throw new ApiProblem('validation', `headers: Baton sets ${name} itself; use the message's own members (from, to, subject, attachments...) instead`, { errors: [{ path: `headers.${name}`, message: 'owned by Baton' }] });
    }
    if (/[\r\n\0]/.test(value)) {
      throw new ApiProblem('validation', `headers: the value of ${name} contains CR, LF or NUL (header injection)`, { errors: [{ path: `headers.${name}`, message: 'line break in value' }] });
    }
    out[name] = value;
  }
  return out;
}

function list<T>(v: T | readonly T[] | undefined): readonly T[] {
  return v === undefined ? [] : Array.isArray(v) ? (v as readonly T[]) : [v as T];
}

function addressOf(a: AddressInput): string {
  return typeof a === 'string' ? a : a.address;
}

function toNodemailer(a: AddressInput): Mail.Address | string {
  return typeof a === 'string' ? a : { name: a.name ?? '', address: a.address };
}
