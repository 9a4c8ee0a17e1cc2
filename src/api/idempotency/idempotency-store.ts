/**
 * Idempotency keys for the send routes (draft-ietf-httpapi-idempotency-key-header):
 * per API key, what a request with a given `Idempotency-Key` did, so a retry
 * gets the first answer and nothing is sent twice.
 *
 * A key is reserved (pending) before the message goes to intake, given the
 * answer it will get (prepared) just before the enqueue, and completed after
 * it. A process that dies in between leaves a pending row naming the queue id
 * it meant to use: the next request with that key looks the id up in the
 * events (`api/idempotency/idempotent.ts`) instead of sending again.
 */

/** A stored answer: the HTTP status and the JSON body, as first sent. */
export interface StoredAnswer {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
}

export interface IdempotencyRecord {
  /** The API key's name: keys of different API keys never meet. */
  readonly owner: string;
  readonly key: string;
  /** SHA-256 of the method, path and body: the same key with another request is a conflict. */
  readonly requestHash: string;
  /** The queue id the request uses (chosen at reservation, so a crash can be traced). */
  readonly queueId: string;
  /** The process that holds a pending reservation (a random id per start). */
  readonly holder: string;
  readonly state: 'pending' | 'done';
  /** pending: the answer prepared before the enqueue (absent before the checks passed); done: the answer sent. */
  readonly answer?: StoredAnswer;
  readonly createdAt: number;
  readonly expiresAt: number;
}

export type NewReservation = Omit<IdempotencyRecord, 'state' | 'answer'>;

export type Reservation = { readonly reserved: true } | { readonly reserved: false; readonly existing: IdempotencyRecord };

export interface IdempotencyStore {
  /** Reserve the key (pending), unless a row that has not expired holds it: then that row. Atomic. */
  reserve(r: NewReservation, now: number): Promise<Reservation>;
  /** Note the answer a pending reservation will give if its enqueue commits. */
  prepare(owner: string, key: string, holder: string, answer: StoredAnswer): Promise<void>;
  /** The request is done: keep its answer until the row expires. */
  complete(owner: string, key: string, answer: StoredAnswer): Promise<void>;
  /** Drop a reservation whose request sent nothing (a temporary failure): a retry runs afresh. */
  release(owner: string, key: string, holder: string): Promise<void>;
  /** Move a pending reservation from a dead holder to `to`; false when another took it first. */
  takeOver(owner: string, key: string, from: string, to: string): Promise<boolean>;
  /** Delete expired rows; returns how many. */
  prune(now: number): Promise<number>;
  close(): Promise<void>;
}
