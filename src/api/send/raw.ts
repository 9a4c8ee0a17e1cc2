import { decodeWords } from 'postal-mime';
import { fieldRanges, type Mailbox } from '../../core/index.js';
import { ApiProblem } from '../problem.js';
import type { OutgoingMessage } from './api-sender.js';
import { envelopeAddress } from './compose.js';
import type { RawJsonBody, RawQuery } from './schemas.js';

/**
 * A raw RFC 5322 message and its envelope (the query, or the JSON form's
 * members) as the message the checks see. The bytes are taken as they are:
 * Baton adds Received (and Message-ID and Date when missing, RFC 6409 §8),
 * never rewrites the sender's fields.
 */
export function rawFromQuery(content: Buffer, q: RawQuery): OutgoingMessage {
  if (q.from === undefined || q.to === undefined) {
    throw new ApiProblem('validation', 'a raw message needs its envelope in the query: ?from=sender@example.com&to=rcpt@example.net (repeat "to" for more)', {
      errors: [{ path: q.from === undefined ? 'from' : 'to', message: 'required' }],
    });
  }
  const tags = q.tag === undefined ? undefined : Array.isArray(q.tag) ? q.tag : [q.tag];
  return rawMessage(content, q.from, q.to, { ...(q.stream ? { stream: q.stream } : {}), ...(tags ? { tags } : {}) });
}

export function rawFromJson(b: RawJsonBody): OutgoingMessage {
  return rawMessage(Buffer.from(b.raw, 'base64'), b.from, b.to, {
    ...(b.stream ? { stream: b.stream } : {}),
    ...(b.tags ? { tags: b.tags } : {}),
    ...(b.metadata ? { metadata: b.metadata } : {}),
  });
}

function rawMessage(content: Buffer, from: string, to: string | readonly string[], more: Pick<OutgoingMessage, 'stream' | 'tags' | 'metadata'>): OutgoingMessage {
  if (content.length === 0) throw new ApiProblem('validation', 'the message is empty; send the RFC 5322 bytes as the body (Content-Type: message/rfc822)');
  const mailFrom = envelopeAddress(from, 'from');
  const recipients: Mailbox[] = [];
  const seen = new Set<string>();
  (typeof to === 'string' ? [to] : to).forEach((t, i) => {
    const m = envelopeAddress(t, `to[${i}]`);
    if (!seen.has(`${m.local}@${m.domain}`)) recipients.push(m);
    seen.add(`${m.local}@${m.domain}`);
  });
  const subject = subjectOf(content);
  return { mailFrom, recipients, content, ...more, ...(subject !== undefined ? { subject } : {}) };
}

/** The Subject field, unfolded and its RFC 2047 encoded words decoded (postal-mime), bounded for the event. */
function subjectOf(content: Buffer): string | undefined {
  // The header only, its line endings made CRLF first (the bytes may still have bare LF here).
  const head = Buffer.from(headerText(content).replace(/\r\n|\r|\n/g, '\r\n'), 'utf8');
  const f = fieldRanges(head).find((r) => r.name === 'subject');
  if (!f) return undefined;
  const raw = head.toString('utf8', f.valueStart, f.end).replace(/\r\n(?=[ \t])/g, '').trim();
  return decodeWords(raw).slice(0, 998);
}

/** The header block as text, up to the first empty line (any line ending), at most 64 KiB. */
function headerText(content: Buffer): string {
  const text = content.toString('utf8', 0, Math.min(content.length, 65536));
  const blank = /\r?\n\r?\n|\r\r/.exec(text);
  return blank ? text.slice(0, blank.index + 2) : text;
}
