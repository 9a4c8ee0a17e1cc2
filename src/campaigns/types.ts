import type { SendLogEntry } from '../queue/index.js';

/**
 * The seams between the parts of campaigns/ (DESIGN §9): contacts/ owns the
 * people and their lists, segments/ turns a JSON filter into SQL over the
 * contacts tables, templates/ renders Liquid, sending/ turns (contact,
 * template) into a queued message exactly once and runs campaigns, flows/
 * runs automations. Parts talk only through these interfaces; main.ts wires
 * them (campaigns/index.ts buildCampaigns).
 */

export type ContactId = number;

/** A contact's standing, derived from the suppression store (never stored on the contact). */
export type ContactStatus = 'subscribed' | 'unsubscribed' | 'bounced' | 'complained';

export interface Contact {
  readonly id: ContactId;
  /** Lower case "local@domain" (suppressionKey form). */
  readonly address: string;
  /** Free-form JSON attributes (first_name, plan, …): what templates and segments read. */
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** What flows/ listens to: the contact changes that can start an automation (ContactStore calls it after the commit). */
export interface ContactChangeSink {
  /** A contact became a subscribed member of a list (single opt-in at once; double opt-in on confirmation). */
  joinedList(contact: Contact, listId: number, at: number): Promise<void> | void;
  /** An attribute's value changed (absent before or after: undefined). */
  attributeChanged(contact: Contact, name: string, before: unknown, after: unknown, at: number): Promise<void> | void;
}

/** A segment compiled for one SQL dialect: `SELECT c.id FROM contacts c WHERE <where>` with `params`. */
export interface SegmentSql {
  /** Boolean SQL over the alias `c` (contacts); placeholders are `?` on SQLite, `$n` on PostgreSQL. */
  readonly where: string;
  readonly params: readonly unknown[];
}

export type SqlDialect = 'sqlite' | 'postgres';

/** A rendered message for one contact. */
export interface RenderedMessage {
  readonly subject: string;
  readonly html?: string;
  /** Always present: the template's text part, or one made from the HTML. */
  readonly text: string;
}

/** Why a template did not render for a contact (reported per contact, the campaign goes on). */
export interface RenderFailure {
  readonly kind: 'render-failed';
  /** Which part: subject, html or text. */
  readonly part: string;
  /** The Liquid error or the limit hit (time, size), in words. */
  readonly reason: string;
}

/** One templated message to one contact, queued at most once (sending/contact-mailer.ts). */
export interface ContactMailRequest {
  readonly contact: Contact;
  readonly templateId: number;
  /** "Name <local@domain>" or "local@domain": the From field and the envelope sender's domain. */
  readonly from: string;
  readonly stream: 'bulk' | 'transactional';
  /** The egress pool to send from (config `egress.pools`); absent: the usual selection. */
  readonly pool?: string;
  /** The exactly-once key, committed with the enqueue (QueueStore send log). */
  readonly sendLog: SendLogEntry;
  /** The API key whose identity, domains, quotas and stream settings apply. */
  readonly apiKey: string;
  readonly tags?: readonly string[];
  readonly metadata?: Readonly<Record<string, string>>;
}

export type ContactMailResult =
  | { readonly kind: 'queued'; readonly queueId: string }
  /** The send log already holds the key: this contact got it before (a restart, another node). */
  | { readonly kind: 'already-sent' }
  /** The suppression store or the contact's status stopped it. */
  | { readonly kind: 'suppressed'; readonly reason: string }
  | RenderFailure
  /** Checks or quotas refused; `temporary`: try again later (quota, 503), else give up on this contact. */
  | { readonly kind: 'refused'; readonly reason: string; readonly temporary: boolean };

export interface ContactMailer {
  send(req: ContactMailRequest): Promise<ContactMailResult>;
}
