import type { Origin, SmtpReply } from '../core/index.js';

/**
 * The typed events of Baton (DESIGN §9 Event): one union of the state changes
 * of the queue, each written to the events table in the same commit as the
 * change it reports (an outbox), then fanned out in this process (logs, the
 * DSN finisher) and read by cursor by whoever comes later (webhooks, metrics,
 * the API's timelines). Events are facts: they are never updated.
 */

/** What an attempt says about one recipient. */
export interface RecipientAttempt {
  readonly queueId: string;
  readonly at: number;
  /** "local@domain" as queued. */
  readonly recipient: string;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /** The reply that decided it: the remote server's, or one Baton recorded (DeliveryReplies). */
  readonly reply?: SmtpReply;
  /** Why, when there is no reply (a connection error). */
  readonly error?: string;
  /** The server that answered: MX host, smarthost, LMTP address or "maildir". */
  readonly remoteMta?: string;
  /** What the failure means (deferred, bounced, expired): docs/deliverability.md "Bounce classification". */
  readonly classification?: EventClassification;
}

/** A failure reply's classification (delivery/bounce/classify.ts): hard or soft, and why. */
export interface EventClassification {
  readonly kind: 'hard' | 'soft';
  /** bad-mailbox, bad-domain, mailbox-full, policy, spam-block, content, throttled, auth-failure, transient, unknown. */
  readonly category: string;
  /** The rule that matched. */
  readonly rule?: string;
}

export interface AcceptedEvent {
  readonly type: 'accepted';
  readonly queueId: string;
  readonly at: number;
  /** "" for the null reverse-path <>. */
  readonly sender: string;
  readonly recipients: readonly string[];
  readonly size: number;
  readonly origin: Origin;
  /** Labels the sender gave the message (API `tags`), for search, metrics and webhooks. */
  readonly tags?: readonly string[];
  /** The sender's own key-value data (API `metadata`), echoed in webhooks. */
  readonly metadata?: Readonly<Record<string, string>>;
  /** The Subject field as received (decoded), for search results and timelines; absent when there is none. */
  readonly subject?: string;
}

/** A command or message refused in an SMTP session: nothing was queued. */
export interface RejectedEvent {
  readonly type: 'rejected';
  readonly at: number;
  readonly stage: 'connect' | 'helo' | 'auth' | 'mail' | 'rcpt' | 'data';
  readonly reply: SmtpReply;
  readonly clientIp: string;
  /** The check that refused, when one did (DESIGN §9 Check). */
  readonly check?: string;
  readonly sender?: string;
  readonly recipient?: string;
}

export interface DeferredEvent extends RecipientAttempt {
  readonly type: 'deferred';
  readonly nextAttemptAt: number;
}

/** The recipient has now waited longer than `delivery.delayWarning`: an RFC 3464 "delayed" notice is due. */
export interface DelayedEvent {
  readonly type: 'delayed';
  readonly queueId: string;
  readonly at: number;
  readonly recipient: string;
  readonly queuedForMs: number;
}

export interface DeliveredEvent extends RecipientAttempt {
  readonly type: 'delivered';
  /** The next hop offered DSN and took NOTIFY: it reports success itself (RFC 3461 §5.2.2). */
  readonly noticePassedOn?: true;
}

export interface BouncedEvent extends RecipientAttempt {
  readonly type: 'bounced';
}

/** Still undeliverable when `queue.lifetime` ran out. */
export interface ExpiredEvent extends RecipientAttempt {
  readonly type: 'expired';
}

export interface QueueActionEvent {
  readonly type: 'held' | 'released';
  readonly queueId: string;
  readonly at: number;
  /** Why, when Baton held the message itself (a content check's `hold`, e.g. "mail-auth: dmarc=fail ..."). */
  readonly reason?: string;
}

export interface DeletedEvent {
  readonly type: 'deleted';
  readonly queueId: string;
  readonly at: number;
  /** operator: `baton queue delete`; finished: retired after its DSN was queued. */
  readonly reason: 'operator' | 'finished';
}

