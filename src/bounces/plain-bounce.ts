/**
 * Bounces in no standard form (no RFC 3464 delivery-status part): qmail's
 * "Remote host said: 550 ...", old Exim's "SMTP error from remote mail server
 * after RCPT TO:<...>: 550 ...", and the bare "550 5.1.1 <addr>... User
 * unknown" texts of small servers. Recognised only by a remote SMTP reply in
 * the text, at the start of a line or after "said:" / "error ...:", so an
 * auto-reply ("I am out of the office") is never taken for a bounce.
 */
export interface PlainBounce {
  readonly code: number;
  readonly status?: string;
  readonly text: string;
  /** The failed recipient, when the text names one. */
  readonly recipient?: string;
}

/** Where the copy of the original starts: nothing below it is the bounce. */
const ORIGINAL_STARTS = /^(--- Below this line is a copy of the message|------ This is a copy of the message|-+ ?Original message ?-+)/im;
const REPLY_AT_START = /^\s*([45]\d\d)[ -](?:#?([45]\.\d{1,3}\.\d{1,3})\s+)?(.+)$/;
const REPLY_AFTER = /(?:said|error)[^:\n]{0,80}:\s*([45]\d\d)[ -](?:#?([45]\.\d{1,3}\.\d{1,3})\s+)?(.+)$/i;
const ANGLE_ADDRESS = /<([^\s<>@]+@[^\s<>@]+)>/;
/** qmail: "<alice@example.com>:" on a line of its own; Exim: the failed address indented under "failed:". */
const QMAIL_RECIPIENT = /^<([^\s<>@]+@[^\s<>@]+)>:\s*$/m;
const EXIM_RECIPIENT = /failed:\s*\r?\n\s*\r?\n?\s+<?([^\s<>@]+@[^\s<>@]+)>?\s*$/im;

export function findPlainBounce(body: string): PlainBounce | undefined {
  const cut = body.search(ORIGINAL_STARTS);
  const text = cut >= 0 ? body.slice(0, cut) : body;
  for (const line of text.split(/\r?\n/)) {
    const m = REPLY_AFTER.exec(line) ?? REPLY_AT_START.exec(line);
    if (!m) continue;
    const replyText = (m[3] ?? '').trim();
    const recipient = ANGLE_ADDRESS.exec(replyText)?.[1] ?? QMAIL_RECIPIENT.exec(text)?.[1] ?? EXIM_RECIPIENT.exec(text)?.[1];
    return { code: Number(m[1]), text: replyText, ...(m[2] ? { status: m[2] } : {}), ...(recipient ? { recipient } : {}) };
  }
  return undefined;
}
