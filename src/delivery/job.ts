import type { Mailbox } from '../core/index.js';
import type { EgressSource } from './egress/egress-source.js';
import type { MessageSummary, RecipientRow } from '../queue/index.js';
import type { SiteResolution } from './mx.js';
import type { Outcome } from './outcome.js';
import type { Route } from './route.js';
import type { Transport } from './transports/transport.js';

/** One attempt's unit of work: some recipients of one message, all of one domain and so of one site. */
export interface DeliveryJob {
  readonly message: MessageSummary;
  readonly recipients: readonly RecipientRow[];
  readonly domain: string;
  readonly route: Route;
  /** Chosen by the router from the route. */
  readonly transport: Transport;
  /** The site the job is queued under (DESIGN §7): its connection limit and back-off. */
  readonly siteKey: string;
  /** The message, when it came straight from intake (no need to read it back). */
  readonly body?: Buffer;
  /** The MX resolution made when the job was placed (MX routes). */
  readonly mx?: SiteResolution;
  /** Transactions per connection for this destination, when a shaping rule sets it (the throttle's slot). */
  readonly messagesPerConnection?: number;
  /** The egress source of this attempt (the throttle's slot); absent: the host's default address and EHLO name. */
  readonly egress?: EgressSource;
  /** MAIL FROM on the wire when it is not the stored sender (VERP); the stored sender still gets our DSNs. */
  readonly returnPath?: Mailbox;
}

/** One recipient's result of an attempt. */
export interface RecipientVerdict {
  readonly row: RecipientRow;
  readonly outcome: Outcome;
  readonly remoteMta?: string;
  /** Delivered to a next hop that took NOTIFY=SUCCESS on: it reports success itself (RFC 3461 §5.2.2). */
  readonly noticePassedOn?: true;
}
