/** The API's contact and list shapes (issue 15, part A: tag `contacts`), as the pages read them. Times are ms epoch. */

/** A page of a list route: `{ items, next? }`; `next` goes back as `?cursor=`. */
export interface Items<T> {
  readonly items: T[];
  readonly next?: string | number | null;
}

export type OptIn = 'single' | 'double';
export type ContactStatus = 'subscribed' | 'unsubscribed' | 'bounced' | 'complained';
export type MembershipStatus = 'pending' | 'subscribed' | 'unsubscribed';

export interface ListView {
  readonly id: number;
  readonly name: string;
  readonly optIn: OptIn;
  readonly description?: string | null;
  readonly confirmFrom?: string | null;
  readonly counts: { readonly subscribed: number; readonly pending: number; readonly unsubscribed: number };
  readonly createdAt: number;
}

export interface ContactView {
  readonly id: number;
  readonly address: string;
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly status: ContactStatus;
  readonly lists: readonly { readonly id: number; readonly name: string; readonly status: MembershipStatus }[];
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** POST /api/v1/contacts/import's answer. */
export interface ImportReport {
  readonly total: number;
  readonly created: number;
  readonly updated: number;
  /** Row: the data row (1: the first after the header). The list may be cut short: `rejectedCount` counts them all. */
  readonly rejected: readonly { readonly row: number; readonly address: string; readonly reason: string }[];
  readonly rejectedCount?: number;
}

/** `{plan: "pro", seats: 3}` → `plan=pro, seats=3`: attributes on one line of a table. */
export function attributesText(attrs: Readonly<Record<string, unknown>>): string {
  return Object.entries(attrs)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
}