/** Delivery shaping changed for a provider or site (DESIGN §9 Throttle): the adaptive back-off at work. */
export interface ShapedEvent {
  readonly type: 'shaped';
  readonly at: number;
  /** "provider:google", "site:site:mx1.example.net,..." */
  readonly scope: string;
  readonly action: 'slowed' | 'paused' | 'recovered';
  /** Starts per second now in force (slowed; recovered to a configured rate); absent: no limit. */
  readonly rate?: number;
  /** Paused until then. */
  readonly until?: number;
  /** The remote reply that asked for it. */
  readonly reply?: SmtpReply;
}

/**
 * A DKIM signing key changed state (keygen, rotation, the switch once DNS
 * publishes it, retirement): who signs a domain's mail now (RFC 6376).
 */
export interface DkimKeyEvent {
  readonly type: 'dkim-key';
  readonly at: number;
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
  /** The state entered: pending-dns, active, retiring or retired. */
  readonly state: string;
  /** The state left; absent for a new key. */
  readonly from?: string;
  /** Why, in words: "dns published", "replaced by s2", "retire-after elapsed", "rotate-every". */
  readonly reason?: string;
}

/**
 * A recipient was not queued because the suppression store lists it
 * (intake: mail from sources other than authenticated submission, which is
 * refused at RCPT instead). The message's other recipients go on.
 */
export interface SuppressedEvent {
  readonly type: 'suppressed';
  readonly queueId: string;
  readonly at: number;
  readonly recipient: string;
  /** The entry's reason: hard-bounce, complaint, unsubscribe or manual. */
  readonly reason: string;
  /** "global" or the sending domain the entry is scoped to. */
  readonly scope: string;
}

/** The suppression store changed: an address added (a hard bounce, a complaint, an unsubscribe, an operator) or removed. */
export interface SuppressionChangeEvent {
  readonly type: 'suppression-added' | 'suppression-removed';
  readonly at: number;
  /** Lower case "local@domain". */
  readonly address: string;
  /** The sending domain it is scoped to; absent: global. */
  readonly domain?: string;
  /** Added: why (hard-bounce, complaint, unsubscribe, manual). */
  readonly reason?: string;
  /** What fed it: a queue id, "arf:<reporter>", "csv:<file>", "cli". */
  readonly source?: string;
}

/**
 * A bounce (a DSN, RFC 3464, or a non-standard one recognised by its
 * wording) arrived at the VERP return path, one per recipient it reports.
 * Matched: `queueId` and `recipient` are the original message's; a report
 * that matched nothing is still recorded (`unmatched` says why), and
 * suppresses nothing.
 */
export interface BounceReceivedEvent {
  readonly type: 'bounce-received';
  readonly at: number;
  /** The original message. */
  readonly queueId?: string;
  /** The original recipient it reports on. */
  readonly recipient?: string;
  /** dsn: a multipart/report; pattern: recognised by wording; unrecognised: neither. */
  readonly format: 'dsn' | 'pattern' | 'unrecognised';
  /** RFC 3464 §2.3.3 Action: failed, delayed, delivered, relayed, expanded. */
  readonly action?: string;
  /** RFC 3464 §2.3.4 Status, e.g. "5.1.1". */
  readonly status?: string;
  /** RFC 3464 §2.3.6 Diagnostic-Code, or the matched text. */
  readonly diagnostic?: string;
  readonly classification?: EventClassification;
  /** Reporting-MTA, else the client that sent the report. */
  readonly reportedBy?: string;
  /** Why it could not be matched to a message or recipient. */
  readonly unmatched?: string;
}

/** A feedback report (ARF, RFC 5965) said a recipient complained about a message. */
export interface ComplainedEvent {
  readonly type: 'complained';
  readonly at: number;
  /** The original message. */
  readonly queueId?: string;
  /** The complainer: the original recipient. */
  readonly recipient?: string;
  /** RFC 5965 §3.1 Feedback-Type: abuse, fraud, virus, other, not-spam. */
  readonly feedbackType?: string;
  /** Who sent the report (Reporting-MTA, User-Agent, or the client). */
  readonly reportedBy?: string;
  /** Why it could not be matched to a message or complainer. */
  readonly unmatched?: string;
}

