import { fieldRanges, hasHeader, Replies, SmtpError, STREAMS, unfoldedValue, type HeaderEdits, type Origin, type Stream } from '../core/index.js';
import { senderUnsubscribe } from '../unsubscribe/index.js';
import type { Submission } from './types.js';

/** The header a sender names a message's stream with; never stored, from any source. */
export const STREAM_HEADER = 'X-Baton-Stream';

export interface StreamRules {
  /**
   * Bulk mail must carry a valid List-Unsubscribe of its own: `bulk.requireUnsubscribe`
   * is on and no `unsubscribe` config lets Baton add one (CAN-SPAM, RFC 8058).
   */
  readonly bulkNeedsOwnUnsubscribe: boolean;
}

export interface StreamDecision {
  /** The origin to store: `stream` set for bulk, absent for transactional. */
  readonly origin: Origin;
  /** Removes X-Baton-Stream when the message had one. */
  readonly edit?: HeaderEdits;
}

const REMOVE_STREAM_HEADER: HeaderEdits = { remove: [STREAM_HEADER] };

/**
 * The stream of a message (docs/deliverability.md#streams): its
 * X-Baton-Stream field when the client may choose (authenticated or in a
 * trusted network), else what the session put in the origin (the user's
 * setting), else transactional. A message that asks for a stream that does
 * not exist is refused (550 5.6.0): sent on as transactional it would go out
 * without the unsubscribe its sender meant it to have. From other clients the
 * field is only removed. Bulk mail that cannot carry an unsubscribe is
 * refused when `bulk.requireUnsubscribe` asks for one.
 */
export function decideStream(sub: Submission, rules: StreamRules | undefined): StreamDecision {
  let stream: Stream | undefined = sub.origin.stream;
  // The common case, one regex over the header block: no field, nothing to do.
  const present = hasHeader(sub.content, STREAM_HEADER);
  if (present && sub.mayChooseStream === true) stream = namedStream(sub.content);
  if (stream === 'bulk' && rules?.bulkNeedsOwnUnsubscribe && senderUnsubscribe(sub.content) !== 'valid') {
    throw new SmtpError(Replies.bulkNeedsUnsubscribe(), 'message', { source: 'bulk.requireUnsubscribe', detail: 'bulk mail without a valid List-Unsubscribe and no unsubscribe config' });
  }
  const origin = stream === sub.origin.stream ? sub.origin : withStream(sub.origin, stream);
  return present ? { origin, edit: REMOVE_STREAM_HEADER } : { origin };
}

/** The first X-Baton-Stream field's value; an unknown one is refused. */
function namedStream(content: Buffer): Stream | undefined {
  const field = fieldRanges(content).find((f) => f.name === STREAM_HEADER.toLowerCase());
  const value = field ? unfoldedValue(content, field).trim().toLowerCase() : '';
  if (!(STREAMS as readonly string[]).includes(value)) {
    throw new SmtpError(Replies.unknownStream(), 'message', { source: 'stream', detail: `X-Baton-Stream: ${value.slice(0, 64)}` });
  }
  return value === 'bulk' ? 'bulk' : undefined;
}

/** Absent means transactional (core/envelope.ts), so transactional is stored as no field. */
function withStream(origin: Origin, stream: Stream | undefined): Origin {
  const { stream: _old, ...rest } = origin;
  return stream === 'bulk' ? { ...rest, stream } : rest;
}
