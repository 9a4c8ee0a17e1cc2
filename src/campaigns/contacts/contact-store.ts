import type { Contact, ContactStatus } from '../types.js';

/**
 * The contact store (DESIGN §9 Store): contacts, lists, memberships and
 * consents in the queue's database (contact-migrations.ts). Every backend
 * passes contact-store.contract.ts. A contact's status is read from the
 * suppressions table in the same database (see `statusSql`), never stored.
 * The store only keeps rows; the change sink and consent policy live in
 * contacts.ts (the Contacts service).
 */

export type MemberStatus = 'pending' | 'subscribed' | 'unsubscribed';
export type OptIn = 'single' | 'double';

export interface ContactList {
  readonly id: number;
  readonly name: string;
  readonly optIn: OptIn;
  readonly description?: string;
  readonly confirmFrom?: string;
  readonly createdAt: number;
  readonly counts: { readonly subscribed: number; readonly pending: number; readonly unsubscribed: number };
}

export interface NewList {
  readonly name: string;
  readonly optIn: OptIn;
  readonly description?: string;
  readonly confirmFrom?: string;
}

export interface Membership {
  readonly id: number;
  readonly name: string;
  readonly status: MemberStatus;
}

/** A contact with what the API shows of it. */
export interface ContactDetail extends Contact {
  readonly status: ContactStatus;
  readonly lists: readonly Membership[];
}

export interface Consent {
  readonly action: string;
  readonly source: string;
  readonly listId?: number;
  readonly ip?: string;
  readonly at: number;
  readonly detail?: string;
}

export interface ContactQuery {
  /** Members of this list (any member status). */
  readonly list?: number;
  readonly status?: ContactStatus;
  /** Addresses starting with this text (lower-cased). */
  readonly q?: string;
  /** Cursor: ids greater than this. */
  readonly afterId?: number;
  readonly limit: number;
}

/** What an upsert changed: the contact after, and the attributes before (null: created). */
export interface UpsertResult {
  readonly contact: Contact;
  readonly before: Readonly<Record<string, unknown>> | null;
}

/** One row of a bulk import: attributes merged into the contact of that address. */
export interface ImportRow {
  readonly address: string;
  readonly attributes: Readonly<Record<string, unknown>>;
}

export interface ImportBatchResult {
  readonly created: number;
  readonly updated: number;
  /** Contacts that became subscribed members of the list in this batch (for joinedList). */
  readonly joined: readonly Contact[];
}

/** Export row: the contact, its status and the names of lists it is a subscribed member of. */
export interface ExportRow extends Contact {
  readonly status: ContactStatus;
  readonly lists: readonly string[];
}

export interface ContactStore {
  /** Insert or merge attributes into the contact of `address` (a null value removes the key). */
  upsert(address: string, attributes: Readonly<Record<string, unknown>>, now: number): Promise<UpsertResult>;
  get(id: number): Promise<ContactDetail | undefined>;
  byAddress(address: string): Promise<ContactDetail | undefined>;
  /** In id order. */
  list(q: ContactQuery): Promise<ContactDetail[]>;
  /** Merge attributes (null removes); undefined when there is no such contact. */
  patch(id: number, attributes: Readonly<Record<string, unknown>>, now: number): Promise<UpsertResult | undefined>;
  delete(id: number): Promise<boolean>;

  createList(list: NewList, now: number): Promise<ContactList>;
  getList(id: number): Promise<ContactList | undefined>;
  listByName(name: string): Promise<ContactList | undefined>;
  lists(): Promise<ContactList[]>;
  deleteList(id: number): Promise<boolean>;

  /**
   * Set a contact's membership of a list. `ifNot`: leave a member whose status
   * is one of these alone (subscribe must not demote subscribed to pending).
   * Returns the status before (undefined: not a member).
   */
  setMember(listId: number, contactId: number, status: MemberStatus, now: number, opts?: { readonly keep?: readonly MemberStatus[] }): Promise<MemberStatus | undefined>;
  member(listId: number, contactId: number): Promise<MemberStatus | undefined>;

  addConsent(contactId: number, consent: Consent): Promise<void>;
  consents(contactId: number): Promise<Consent[]>;

  /**
   * One batch of an import in one transaction: upsert each row (attributes
   * merged), and with `listId` make each a subscribed member with an
   * `imported` consent. Rows repeating an address: the last wins.
   */
  importBatch(rows: readonly ImportRow[], now: number, listId?: number): Promise<ImportBatchResult>;
  /** Export in id order, `pageSize` rows at a time. */
  exportRows(opts: { readonly list?: number }): AsyncIterable<ExportRow>;
  /** Addresses (of `addresses`) with a global suppression entry (import rejects them). */
  globallySuppressed(addresses: readonly string[]): Promise<Set<string>>;

  /** Add one occurrence of an activity (delivered, bounced, …) for an address. */
  recordActivity(address: string, event: string, at: number): Promise<void>;
  activity(address: string): Promise<{ event: string; lastAt: number; count: number }[]>;
  /** The id of the last outbox event the activity projector took (0: none). */
  activityCursor(): Promise<number>;
  /** Add `rows` and move the cursor from `from` to `to` in one commit; ActivityCursorMoved if it is not at `from`. */
  applyActivity(from: number, to: number, rows: readonly ActivityRow[]): Promise<void>;
  close(): Promise<void>;
}

export interface ActivityRow {
  readonly address: string;
  readonly event: string;
  readonly at: number;
}

/** Another projector moved the activity cursor first (OutboxProjector goes on from `found`). */
export class ActivityCursorMoved extends Error {
  override readonly name = 'ActivityCursorMoved';
  constructor(readonly found: number) {
    super(`the contact activity cursor is at ${found}`);
  }
}

/** Merge `patch` into `base`: a null value removes the key. */
export function mergeAttributes(base: Readonly<Record<string, unknown>>, patch: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

/**
 * The status of contact alias `c` as SQL over the suppressions table (same
 * in both dialects). Any entry counts, global or scoped to any sending domain,
 * unexpired: a hard bounce anywhere means bounced, a complaint complained, an
 * unsubscribe or manual entry unsubscribed. `now` is inlined (an integer we
 * made, repeated three times: positional placeholders could not share it).
 */
export function statusSql(now: number): string {
  const nowParam = String(Math.floor(now));
  const has = (reasons: string) =>
    `EXISTS (SELECT 1 FROM suppressions s WHERE s.address = c.address AND s.reason IN (${reasons}) AND (s.expires_at IS NULL OR s.expires_at > ${nowParam}))`;
  return `CASE WHEN ${has(`'hard-bounce'`)} THEN 'bounced' WHEN ${has(`'complaint'`)} THEN 'complained' WHEN ${has(`'unsubscribe', 'manual'`)} THEN 'unsubscribed' ELSE 'subscribed' END`;
}

export const EXPORT_PAGE = 1000;