/**
 * An authenticated user's MAIL or RCPT was deferred (451 4.7.1) because it
 * reached a sending quota (docs/deliverability.md#quotas).
 */
export interface QuotaExceededEvent {
  readonly type: 'quota-exceeded';
  readonly at: number;
  readonly user: string;
  /** messagesPerHour, messagesPerDay, recipientsPerMessage or recipientsPerDay. */
  readonly limit: string;
  /** The limit's value. */
  readonly max: number;
  readonly window: 'hour' | 'day' | 'message';
  /** When the window ends and mail is accepted again (absent for recipientsPerMessage). */
  readonly retryAt?: number;
  readonly clientIp: string;
}

/**
 * A user was contained (docs/deliverability.md#containment): its new mail is
 * queued held; or an operator lifted that and released its held messages.
 */
export interface ContainmentEvent {
  readonly type: 'contained' | 'containment-lifted';
  readonly at: number;
  readonly user: string;
  /** contained: rate, bounces or complaints. */
  readonly trigger?: string;
  /** contained: why, in words. */
  readonly reason?: string;
  /** containment-lifted: how many held messages of the user were released. */
  readonly released?: number;
}

/**
 * Failed SMTP AUTH from a client reached a limit (the `auth-failures` check):
 * AUTH from that IP (scope `ip`), or for that user from that IP (scope `user`),
 * now gets 454 4.7.0 until the failures age out of the window.
 */
export interface AuthBlockedEvent {
  readonly type: 'auth-blocked';
  readonly at: number;
  readonly clientIp: string;
  readonly scope: 'ip' | 'user';
  /** The login name (lower case), for scope `user`. */
  readonly user?: string;
  /** The failures that set the block off (the configured limit). */
  readonly failures: number;
  /** The window the failures are counted over. */
  readonly windowMs: number;
}

/**
 * A webhook endpoint failed every POST for `webhooks.disableAfter` and was
 * disabled (docs/api.md#webhooks). Its cursor stays where it was:
 * re-enabling it resumes from there.
 */
export interface WebhookDisabledEvent {
  readonly type: 'webhook-disabled';
  readonly at: number;
  readonly webhookId: string;
  readonly url: string;
  /** Why, in words: the last failure and how long it has been failing. */
  readonly reason: string;
  /** Failed POSTs in a row. */
  readonly failures: number;
  /** When the run of failures began. */
  readonly failingSince: number;
}

export type BatonEvent =
  | AcceptedEvent
  | RejectedEvent
  | DeferredEvent
  | DelayedEvent
  | DeliveredEvent
  | BouncedEvent
  | ExpiredEvent
  | QueueActionEvent
  | DeletedEvent
  | ShapedEvent
  | DkimKeyEvent
  | SuppressedEvent
  | SuppressionChangeEvent
  | BounceReceivedEvent
  | ComplainedEvent
  | QuotaExceededEvent
  | ContainmentEvent
  | AuthBlockedEvent
  | WebhookDisabledEvent;

export type EventType = BatonEvent['type'];

export const EVENT_TYPES: readonly EventType[] = ['accepted', 'rejected', 'deferred', 'delayed', 'delivered', 'bounced', 'expired', 'held', 'released', 'deleted', 'shaped', 'dkim-key', 'suppressed', 'suppression-added', 'suppression-removed', 'bounce-received', 'complained', 'quota-exceeded', 'contained', 'containment-lifted', 'auth-blocked', 'webhook-disabled'];

/** An event as stored: its id orders events and is never reused (the cursor of `readEvents`). */
export interface StoredEvent {
  readonly id: number;
  readonly event: BatonEvent;
}

/** The queue id an event concerns, if any. */
export function eventQueueId(e: BatonEvent): string | undefined {
  return 'queueId' in e ? e.queueId : undefined;
}

