import type { ApiKeyStore } from '../../api/keys/index.js';
import type { ApiRoute } from '../../api/route.js';
import type { ApiSender } from '../../api/send/index.js';
import type { Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import type { EventBus, EventStore } from '../../events/index.js';
import type { Logger } from '../../log/index.js';
import type { Suppressions } from '../../suppression/index.js';
import type { PublicMount } from '../../unsubscribe/index.js';
import type { ContactChangeSink } from '../types.js';
import { ContactActivityProjector } from './activity-projector.js';
import { apiConfirmationMailer } from './confirm-mailer.js';
import { ConfirmTokens } from './confirm-tokens.js';
import { contactRoutes } from './contact-routes.js';
import type { ContactStore } from './contact-store.js';
import { Contacts } from './contacts.js';
import { contactPublicPages } from './public-pages.js';

export { ContactActivityProjector, activityOf } from './activity-projector.js';
export { ConfirmTokens } from './confirm-tokens.js';
export { contactRoutes } from './contact-routes.js';
export { ActivityCursorMoved, mergeAttributes, statusSql, type ContactDetail, type ContactList, type ContactStore, type MemberStatus, type OptIn } from './contact-store.js';
export { Contacts, ContactsError, type ConfirmationMailer, type DoubleOptIn } from './contacts.js';
export { ContactCsvError, exportContactsCsv, importContactsCsv, type ContactImportReport } from './contacts-csv.js';
export { CONTACTS_SCHEMA } from './contact-migrations.js';
export { PG_CONTACTS_SCHEMA } from './pg-contact-migrations.js';
export { openSqliteContactStore } from './sqlite-contact-store.js';
export { openPgContactStore } from './pg-contact-store.js';

export interface ContactsPartDeps {
  readonly store: ContactStore;
  readonly suppressions: Suppressions;
  readonly apiKeys: ApiKeyStore;
  /** Read when a confirmation mail goes: main.ts builds the ApiSender after the public pages are mounted. */
  readonly apiSend: () => ApiSender | undefined;
  readonly events: Pick<EventStore, 'readEvents'>;
  readonly bus?: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Flows (part D) plug in here. */
  readonly sink?: ContactChangeSink;
}

export interface ContactsPart {
  readonly contacts: Contacts;
  /** Public pages for `buildUnsubscribe(config, { mounts })`: confirmation links and the hosted form. */
  readonly mounts: readonly PublicMount[];
  readonly routes: ApiRoute[];
  /** The outbox → contact_activity projection; a singleton loop (cluster leases). */
  readonly projector: ContactActivityProjector;
}

/**
 * Contacts and lists (docs/campaigns.md#contacts-and-lists). Double opt-in
 * needs `unsubscribe` (its secrets sign the links, its endpoint serves them);
 * without it a double opt-in subscribe is refused with a 409 saying so.
 */
export function buildContacts(config: Pick<Config, 'unsubscribe' | 'campaigns' | 'hostname'>, deps: ContactsPartDeps): ContactsPart {
  const u = config.unsubscribe;
  const doubleOptIn = u
    ? {
        tokens: new ConfirmTokens({ keys: u.secrets, clock: deps.clock, maxAgeMs: config.campaigns.contacts.confirmMaxAge }),
        baseUrl: u.baseUrl,
        mailer: apiConfirmationMailer({ sender: deps.apiSend, keys: deps.apiKeys, clock: deps.clock, hostname: config.hostname }),
      }
    : undefined;
  const contacts = new Contacts({
    store: deps.store,
    suppressions: deps.suppressions,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.sink ? { sink: deps.sink } : {}),
    ...(doubleOptIn ? { doubleOptIn } : {}),
  });
  const formApiKey = config.campaigns.contacts.formApiKey;
  return {
    contacts,
    mounts: [contactPublicPages({ contacts, clock: deps.clock, logger: deps.logger, ...(formApiKey !== undefined ? { formApiKey } : {}) })],
    routes: contactRoutes(() => contacts),
    projector: new ContactActivityProjector({ contacts: deps.store, events: deps.events, logger: deps.logger, ...(deps.bus ? { bus: deps.bus } : {}) }),
  };
}
