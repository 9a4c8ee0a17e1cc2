/**
 * Greylisting state (DESIGN §9 Store): one record per triplet (client
 * network, sender, recipient) and one per client network. Kept in a store so
 * a cluster of inbound nodes can share it: a client that first tried node A
 * and retries on node B must not start over.
 */
export interface TripletRecord {
  /** When the triplet was first refused (ms). */
  readonly firstSeen: number;
  /** When the client came back after the delay and passed; absent while it waits. */
  readonly passedAt?: number;
  /** The last time the triplet was seen passing (ms), for expiry. */
  readonly lastSeen: number;
}

export interface NetworkRecord {
  /** Triplets of this network that passed greylisting. */
  readonly passes: number;
  /** The network skips greylisting until then (ms); absent until it earned it. */
  readonly allowlistedUntil?: number;
  readonly lastSeen: number;
}

export interface GreylistState {
  readonly triplet?: TripletRecord;
  readonly network?: NetworkRecord;
}

export interface GreylistStore {
  read(triplet: string, network: string): Promise<GreylistState>;
  /**
   * Replace the records given (absent ones are left as they are). `seen`, when
   * given, is the state the change was decided on (what `read` returned): a
   * store shared by several nodes then writes the triplet only if it is still
   * as seen (so the first node to see a triplet decides its first-seen, and a
   * pass is recorded once), and adds the passes the change adds to the
   * network's count instead of overwriting it. A single-node store may ignore it.
   */
  write(triplet: string, network: string, change: GreylistState, seen?: GreylistState): Promise<void>;
  /**
   * Forget triplets still waiting that were first seen before `waitingBefore`,
   * triplets and networks last seen before `seenBefore` (networks only once
   * their allowlisting has ended). Returns how many records went.
   */
  prune(bounds: { readonly waitingBefore: number; readonly seenBefore: number; readonly now: number }): Promise<number>;
  close(): Promise<void>;
}
