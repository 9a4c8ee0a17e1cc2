/**
 * An egress source (DESIGN §7): the local address a delivery connection binds
 * and the name it says in EHLO. The throttle picks one per attempt (the
 * egress pool of the job's stream or user, within the source's warm-up
 * allowance) and hands it to the transport on the slot; a job without one
 * uses the host's default address and `delivery.heloName`.
 */
export interface EgressSource {
  readonly name: string;
  /** Local IP address to bind; absent: the host's default route decides. */
  readonly address?: string;
  /** EHLO name for connections from this source (its PTR name, RFC 5321 §4.1.1.1). */
  readonly ehlo?: string;
}
