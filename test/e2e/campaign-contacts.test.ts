import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { curl, startApiBaton, type ApiBaton } from '../helpers/api.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Contacts and lists end to end (docs/campaigns.md#contacts-and-lists): the
 * real baton relaying to Postfix's smtp-sink, curl for the API and for the
 * public confirmation pages on the unsubscribe endpoint.
 */
describe('contacts, lists and double opt-in through a real relay', { timeout: 300_000 }, () => {
  let api: ApiBaton;
  let sink: SmtpSinkHandle;
  let pub: number;
  let sendKey: string;

  before(async () => {
    sink = await startSmtpSink();
    [pub] = (await freePorts(1)) as [number];
    api = await startApiBaton({
      config: {
        routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        unsubscribe: { address: `127.0.0.1:${pub}`, baseUrl: 'https://links.news.test', secrets: [{ id: 'k1', secret: 'a confirmation secret for tests' }] },
        campaigns: { contacts: { formApiKey: 'signup-form' } },
      },
    });
    sendKey = await api.createKey('signup', { scopes: ['send'], domains: ['news.test'] });
    await api.createKey('signup-form', { scopes: ['send'], domains: ['news.test'] });
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await sink?.stop();
    }
  });

  /** A public page on loopback (the https base is a proxy's business). */
  const page = (path: string, method = 'GET', form?: string) =>
    curl(['-X', method, ...(form !== undefined ? ['-H', 'Content-Type: application/x-www-form-urlencoded', '--data-binary', form] : []), `http://127.0.0.1:${pub}${path}`]);
  const linkIn = async (rcpt: string): Promise<string> => {
    const m = await waitFor(`a confirmation mail to ${rcpt} at the sink`, async () => (await sink.messages()).find((x) => x.recipients.includes(rcpt)));
    assert.match(m.data, /Subject: Please confirm your subscription/);
    const unfolded = m.data.replace(/=\n/g, '');
    const link = /https:\/\/links\.news\.test(\/confirm\/[A-Za-z0-9_-]+)/.exec(unfolded);
    assert.ok(link, m.data);
    return link[1] as string;
  };
  const memberStatus = async (id: number, list: number) => ((await api.curl(`/api/v1/contacts/${id}`)).body.lists as { id: number; status: string }[]).find((l) => l.id === list)?.status;

  test('double opt-in: the confirmation mail arrives through the real pipeline; GET of the link changes nothing, POST joins; a forged token is 400', async () => {
    const created = await api.curl('/api/v1/lists', { json: { name: 'weekly', optIn: 'double', confirmFrom: 'news@news.test' } });
    assert.equal(created.status, 201, created.text);
    const list = created.body.id as number;
    const sub = await api.curl(`/api/v1/lists/${list}/subscribe`, { key: sendKey, json: { address: 'Ann@Rcpt.test', attributes: { first_name: 'Ann' } } });
    assert.equal(sub.status, 202, sub.text);
    assert.equal(sub.body.status, 'pending');
    const id = sub.body.contact.id as number;
    assert.equal(sub.body.contact.address, 'ann@rcpt.test');
    const path = await linkIn('ann@rcpt.test');
    assert.equal(await memberStatus(id, list), 'pending');
    assert.deepEqual((await api.curl(`/api/v1/lists/${list}`)).body.counts, { subscribed: 0, pending: 1, unsubscribed: 0 });

    const shown = await page(path);
    assert.equal(shown.status, 200);
    assert.match(shown.text, /<form method="post">/);
    assert.equal(await memberStatus(id, list), 'pending', 'a GET (a link scanner) must not confirm');

    const forged = path.slice(0, -3) + (path.endsWith('AAA') ? 'BBB' : 'AAA');
    assert.equal((await page(forged, 'POST', '')).status, 400);
    assert.equal(await memberStatus(id, list), 'pending');

    const confirmed = await page(path, 'POST', '');
    assert.equal(confirmed.status, 200, confirmed.text);
    assert.equal(await memberStatus(id, list), 'subscribed');
    const detail = await api.curl(`/api/v1/contacts/${id}`);
    assert.deepEqual(
      (detail.body.consents as { action: string; source: string; ip?: string }[]).map((c) => [c.action, c.source, c.ip !== undefined]),
      [['requested', 'api', true], ['confirmed', 'link', true]],
    );
    // The confirmation mail's delivery reached contact_activity through the outbox projector (a singleton loop of the node).
    const delivered = await waitFor('the delivery in contact_activity', async () => {
      const db = new Database(join(api.baton.dir, 'queue.db'), { readonly: true, fileMustExist: true });
      try {
        return db.prepare("SELECT count FROM contact_activity WHERE address = 'ann@rcpt.test' AND event = 'delivered'").pluck().get() as number | undefined;
      } finally {
        db.close();
      }
    });
    assert.equal(delivered, 1);
  });

  test('the hosted form subscribes as the configured key: pending, and a confirmation mail', async () => {
    const list = (await api.curl('/api/v1/lists', { json: { name: 'form list', optIn: 'double', confirmFrom: 'news@news.test' } })).body.id as number;
    const form = await page(`/subscribe/${list}`);
    assert.equal(form.status, 200);
    assert.match(form.text, /name="address"/);
    const posted = await page(`/subscribe/${list}`, 'POST', 'address=bob%40rcpt.test');
    assert.equal(posted.status, 200, posted.text);
    await linkIn('bob@rcpt.test');
    const bob = (await api.curl('/api/v1/contacts?q=bob@rcpt.test')).body.items[0];
    assert.equal(bob.lists.find((l: { id: number }) => l.id === list)?.status, 'pending');
  });

  test('contacts CRUD, list unsubscribe and global unsubscribe (a suppression)', async () => {
    const list = (await api.curl('/api/v1/lists', { json: { name: 'single', optIn: 'single' } })).body.id as number;
    const c = await api.curl('/api/v1/contacts', { json: { address: 'cy@rcpt.test', attributes: { plan: 'free', city: 'Oslo' }, lists: [list] } });
    assert.equal(c.status, 201, c.text);
    const id = c.body.id as number;
    const p = await api.curl(`/api/v1/contacts/${id}`, { method: 'PATCH', json: { attributes: { plan: 'pro', city: null } } });
    assert.deepEqual(p.body.attributes, { plan: 'pro' });
    const left = await api.curl(`/api/v1/contacts/${id}/unsubscribe`, { json: { list } });
    assert.equal(left.body.lists[0].status, 'unsubscribed');
    assert.equal(left.body.status, 'subscribed');
    const global = await api.curl(`/api/v1/contacts/${id}/unsubscribe`, { json: {} });
    assert.equal(global.body.status, 'unsubscribed');
    const sup = await api.curl('/api/v1/suppressions/cy@rcpt.test');
    assert.equal(sup.body.entries[0].reason, 'unsubscribe');
    assert.equal((await api.curl(`/api/v1/contacts/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await api.curl(`/api/v1/contacts/${id}`)).status, 404);
  });

  test('100,000 contacts imported over the API into a list (timed), then exported', async () => {
    const list = (await api.curl('/api/v1/lists', { json: { name: 'imported', optIn: 'single' } })).body.id as number;
    const lines = ['email,first_name,plan'];
    for (let i = 0; i < 100_000; i++) lines.push(`imp${i}@bulk${i % 20}.test,N${i},${i % 2 ? 'free' : 'pro'}`);
    lines.push('broken,x,y');
    const t0 = performance.now();
    const r = await api.curl(`/api/v1/contacts/import?list=${list}`, { data: `${lines.join('\n')}\n`, headers: { 'Content-Type': 'text/csv' }, args: ['--max-time', '120'] });
    const ms = Math.round(performance.now() - t0);
    console.log(`# API import: 100,000 rows in ${ms} ms`);
    assert.equal(r.status, 200, r.text.slice(0, 500));
    assert.deepEqual(r.body, { total: 100_001, created: 100_000, updated: 0, rejected: [{ row: 100_001, address: 'broken', reason: 'not an email address' }] });
    assert.deepEqual((await api.curl(`/api/v1/lists/${list}`)).body.counts, { subscribed: 100_000, pending: 0, unsubscribed: 0 });
    const csv = await api.curl(`/api/v1/contacts/export?list=${list}`, { args: ['--max-time', '120'] });
    assert.equal(csv.status, 200);
    const rows = csv.text.trim().split('\n');
    assert.equal(rows[0], 'address,status,lists,first_name,plan');
    assert.equal(rows.length, 100_001);
    assert.equal(rows[1], 'imp0@bulk0.test,subscribed,imported,N0,pro');
  });
});
