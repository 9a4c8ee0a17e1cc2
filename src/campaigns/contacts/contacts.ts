import type { Clock } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { Suppressions } from '../../suppression/index.js';
import type { Contact, ContactChangeSink } from '../types.js';
import type { ConfirmTokens } from './confirm-tokens.js';
import type { ContactDetail, ContactList, ContactStore, MemberStatus } from './contact-store.js';

/** Sends one double opt-in confirmation mail (confirm-mailer.ts: ApiSender.sendPrepared, stream transactional). */
export interface ConfirmationMailer {
  send(req: { readonly apiKey: string; readonly from: string | undefined; readonly to: string; readonly list: ContactList; readonly url: string }): Promise<void>;
}

/** What double opt-in needs: without it (no `unsubscribe` configured) a double opt-in subscribe is refused. */
export interface DoubleOptIn {
  readonly tokens: ConfirmTokens;
  /** `unsubscribe.baseUrl`, no trailing slash. */
  readonly baseUrl: string;
  readonly mailer: ConfirmationMailer;
}

export class ContactsError extends Error {
  override readonly name = 'ContactsError';
  constructor(
    readonly code: 'not-found' | 'no-double-opt-in' | 'bad-token' | 'suppressed',
    message: string,
  ) {
    super(message);
  }
}

export interface ContactsDeps {
  readonly store: ContactStore;
  /** The global unsubscribe writes a suppression (and its event) through the service. */
  readonly suppressions: Suppressions;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Flows plug in here (types.ts); absent: nobody listens. */
  readonly sink?: ContactChangeSink;
  readonly doubleOptIn?: DoubleOptIn;
}

/**
 * Contacts and lists as the API, CLI and public pages use them: the store's
 * rows plus consent records and the change sink, called after each commit
 * (a sink failure is logged, never undoes the change).
 */
export class Contacts {
  constructor(readonly deps: ContactsDeps) {}

  get store(): ContactStore {
    return this.deps.store;
  }

  /** Upsert by address; `lists`: join each (admin action: subscribed at once, whatever the list's opt-in). */
  async upsert(address: string, attributes: Readonly<Record<string, unknown>>, lists: readonly number[] = [], source = 'api'): Promise<ContactDetail> {
    const now = this.deps.clock.now();
    for (const id of lists) if (!(await this.store.getList(id))) throw new ContactsError('not-found', `list ${id} does not exist`);
    const r = await this.store.upsert(address.trim().toLowerCase(), attributes, now);
    await this.attributeChanges(r.contact, r.before ?? {}, now);
    for (const id of lists) await this.join(r.contact, id, 'subscribed', source, undefined);
    return (await this.store.get(r.contact.id)) as ContactDetail;
  }

  async patch(id: number, attributes: Readonly<Record<string, unknown>>): Promise<ContactDetail> {
    const now = this.deps.clock.now();
    const r = await this.store.patch(id, attributes, now);
    if (!r) throw new ContactsError('not-found', `contact ${id} does not exist`);
    await this.attributeChanges(r.contact, r.before ?? {}, now);
    return (await this.store.get(id)) as ContactDetail;
  }

  /** Leave one list, or (no list) unsubscribe globally: a suppression with reason unsubscribe. */
  async unsubscribe(id: number, listId: number | undefined, source = 'api'): Promise<ContactDetail> {
    const now = this.deps.clock.now();
    const c = await this.store.get(id);
    if (!c) throw new ContactsError('not-found', `contact ${id} does not exist`);
    if (listId !== undefined) {
      if ((await this.store.member(listId, id)) === undefined) throw new ContactsError('not-found', `contact ${id} is not on list ${listId}`);
      await this.store.setMember(listId, id, 'unsubscribed', now);
      await this.store.addConsent(id, { action: 'unsubscribed', source, listId, at: now });
    } else {
      await this.deps.suppressions.add([{ address: c.address, reason: 'unsubscribe', source: `contacts:${source}`, createdAt: now }]);
      await this.store.addConsent(id, { action: 'unsubscribed', source, at: now });
    }
    return (await this.store.get(id)) as ContactDetail;
  }

