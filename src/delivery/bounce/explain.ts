import { formatMailbox, replyToText } from '../../core/index.js';
import type { DsnRecipient } from './dsn.js';
import { formatDate, wrap } from './mime.js';

/**
 * The human-readable first part of a DSN (RFC 3464 §2: "a human readable
 * explanation"). Written for the person who sent the mail and for the operator
 * they will forward it to: what happened, to whom, what the other side said,
 * and whether anything still happens.
 */

export type DsnKind = 'failure' | 'delay' | 'success';

const WIDTH = 76;

export function explain(opts: {
  readonly kind: DsnKind;
  readonly hostname: string;
  readonly recipients: readonly DsnRecipient[];
  readonly returned: 'full' | 'headers' | 'headers-capped';
  readonly now: number;
}): string {
  const { kind, hostname, recipients } = opts;
  const lines: string[] = [`This is the mail system at ${hostname}.`, ''];
  lines.push(...wrap(intro(kind), WIDTH), '');
  lines.push(...wrap(returnedNote(opts.returned), WIDTH), '');
  lines.push(...wrap(`If you need help, forward this whole report to your postmaster or mail administrator.`, WIDTH), '');
  for (const r of recipients) {
    lines.push(`<${formatMailbox(r.address)}>: ${headline(r, opts.now)}`);
    if (r.remoteMta) lines.push(...wrap(`Remote server: ${r.remoteMta}`, WIDTH, '    '));
    if (r.reply) lines.push(...wrap(`It said: ${replyToText(r.reply)}`, WIDTH, '    '));
    else if (r.error) lines.push(...wrap(`Problem: ${r.error}`, WIDTH, '    '));
    if (r.lastAttemptAt !== undefined) lines.push(`    Last attempt: ${formatDate(r.lastAttemptAt)}`);
    lines.push('');
  }
  return lines.join('\r\n');
}

function intro(kind: DsnKind): string {
  switch (kind) {
    case 'failure':
      return (
        'Your message could not be delivered to one or more recipients. ' +
        'Delivery to the recipients listed below has been given up; the reason is shown for each. ' +
        'Other recipients of the same message, if any, are not affected by this report.'
      );
    case 'delay':
      return (
        'Your message has not been delivered yet to the recipients listed below. ' +
        'This is only a warning: the mail system keeps trying, and you do not need to send the message again. ' +
        'You will get another report if delivery finally fails.'
      );
    case 'success':
      return 'Your message was delivered to the recipients listed below, as you asked to be told.';
  }
}

function returnedNote(returned: 'full' | 'headers' | 'headers-capped'): string {
  switch (returned) {
    case 'full':
      return 'Your message is attached below.';
    case 'headers':
      return 'The headers of your message are attached below.';
    case 'headers-capped':
      return 'Your message was too large to return in full; its headers are attached below.';
  }
}

function headline(r: DsnRecipient, now: number): string {
  switch (r.action) {
    case 'failed':
      return r.expired ? 'delivery was given up because the message could not be delivered in time' : 'delivery failed permanently';
    case 'delayed':
      return r.willRetryUntil !== undefined && r.willRetryUntil > now
        ? `not delivered yet; will keep trying until ${formatDate(r.willRetryUntil)}`
        : 'not delivered yet; will keep trying';
    case 'delivered':
      return 'delivered';
    case 'relayed':
      return 'passed on to a mail system that does not send delivery reports';
  }
}
