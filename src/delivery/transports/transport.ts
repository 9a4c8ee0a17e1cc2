import type { MessageParts } from '../../core/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';

/**
 * A way to hand mail on (DESIGN §9 Transport): SMTP to MX hosts or a
 * smarthost, LMTP to a mailbox server, a Maildir. The engine knows only this
 * interface; the router picks the transport for a route.
 */
export interface Transport {
  /**
   * Find the job's site before it is queued: the SMTP transport resolves the
   * MX set here, so domains hosted on the same MX hosts share one site (one
   * connection limit, one back-off). Without it the router's site stands.
   */
  locate?(job: DeliveryJob): Promise<DeliveryJob>;
  /**
   * One attempt for the job's recipients. Every remote failure is an outcome
   * (data), never a rejection: only our own bugs throw.
   */
  send(job: DeliveryJob, message: MessageParts): Promise<RecipientVerdict[]>;
}