  /**
   * Subscribe `address` to a list as `apiKey` (the key that called, or the
   * hosted form's): single opt-in joins at once; double opt-in makes it
   * pending and mails the confirmation link. A subscribed member stays so.
   */
  async subscribe(listId: number, address: string, attributes: Readonly<Record<string, unknown>>, o: { readonly apiKey: string; readonly source: string; readonly ip?: string }): Promise<{ contact: ContactDetail; status: 'pending' | 'subscribed' }> {
    const list = await this.store.getList(listId);
    if (!list) throw new ContactsError('not-found', `list ${listId} does not exist`);
    const dbl = this.deps.doubleOptIn;
    if (list.optIn === 'double' && !dbl) {
      throw new ContactsError('no-double-opt-in', 'double opt-in needs the public links endpoint: configure `unsubscribe` (baseUrl, secrets, address) so confirmation links can be signed and served');
    }
    const key = address.trim().toLowerCase();
    if ((await this.store.globallySuppressed([key])).has(key)) throw new ContactsError('suppressed', `${key} is on the suppression list; it cannot be subscribed`);
    const now = this.deps.clock.now();
    const r = await this.store.upsert(key, attributes, now);
    await this.attributeChanges(r.contact, r.before ?? {}, now);
    if (list.optIn === 'single' || !dbl) {
      await this.join(r.contact, listId, 'subscribed', o.source, o.ip);
      return { contact: (await this.store.get(r.contact.id)) as ContactDetail, status: 'subscribed' };
    }
    const was = await this.store.setMember(listId, r.contact.id, 'pending', now, { keep: ['subscribed'] });
    if (was === 'subscribed') return { contact: (await this.store.get(r.contact.id)) as ContactDetail, status: 'subscribed' };
    await this.store.addConsent(r.contact.id, { action: 'requested', source: o.source, listId, at: now, ...(o.ip ? { ip: o.ip } : {}) });
    const url = `${dbl.baseUrl}/confirm/${dbl.tokens.issue(r.contact.id, listId)}`;
    await dbl.mailer.send({ apiKey: o.apiKey, from: list.confirmFrom, to: key, list, url });
    return { contact: (await this.store.get(r.contact.id)) as ContactDetail, status: 'pending' };
  }

  /** The facts a confirmation token stands for (no change): the GET page shows them. */
  async checkToken(token: string): Promise<{ contact: ContactDetail; list: ContactList }> {
    const dbl = this.deps.doubleOptIn;
    const check = dbl?.tokens.verify(token);
    if (!check?.ok) throw new ContactsError('bad-token', check ? `the link is ${check.problem}` : 'no confirmation links here');
    const contact = await this.store.get(check.request.contactId);
    const list = await this.store.getList(check.request.listId);
    if (!contact || !list) throw new ContactsError('not-found', 'this contact or list no longer exists');
    return { contact, list };
  }

  /** POST of the confirmation link: pending (or left) → subscribed, with a `confirmed` consent. Repeats are harmless. */
  async confirm(token: string, ip: string | undefined): Promise<{ contact: ContactDetail; list: ContactList }> {
    const { contact, list } = await this.checkToken(token);
    await this.join(contact, list.id, 'confirmed', 'link', ip);
    return { contact: (await this.store.get(contact.id)) as ContactDetail, list };
  }

  /** Make a subscribed member (consent `action`) and tell the sink, unless already subscribed. */
  private async join(contact: Contact, listId: number, action: string, source: string, ip: string | undefined): Promise<void> {
    const now = this.deps.clock.now();
    const was: MemberStatus | undefined = await this.store.setMember(listId, contact.id, 'subscribed', now);
    if (was === 'subscribed') return;
    await this.store.addConsent(contact.id, { action, source, listId, at: now, ...(ip ? { ip } : {}) });
    await this.notify(() => this.deps.sink?.joinedList(contact, listId, now));
  }

  /** Tell the sink of each attribute whose value changed (compared as JSON). */
  async attributeChanges(contact: Contact, before: Readonly<Record<string, unknown>>, at: number): Promise<void> {
    const sink = this.deps.sink;
    if (!sink) return;
    for (const name of new Set([...Object.keys(before), ...Object.keys(contact.attributes)])) {
      const a = before[name];
      const b = contact.attributes[name];
      if (JSON.stringify(a) !== JSON.stringify(b)) await this.notify(() => sink.attributeChanged(contact, name, a, b, at));
    }
  }

  /** Contacts that joined a list by import: one joinedList each. */
  async joinedByImport(joined: readonly Contact[], listId: number, at: number): Promise<void> {
    if (!this.deps.sink) return;
    for (const c of joined) await this.notify(() => this.deps.sink?.joinedList(c, listId, at));
  }

  private async notify(fn: () => Promise<void> | void | undefined): Promise<void> {
    try {
      await fn();
    } catch (err) {
      // The change is committed; a listener's failure must not turn it into an error for the caller.
      this.deps.logger.warn({ err }, 'contact change sink failed');
    }
  }
}
