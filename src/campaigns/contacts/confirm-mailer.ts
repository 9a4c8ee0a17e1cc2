import type { ApiKeyStore } from '../../api/keys/index.js';
import type { ApiSender } from '../../api/send/index.js';
import { composeMessage } from '../../api/send/index.js';
import type { ApiCaller } from '../../api/route.js';
import type { Clock } from '../../core/index.js';
import { ContactsError, type ConfirmationMailer } from './contacts.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The double opt-in mail, sent through ApiSender.sendPrepared as the API key
 * that asked (its domains, quotas, checks, DKIM), stream transactional: a
 * confirmation is an answer to the person's own request, not bulk mail.
 * `sender` is read when a mail goes (main.ts builds the ApiSender after the
 * public pages are mounted).
 */
export function apiConfirmationMailer(deps: { readonly sender: () => ApiSender | undefined; readonly keys: ApiKeyStore; readonly clock: Clock; readonly hostname: string }): ConfirmationMailer {
  return {
    async send({ apiKey, from, to, list, url }) {
      const sender = deps.sender();
      if (!sender) throw new ContactsError('no-double-opt-in', 'this node does not send over the API (no intake): it cannot mail the confirmation');
      const key = await deps.keys.byName(apiKey);
      if (!key || key.revokedAt !== undefined) throw new ContactsError('no-double-opt-in', `the API key "${apiKey}" that sends confirmations does not exist or is revoked (campaigns.contacts.formApiKey)`);
      const caller: ApiCaller = { keyId: key.id, name: key.name, scopes: key.scopes, domains: key.domains };
      const sendFrom = from ?? (key.domains[0] ? `no-reply@${key.domains[0]}` : undefined);
      if (!sendFrom) throw new ContactsError('no-double-opt-in', `list "${list.name}" has no confirmFrom and the API key "${apiKey}" names no domain: set the list's confirmFrom`);
      const subject = `Please confirm your subscription to ${list.name}`;
      const text = `Someone (hopefully you) asked to subscribe ${to} to "${list.name}".\n\nTo confirm, open this link and press the button:\n${url}\n\nIf it was not you, ignore this mail: nothing happens without the confirmation.\n`;
      const html = `<p>Someone (hopefully you) asked to subscribe ${escapeHtml(to)} to &ldquo;${escapeHtml(list.name)}&rdquo;.</p><p><a href="${escapeHtml(url)}">Confirm the subscription</a></p><p>If it was not you, ignore this mail: nothing happens without the confirmation.</p>`;
      const m = await composeMessage({ from: sendFrom, to, subject, text, html }, { hostname: deps.hostname, now: deps.clock.now() });
      await sender.sendPrepared(caller, { mailFrom: m.mailFrom, recipients: m.recipients, content: m.content, stream: 'transactional', subject, tags: ['double-opt-in'] });
    },
  };
}
