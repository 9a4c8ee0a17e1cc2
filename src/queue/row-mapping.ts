import { replyToText, type Envelope, type Mailbox, type MailParams, type Notify, type Origin, type QueueId, type Recipient, type SmtpReply } from '../core/index.js';
import type { ClaimedMessage, DestinationStats, EnqueueRequest, MessageSummary, RecipientRow, RecipientStatus } from './store.js';

/**
 * Row → object mapping shared by the SQLite and PostgreSQL queue backends: both store the same
 * columns (see sqlite/migrations.ts and postgres/migrations.ts) with envelope parts as JSON text.
 * The one difference is how a flag comes back: SQLite has no boolean type and returns 0/1,
 * node-postgres returns a JS boolean; `F` is that type.
 */
export type DbFlag = number | boolean;

export interface MessageDbRow<F extends DbFlag = DbFlag> {
  id: string;
  sender: string | null;
  params: string;
  origin: string;
  size: number;
  received_at: number;
  expires_at: number;
  held: F;
}

export interface RecipientDbRow<F extends DbFlag = DbFlag> {
  row_id: number;
  queue_id: string;
  local: string;
  domain: string;
  notify: string | null;
  orcpt: string | null;
  status: RecipientStatus;
  attempts: number;
  next_attempt_at: number;
  last_reply: string | null;
  last_error: string | null;
  remote_mta: string | null;
  notice_passed_on: F;
  updated_at: number;
}

/** Columns of `messages` without the body (listing never reads it). */
export const MESSAGE_COLUMNS = 'id, sender, params, origin, size, received_at, expires_at, held';
export const RECIPIENT_COLUMNS =
  'row_id, queue_id, local, domain, notify, orcpt, status, attempts, next_attempt_at, last_reply, last_error, remote_mta, notice_passed_on, updated_at';

/** True for SQLite's 1 and PostgreSQL's true. */
function isSet(flag: DbFlag): boolean {
  return flag === true || flag === 1;
}

export function senderToText(m: Mailbox | null): string | null {
  return m === null ? null : `${m.local}@${m.domain}`;
}

/** The domain never contains "@", so the last one splits (quoted local parts may hold "@"). */
export function textToMailbox(text: string): Mailbox {
  const at = text.lastIndexOf('@');
  return { local: text.slice(0, at), domain: text.slice(at + 1) };
}

export function toRecipientRow(r: RecipientDbRow): RecipientRow {
  return {
    rowId: r.row_id,
    queueId: r.queue_id as QueueId,
    address: { local: r.local, domain: r.domain },
    ...(r.notify !== null ? { notify: JSON.parse(r.notify) as Notify } : {}),
    ...(r.orcpt !== null ? { orcpt: r.orcpt } : {}),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    ...(r.last_reply !== null ? { lastReply: JSON.parse(r.last_reply) as SmtpReply } : {}),
    ...(r.last_error !== null ? { lastError: r.last_error } : {}),
    ...(r.remote_mta !== null ? { remoteMta: r.remote_mta } : {}),
    ...(isSet(r.notice_passed_on) ? { noticePassedOn: true as const } : {}),
    updatedAt: r.updated_at,
  };
}

function toRecipient(r: RecipientDbRow): Recipient {
  return {
    address: { local: r.local, domain: r.domain },
    ...(r.notify !== null ? { notify: JSON.parse(r.notify) as Notify } : {}),
    ...(r.orcpt !== null ? { orcpt: r.orcpt } : {}),
  };
}

export function toSummary(m: MessageDbRow, all: readonly RecipientDbRow[]): MessageSummary {
  const envelope: Envelope = {
    mailFrom: m.sender === null ? null : textToMailbox(m.sender),
    recipients: all.map(toRecipient),
    params: JSON.parse(m.params) as MailParams,
  };
  return {
    id: m.id as QueueId,
    envelope,
    origin: JSON.parse(m.origin) as Origin,
    size: m.size,
    receivedAt: m.received_at,
    expiresAt: m.expires_at,
    held: isSet(m.held),
  };
}

/** Recipient rows grouped by queue id, each group in the rows' order. */
export function groupByQueueId<R extends RecipientDbRow>(rows: Iterable<R>): Map<string, R[]> {
  const out = new Map<string, R[]>();
  for (const r of rows) {
    const list = out.get(r.queue_id);
    if (list) list.push(r);
    else out.set(r.queue_id, [r]);
  }
  return out;
}

/** What claimDue would have returned for a message just enqueued with its recipients leased. */
export function claimedFromRequest(req: EnqueueRequest, rowIds: readonly number[], leaseUntil: number): ClaimedMessage {
  const message: MessageSummary = {
    id: req.id,
    envelope: req.envelope,
    origin: req.origin,
    size: req.message.byteLength,
    receivedAt: req.receivedAt,
    expiresAt: req.expiresAt,
    held: false,
  };
  const recipients: RecipientRow[] = req.envelope.recipients.map((r, i) => ({
    rowId: rowIds[i] as number,
    queueId: req.id,
    address: { local: r.address.local, domain: r.address.domain.toLowerCase() },
    ...(r.notify !== undefined ? { notify: r.notify } : {}),
    ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
    status: 'pending',
    attempts: 0,
    nextAttemptAt: leaseUntil,
    updatedAt: req.receivedAt,
  }));
  return { message, recipients, leaseUntil };
}

/** One destination of the per-domain GROUP BY of pending recipients. */
export interface DestinationDbRow {
  domain: string;
  pending: number;
  held: number;
  oldest: number;
}

/** The latest failure recorded against a destination's pending recipients. */
export interface LastFailureDbRow {
  last_reply: string | null;
  last_error: string | null;
  updated_at: number;
}

export function toDestination(r: DestinationDbRow, last: LastFailureDbRow | undefined): DestinationStats {
  // A stored reply (JSON SmtpReply) reads as one line of text; without one, the connection error.
  const text = last ? (last.last_reply !== null ? replyToText(JSON.parse(last.last_reply) as SmtpReply) : last.last_error ?? undefined) : undefined;
  return {
    domain: r.domain,
    pending: r.pending,
    held: r.held,
    oldestReceivedAt: r.oldest,
    ...(text !== undefined && last ? { lastError: text, lastErrorAt: last.updated_at } : {}),
  };
}
