import type { MessageParts } from '../../core/index.js';
import type { RecipientRow } from '../../queue/index.js';
import type { ConnectionPool } from '../connection-pool.js';
import type { DeliveryJob } from '../job.js';
import { classify, resolveTransaction, type Outcome } from '../outcome.js';
import type { ConnectOptions } from '../smtp-client.js';

/** One recipient's outcome of a transaction. */
export interface SentOutcome {
  readonly row: RecipientRow;
  readonly outcome: Outcome;
  readonly noticePassedOn?: true;
}

export type PooledAttempt =
  | { readonly kind: 'sent'; readonly outcomes: readonly SentOutcome[] }
  | { readonly kind: 'no-connection'; readonly failure: Outcome };

/**
 * One transaction for the job on a pooled or new connection: the attempt
 * logic SMTP and LMTP share. A reused connection that died before the server
 * said anything (it timed out idle on the far side) says nothing about the
 * site, so the transaction is tried once more on a fresh connection.
 */
export async function sendOnPool(pool: ConnectionPool, options: ConnectOptions, job: DeliveryJob, message: MessageParts): Promise<PooledAttempt> {
  const first = await sendOnce(pool, options, job, message);
  const stale = first.kind === 'sent' && first.reused && first.outcomes.every((o) => o.outcome.scope === 'connection' && !o.outcome.reply);
  return stale ? sendOnce(pool, options, job, message) : first;
}

async function sendOnce(pool: ConnectionPool, options: ConnectOptions, job: DeliveryJob, message: MessageParts): Promise<PooledAttempt & { reused?: boolean }> {
  const conn = await pool.acquire(options);
  if (!conn.ok) {
    const failure = classify(conn.failure);
    const outcome: Outcome = failure.verdict === 'continue' ? { verdict: 'deferred', scope: 'site', stage: conn.failure.stage, error: 'connection failed' } : failure;
    return { kind: 'no-connection', failure: outcome };
  }
  const lmtp = options.lmtp === true;
  const result = await conn.connection.send({
    mailFrom: job.returnPath ?? job.message.envelope.mailFrom,
    recipients: job.recipients.map((r) => ({
      address: r.address,
      ...(r.notify !== undefined ? { notify: r.notify } : {}),
      ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
    })),
    params: job.message.envelope.params,
    message,
    // Our LMTP is final delivery: we keep the duty to report it ourselves.
    passDsn: !lmtp,
  });
  pool.release(options, conn.connection, result.reusable);
  const resolved = resolveTransaction({
    recipients: job.recipients.map((row, i) => {
      const r = result.recipients[i];
      // RFC 2033 §4.2: over LMTP each accepted recipient has its own end-of-data reply.
      return { recipient: row, ...(r?.rcpt ? { rcpt: r.rcpt } : {}), ...(lmtp && r ? { last: r.result } : {}) };
    }),
    ...(result.last ? { last: result.last } : {}),
  });
  const outcomes = resolved.map(({ recipient, outcome }, i) => ({
    row: recipient,
    outcome,
    ...(outcome.verdict === 'delivered' && result.recipients[i]?.noticePassedOn ? { noticePassedOn: true as const } : {}),
  }));
  return { kind: 'sent', reused: conn.reused === true, outcomes };
}
