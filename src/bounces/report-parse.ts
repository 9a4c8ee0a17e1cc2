import PostalMime, { addressParser, type Attachment, type Email } from 'postal-mime';
import { first, parseFieldGroups, parseHeader, typedAddress, type FieldGroup } from './report-fields.js';
import { findPlainBounce, type PlainBounce } from './plain-bounce.js';

/** The enclosed original message (or its header), as far as a report carries it. */
export interface EnclosedOriginal {
  /** Return-Path of the original: our VERP address when we sent it with one. */
  readonly returnPath?: string;
  /** Addresses of its To field. */
  readonly to: readonly string[];
}

/** One recipient of a DSN (RFC 3464 §2.3). */
export interface DsnRecipientReport {
  readonly finalRecipient?: string;
  readonly originalRecipient?: string;
  readonly action?: string;
  readonly status?: string;
  /** The Diagnostic-Code's text (its type, "smtp;", removed). */
  readonly diagnostic?: string;
}

export type ParsedReport =
  | { readonly kind: 'dsn'; readonly reportingMta?: string; readonly recipients: readonly DsnRecipientReport[]; readonly original?: EnclosedOriginal }
  | {
      readonly kind: 'arf';
      readonly feedbackType?: string;
      readonly originalMailFrom?: string;
      readonly originalRcptTo: readonly string[];
      readonly reportedBy?: string;
      readonly original?: EnclosedOriginal;
    }
  | { readonly kind: 'pattern'; readonly bounce: PlainBounce; readonly original?: EnclosedOriginal }
  | { readonly kind: 'unrecognised'; readonly reason: string; readonly original?: EnclosedOriginal };

/**
 * Reads a report that arrived at one of our report addresses: an RFC 3464
 * DSN (multipart/report; report-type=delivery-status, RFC 6522), an RFC 5965
 * feedback report (report-type=feedback-report), or a bounce in no standard
 * form, recognised by its wording (qmail, old Exim, plain "550 5.1.1 <addr>"
 * texts). The MIME structure is postal-mime's; the report fields are ours.
 * A report whose declared type and parts disagree is read by its parts.
 */
export async function parseReport(content: Buffer): Promise<ParsedReport> {
  let email: Email;
  try {
    // Report parts keep the enclosed original as an attachment: its text is evidence, not the report's.
    email = await PostalMime.parse(content, { forceRfc822Attachments: true, attachmentEncoding: 'utf8' });
  } catch (err) {
    return { kind: 'unrecognised', reason: `not a readable MIME message: ${(err as Error).message}` };
  }
  const parts = email.attachments;
  const original = enclosedOriginal(parts);
  const withOriginal = <T extends object>(r: T) => (original ? { ...r, original } : r);
  const status = parts.find((a) => a.mimeType === 'message/delivery-status' || a.mimeType === 'message/global-delivery-status');
  if (status) return withOriginal(dsnFrom(text(status)));
  const feedback = parts.find((a) => a.mimeType === 'message/feedback-report');
  if (feedback) return withOriginal(arfFrom(text(feedback)));
  const plain = findPlainBounce(email.text ?? '');
  if (plain) return withOriginal({ kind: 'pattern' as const, bounce: plain });
  return withOriginal({ kind: 'unrecognised' as const, reason: 'neither a delivery-status nor a feedback report, and no failure reply in its text' });
}

/** RFC 3464 §2.2 per-message fields, then §2.3 one group per recipient. */
function dsnFrom(body: string): ParsedReport {
  const [perMessage, ...perRecipient] = parseFieldGroups(body);
  const recipients = perRecipient
    .map((g): DsnRecipientReport => {
      const finalRecipient = typedAddress(first(g, 'final-recipient'));
      const originalRecipient = typedAddress(first(g, 'original-recipient'));
      const action = first(g, 'action')?.toLowerCase().split(/[\s(]/)[0];
      const status = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(first(g, 'status') ?? '')?.[1];
      const diagnostic = diagnosticText(first(g, 'diagnostic-code'));
      return {
        ...(finalRecipient ? { finalRecipient } : {}),
        ...(originalRecipient ? { originalRecipient } : {}),
        ...(action ? { action } : {}),
        ...(status ? { status } : {}),
        ...(diagnostic ? { diagnostic } : {}),
      };
    })
    .filter((r) => Object.keys(r).length > 0);
  const reportingMta = typedName(first(perMessage, 'reporting-mta'));
  return { kind: 'dsn', recipients, ...(reportingMta ? { reportingMta } : {}) };
}

/** RFC 5965 §3.1-3.2: Feedback-Type, Original-Mail-From, Original-Rcpt-To (repeatable), Reporting-MTA, User-Agent. */
function arfFrom(body: string): ParsedReport {
  const g: FieldGroup = parseFieldGroups(body)[0] ?? new Map();
  const feedbackType = first(g, 'feedback-type')?.toLowerCase();
  const originalMailFrom = typedAddress(first(g, 'original-mail-from'));
  const originalRcptTo = (g.get('original-rcpt-to') ?? []).map(typedAddress).filter((a): a is string => a !== undefined);
  const reportedBy = typedName(first(g, 'reporting-mta')) ?? first(g, 'user-agent');
  return {
    kind: 'arf',
    originalRcptTo,
    ...(feedbackType ? { feedbackType } : {}),
    ...(originalMailFrom ? { originalMailFrom } : {}),
    ...(reportedBy ? { reportedBy } : {}),
  };
}

/** The third part of a report (RFC 6522 §3, RFC 5965 §2): message/rfc822 or text/rfc822-headers. */
function enclosedOriginal(parts: readonly Attachment[]): EnclosedOriginal | undefined {
  const part = parts.find((a) => a.mimeType === 'message/rfc822' || a.mimeType === 'text/rfc822-headers' || a.mimeType === 'message/global' || a.mimeType === 'message/global-headers');
  if (!part) return undefined;
  const header = parseHeader(text(part));
  const returnPath = typedAddress(first(header, 'return-path'));
  const to = addressParser(first(header, 'to') ?? '', { flatten: true })
    .map((a) => a.address)
    .filter((a): a is string => typeof a === 'string' && a.includes('@'));
  return { to, ...(returnPath ? { returnPath } : {}) };
}

/** "smtp; 550 5.1.1 <x@y>: User unknown" → "550 5.1.1 <x@y>: User unknown" (RFC 3464 §2.3.6). */
function diagnosticText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim() || undefined;
}

/** "dns; mx.example.com" → "mx.example.com". */
function typedName(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const semi = value.indexOf(';');
  return (semi >= 0 ? value.slice(semi + 1) : value).trim() || undefined;
}

function text(a: Attachment): string {
  return typeof a.content === 'string' ? a.content : Buffer.from(a.content as ArrayBuffer).toString('utf8');
}
