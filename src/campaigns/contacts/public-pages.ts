import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Clock } from '../../core/index.js';
import { parseMailbox } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { PublicMount } from '../../unsubscribe/index.js';
import { ContactsError, type Contacts } from './contacts.js';

/**
 * The public double opt-in pages on the unsubscribe endpoint (form bodies,
 * 4 KiB): GET /confirm/TOKEN shows a button and changes nothing (mail link
 * scanners fetch every link), POST confirms. GET /subscribe/LIST is the hosted
 * form, POST subscribes as `campaigns.contacts.formApiKey` (pending + mail).
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width"><title>${esc(title)}</title></head><body style="font-family:sans-serif;max-width:32em;margin:3em auto">${body}</body></html>`;
const html = (reply: FastifyReply, status: number, text: string) => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(text);

/** Form posts per IP per window: a form is for people, not for list bombing others. */
const FORM_POSTS = 5;
const FORM_WINDOW_MS = 10 * 60_000;

export interface PublicPagesDeps {
  readonly contacts: Contacts;
  /** The API key the hosted form subscribes as; absent: no hosted form (404). */
  readonly formApiKey?: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function contactPublicPages(deps: PublicPagesDeps): PublicMount {
  const posts = new Map<string, { n: number; since: number }>();
  const limited = (ip: string): boolean => {
    const now = deps.clock.now();
    const e = posts.get(ip);
    if (!e || now - e.since > FORM_WINDOW_MS) {
      if (posts.size > 10_000) posts.clear();
      posts.set(ip, { n: 1, since: now });
      return false;
    }
    return ++e.n > FORM_POSTS;
  };
  return (app: FastifyInstance) => {
    app.get<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
      try {
        const { contact, list } = await deps.contacts.checkToken(req.params.token);
        return html(reply, 200, page('Confirm your subscription', `<h1>Confirm your subscription</h1><p>Subscribe <b>${esc(contact.address)}</b> to <b>${esc(list.name)}</b>?</p><form method="post"><button type="submit">Yes, subscribe me</button></form>`));
      } catch (err) {
        return failed(err, reply);
      }
    });
    app.post<{ Params: { token: string } }>('/confirm/:token', async (req, reply) => {
      try {
        const { contact, list } = await deps.contacts.confirm(req.params.token, req.ip);
        return html(reply, 200, page('Subscribed', `<h1>Thank you</h1><p>${esc(contact.address)} is subscribed to <b>${esc(list.name)}</b>.</p>`));
      } catch (err) {
        return failed(err, reply);
      }
    });
    app.get<{ Params: { listId: string } }>('/subscribe/:listId', async (req, reply) => {
      const list = deps.formApiKey !== undefined && /^\d{1,15}$/.test(req.params.listId) ? await deps.contacts.store.getList(Number(req.params.listId)) : undefined;
      if (!list) return html(reply, 404, page('Not found', '<p>There is no such subscription form.</p>'));
      return html(
        reply,
        200,
        page(list.name, `<h1>${esc(list.name)}</h1>${list.description ? `<p>${esc(list.description)}</p>` : ''}<form method="post"><label>Email <input type="email" name="address" required maxlength="320"></label> <button type="submit">Subscribe</button></form>`),
      );
    });
    app.post<{ Params: { listId: string }; Body: Record<string, unknown> }>('/subscribe/:listId', async (req, reply) => {
      if (deps.formApiKey === undefined || !/^\d{1,15}$/.test(req.params.listId)) return html(reply, 404, page('Not found', '<p>There is no such subscription form.</p>'));
      if (limited(req.ip)) return html(reply, 429, page('Too many requests', '<p>Too many subscriptions from here; try again later.</p>'));
      const address = typeof req.body?.['address'] === 'string' ? req.body['address'].trim() : '';
      if (!parseMailbox(address)) return html(reply, 400, page('Not an address', '<p>Please go back and enter an email address.</p>'));
      try {
        const r = await deps.contacts.subscribe(Number(req.params.listId), address, {}, { apiKey: deps.formApiKey, source: 'form', ip: req.ip });
        const text = r.status === 'pending' ? `<p>We sent a confirmation link to ${esc(address)}. Open it to complete the subscription.</p>` : `<p>${esc(address)} is subscribed.</p>`;
        return html(reply, 200, page('Check your mail', `<h1>Almost done</h1>${text}`));
      } catch (err) {
        return failed(err, reply);
      }
    });
  };

  function failed(err: unknown, reply: FastifyReply) {
    if (err instanceof ContactsError) {
      if (err.code === 'bad-token') return html(reply, 400, page('Invalid link', '<p>This confirmation link is not valid or has expired. Subscribe again to get a new one.</p>'));
      if (err.code === 'not-found') return html(reply, 404, page('Not found', '<p>This list or subscription no longer exists.</p>'));
      // Suppressed: said as little as possible to an anonymous visitor.
      if (err.code === 'suppressed') return html(reply, 200, page('Check your mail', '<p>If this address can receive our mail, a confirmation link is on its way.</p>'));
    }
    deps.logger.error({ err }, 'contacts public page failed');
    return html(reply, 500, page('Error', '<p>Something went wrong; try again later.</p>'));
  }
}
