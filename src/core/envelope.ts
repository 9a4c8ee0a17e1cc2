import type { Mailbox } from './address.js';

/** RFC 3461 §4.1 NOTIFY: NEVER alone, or any of SUCCESS, FAILURE, DELAY. */
export type Notify = 'NEVER' | readonly ('SUCCESS' | 'FAILURE' | 'DELAY')[];

/** RFC 3464 §2.3.3 actions (we never expand, so 'expanded' is not produced). */
export type DsnAction = 'failed' | 'delayed' | 'delivered' | 'relayed';

/**
 * Whether a recipient's NOTIFY asks for a notice of this action. RFC 3461
 * §4.1: without NOTIFY, the MTA may notify of failures and delays, never of
 * success. Used by the finisher (which DSNs to send) and by the queue (which
 * finished messages may go at once, needing no DSN).
 */
export function wantsNotice(notify: Notify | undefined, action: DsnAction): boolean {
  if (notify === 'NEVER') return false;
  const asked = notify ?? ['FAILURE', 'DELAY'];
  switch (action) {
    case 'failed':
      return asked.includes('FAILURE');
    case 'delayed':
      return asked.includes('DELAY');
    case 'delivered':
    case 'relayed':
      return asked.includes('SUCCESS');
  }
}

/**
 * Whether a recipient in this final state needs a DSN sent for it (a pending
 * one does not, yet). `noticePassedOn`: it was delivered to a next hop that
 * offered DSN and took its NOTIFY, which then reports success itself (RFC
 * 3461 §5.2.2: no "relayed" notice from us).
 */
export function finalStateWantsNotice(status: 'pending' | 'delivered' | 'bounced' | 'expired', notify: Notify | undefined, noticePassedOn = false): boolean {
  if (status === 'pending') return false;
  if (status === 'delivered' && noticePassedOn) return false;
  return wantsNotice(notify, status === 'delivered' ? 'delivered' : 'failed');
}

export interface Recipient {
  readonly address: Mailbox;
  readonly notify?: Notify;
  /** RFC 3461 §4.2 ORCPT, kept as given: "rfc822;user@example.com" (xtext-decoded). */
  readonly orcpt?: string;
}

/** MAIL FROM parameters we keep with the message. */
export interface MailParams {
  /** RFC 6152 / RFC 3030: 7BIT, 8BITMIME or BINARYMIME. */
  readonly body?: '7BIT' | '8BITMIME' | 'BINARYMIME';
  /** RFC 6531: the envelope or headers need SMTPUTF8. */
  readonly smtputf8?: boolean;
  /** RFC 3461 §4.3 RET: return full message or headers only in a DSN. */
  readonly ret?: 'FULL' | 'HDRS';
  /** RFC 3461 §4.4 ENVID, xtext-decoded. */
  readonly envid?: string;
  /** RFC 1870 SIZE declared by the client. */
  readonly size?: number;
  /**
   * RFC 8689 (docs/security.md "Outbound TLS: REQUIRETLS"). true: the MAIL FROM
   * carried REQUIRETLS (§4.1): every hop must be verified TLS to a host that
   * offers REQUIRETLS. false: no REQUIRETLS, and the message has
   * `TLS-Required: No` (§4.1, §4.2.2): recipient-side TLS policy failures
   * (MTA-STS, DANE, required-verify) do not stop delivery. Absent: neither.
   */
  readonly requireTls?: boolean;
}

export interface Envelope {
  /** null is the null reverse-path "<>" (DSNs and other automatic replies). */
  readonly mailFrom: Mailbox | null;
  readonly recipients: readonly Recipient[];
  readonly params: MailParams;
}

/**
 * The mail stream a message belongs to (docs/deliverability.md#streams):
 * transactional (the default: receipts, password resets) or bulk
 * (newsletters, campaigns), which carries List-Unsubscribe, a VERP return
 * path and its own limits. Decided once at intake, from the user's setting or
 * the message's `X-Baton-Stream` header.
 */
export type Stream = 'transactional' | 'bulk';
export const STREAMS: readonly Stream[] = ['transactional', 'bulk'];

/** Where a message came from; stored with it, shown in the queue and Received header. */
export interface Origin {
  /** smtp: an SMTP listener; local: Baton itself (DSNs, reports); api: the HTTP API (`apiKey` names the key). */
  readonly kind: 'smtp' | 'local' | 'api';
  readonly listener?: string;
  readonly clientIp?: string;
  readonly clientPort?: number;
  readonly helo?: string;
  readonly reverseName?: string;
  /** Authenticated user name (never a password). */
  readonly user?: string;
  /** The API key's name, for mail sent through the HTTP API (never the secret). */
  readonly apiKey?: string;
  /** An egress pool named by the sender (a campaign's `pool`): chosen before the `egress.select` rules. */
  readonly pool?: string;
  readonly tls?: { readonly protocol: string; readonly cipher: string };
  /** The client greeted with EHLO (ESMTP, RFC 3848) rather than HELO. */
  readonly esmtp?: boolean;
  /**
   * The stream intake put the message in; absent means transactional. Kept
   * here because the origin is stored with the message as it is, so delivery
   * (List-Unsubscribe, VERP) and every queue backend see it without a column.
   */
  readonly stream?: Stream;
}
