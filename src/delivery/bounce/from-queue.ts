import { formatMailbox } from '../../core/index.js';
import type { MessageDetail, RecipientRow } from '../../queue/store.js';
import type { DsnInput, DsnRecipient } from './dsn.js';

/**
 * Build the DSN input for a queued message (DESIGN §3 step 9): bounced and
 * expired recipients are reported as failed, delivered ones as delivered (only
 * those that asked with NOTIFY=SUCCESS survive buildDsn's filter), and, for a
 * delay warning, pending ones as delayed until the message expires.
 */
export function dsnInputFromMessage(
  detail: MessageDetail,
  original: Buffer,
  opts: {
    readonly hostname: string;
    readonly now: number;
    /** Report pending recipients as delayed (an RFC 3461 DELAY notice). */
    readonly delayWarning?: boolean;
    readonly returnSizeLimit?: number;
    /** Only these recipients ("local@domain"); all when absent. */
    readonly recipients?: ReadonlySet<string>;
  },
): DsnInput {
  const only = opts.recipients;
  const rows = detail.recipients.filter((r) => !only || only.has(formatMailbox(r.address)));
  const recipients = rows.flatMap((r) => {
    const x = fromRow(r, detail.expiresAt, opts.delayWarning === true);
    return x ? [x] : [];
  });
  const p = detail.envelope.params;
  // RFC 8689 §5: a REQUIRETLS message is returned as if RET=HDRS, whatever RET asked.
  const ret = p.requireTls === true ? 'HDRS' : p.ret;
  return {
    hostname: opts.hostname,
    queueId: detail.id,
    sender: detail.envelope.mailFrom,
    ...(ret ? { ret } : {}),
    ...(p.envid !== undefined ? { envid: p.envid } : {}),
    receivedAt: detail.receivedAt,
    original,
    recipients,
    now: opts.now,
    ...(opts.returnSizeLimit !== undefined ? { returnSizeLimit: opts.returnSizeLimit } : {}),
  };
}

function fromRow(r: RecipientRow, expiresAt: number, delayWarning: boolean): DsnRecipient | undefined {
  const common = {
    address: r.address,
    ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
    ...(r.notify !== undefined ? { notify: r.notify } : {}),
    ...(r.lastReply ? { reply: r.lastReply } : {}),
    ...(r.lastError !== undefined ? { error: r.lastError } : {}),
    ...(r.remoteMta !== undefined ? { remoteMta: r.remoteMta } : {}),
    ...(r.attempts > 0 ? { lastAttemptAt: r.updatedAt } : {}),
  };
  switch (r.status) {
    case 'bounced':
      return { ...common, action: 'failed' };
    case 'expired':
      return { ...common, action: 'failed', expired: true };
    case 'delivered':
      // The next hop that took NOTIFY on reports success itself (RFC 3461 §5.2.2).
      return r.noticePassedOn ? undefined : { ...common, action: 'delivered' };
    case 'pending':
      return delayWarning ? { ...common, action: 'delayed', willRetryUntil: expiresAt } : undefined;
  }
}
