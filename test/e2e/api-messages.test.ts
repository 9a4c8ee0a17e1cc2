import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { pythonDir, runCommand } from '../helpers/clients.js';
import { sendMail } from '../helpers/api-mail.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Reading messages through the API with the real curl (issue 11 "Read"): a
 * message delivered to Postfix's smtp-sink and its timeline; the search by
 * each filter with cursor pagination over the message index; and the index
 * catching up after a kill -9 with every message once. `down.test` is routed
 * to a loopback port nobody listens on: its mail is deferred and stays queued.
 */
describe('API: messages, timelines and search', { timeout: 120_000 }, () => {
  let sink: SmtpSinkHandle;
  let api: ApiBaton;
  let mx: number;
  const started = Date.now();

  before(async () => {
    sink = await startSmtpSink();
    const [closed] = (await freePorts(1)) as [number];
    api = await startApiBaton({
      config: {
        listeners: [{ role: 'mx' }],
        routes: [
          { domains: ['sink.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' },
          { domains: ['down.test'], smarthost: `127.0.0.1:${closed}`, tls: 'none' },
        ],
        queue: { retry: { first: '1h', max: '2h' } },
      },
    });
    mx = api.baton.ports.mx as number;
    // The CLI takes seconds to start on a loaded machine: made while the first test runs.
    reader = api.createKey('reader', { scopes: ['read'] });
    reader.catch(() => undefined);
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await sink?.stop();
    }
  });

  /** A message in the index, found by the search (the projection is asynchronous, so poll with a deadline). */
  const indexed = (id: string, until: (m: any) => boolean = () => true) =>
    waitFor(`${id} in the search index`, async () => {
      const r = await api.apiFetch('/api/v1/messages?limit=100');
      const m = r.body?.messages?.find((x: any) => x.id === id);
      return m && until(m) ? m : undefined;
    }, 15_000);

  test('a delivered message: 200 with its envelope, the recipient delivered, and a timeline of accepted then delivered with the sink\'s reply', async () => {
    const id = await sendMail(mx, 'alice@brand.test', ['bob@sink.test'], 'timeline');
    await sink.waitForMessages(1, 15_000);
    const r = await waitFor('the delivered event in the timeline', async () => {
      const x = await api.curl(`/api/v1/messages/${id}`, { key: await readKey() });
      return x.status === 200 && x.body.timeline.some((e: any) => e.type === 'delivered') ? x : undefined;
    }, 15_000);
    assert.equal(r.headers['content-type'], 'application/json; charset=utf-8');
    assert.equal(r.body.id, id);
    assert.equal(r.body.sender, 'alice@brand.test');
    assert.equal(r.body.origin.kind, 'smtp');
    assert.equal(r.body.inQueue, false, 'a delivered message leaves the queue at once');
    const types = r.body.timeline.map((e: any) => e.type);
    assert.deepEqual(types, ['accepted', 'delivered']);
    const delivered = r.body.timeline[1];
    assert.equal(delivered.recipient, 'bob@sink.test');
    assert.equal(delivered.attempt, 1);
    assert.match(delivered.reply, /^250 2\.0\.0 Ok/, 'the reply smtp-sink gave');
    assert.match(delivered.at, /^\d{4}-\d\d-\d\dT/);
    const m = await indexed(id, (x) => x.recipients[0]?.state === 'delivered');
    assert.deepEqual(
      m.recipients.map((x: any) => [x.address, x.state, x.attempts]),
      [['bob@sink.test', 'delivered', 1]],
    );
    const raw = await api.curl(`/api/v1/messages/${id}/raw`);
    assert.equal(raw.status, 404, 'the bytes are gone once delivered');
    assert.equal(raw.headers['content-type'], 'application/problem+json');
  });

  test('an unknown id is 404 not-found as problem+json; raw needs the admin scope', async () => {
    const r = await api.curl('/api/v1/messages/00000000000000000000');
    assert.equal(r.status, 404);
    assert.equal(r.body.type, 'https://baton.dev/problems/not-found');
    const id = await sendMail(mx, 'carol@brand.test', ['dan@down.test'], 'raw bytes');
    const reader = await readKey();
    assert.equal((await api.curl(`/api/v1/messages/${id}/raw`, { key: reader })).status, 403);
    const raw = await api.curl(`/api/v1/messages/${id}/raw`);
    assert.equal(raw.status, 200);
    assert.equal(raw.headers['content-type'], 'message/rfc822');
    assert.match(raw.text, /^Received: /);
    assert.match(raw.text, /\r\nSubject: raw bytes\r\n/);
  });

  test('search by sender, sender domain, recipient, domain, state and time, newest first, paged by cursor across pages', async () => {
    const since = new Date().toISOString();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const from = i % 2 === 0 ? `even${i}@search.test` : `odd${i}@other-search.test`;
      const to = i < 3 ? [`r${i}@down.test`] : [`r${i}@sink.test`];
      ids.push(await sendMail(mx, from, to, `search ${i}`));
    }
    for (const id of ids.slice(3)) await indexed(id, (m) => m.recipients[0]?.state === 'delivered');
    for (const id of ids.slice(0, 3)) await indexed(id, (m) => m.recipients[0]?.state === 'deferred');
    const search = async (q: string) => {
      const r = await api.curl(`/api/v1/messages?${q}`);
      assert.equal(r.status, 200, r.text);
      return r.body as { messages: { id: string }[]; nextCursor: string | null };
    };
    const idsOf = async (q: string) => (await search(q)).messages.map((m) => m.id);
    const newestFirst = (list: string[]) => [...list].reverse();
    const mine = `since=${encodeURIComponent(since)}`;
    assert.deepEqual(await idsOf(mine), newestFirst(ids));
    assert.deepEqual(await idsOf(`sender=EVEN2@search.test`), [ids[2]]);
    assert.deepEqual(await idsOf(`senderDomain=other-search.test`), newestFirst([ids[1] as string, ids[3] as string]));
    assert.deepEqual(await idsOf(`recipient=r4@sink.test`), [ids[4]]);
    assert.deepEqual(await idsOf(`domain=down.test&${mine}`), newestFirst(ids.slice(0, 3)));
    assert.deepEqual(await idsOf(`state=deferred&${mine}`), newestFirst(ids.slice(0, 3)));
    assert.deepEqual(await idsOf(`state=delivered&${mine}`), newestFirst(ids.slice(3)));
    assert.deepEqual(await idsOf(`until=${encodeURIComponent(since)}&sender=even0@search.test`), [], 'sent after "since": nothing before it');
    assert.deepEqual(await idsOf(`since=${encodeURIComponent(new Date(started).toISOString())}&sender=even0@search.test`), [ids[0]]);
    // Pages of 2: three pages, no repeats, and a message arriving between pages does not shift them.
    const seen: string[] = [];
    let page = await search(`${mine}&limit=2`);
    seen.push(...page.messages.map((m) => m.id));
    const late = await sendMail(mx, 'late@search.test', ['late@down.test'], 'late');
    await indexed(late);
    while (page.nextCursor) {
      page = await search(`${mine}&limit=2&cursor=${page.nextCursor}`);
      seen.push(...page.messages.map((m) => m.id));
    }
    assert.deepEqual(seen, newestFirst(ids));
    const bad = await api.curl('/api/v1/messages?cursor=not-a-cursor');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.type, 'https://baton.dev/problems/bad-request');
    const invalid = await api.curl('/api/v1/messages?state=lost&limit=1000');
    assert.equal(invalid.status, 422);
  });

  test('kill -9 while mail is projected: after restart the index catches up with every message once, its cursor at the last event', async (t) => {
    const r = await runCommand('python3', ['-u', join(pythonDir, 'burst.py'), '127.0.0.1', String(mx), '5', '20', 'burst@down.test'], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const accepted = r.stdout.split('\n').filter((l) => l.includes('"event": "reply"') && l.includes('"code": 250')).length;
    assert.equal(accepted, 100);
    await api.baton.kill9();
    await api.baton.restart();
    const total = await waitFor('every burst message in the index', async () => {
      const ids = new Set<string>();
      let cursor: string | null = null;
      do {
        const page: any = (await api.apiFetch(`/api/v1/messages?recipient=burst@down.test&limit=100${cursor ? `&cursor=${cursor}` : ''}`)).body;
        for (const m of page.messages) ids.add(m.id);
        cursor = page.nextCursor;
      } while (cursor);
      return ids.size === 100 ? ids.size : undefined;
    }, 30_000, 200);
    assert.equal(total, 100);
    // Read-only beside the running node (WAL): the projector is idle once caught up.
    const db = new Database(join(api.baton.dir, 'queue.db'), { readonly: true });
    try {
      const rows = db.prepare("SELECT count(*) AS n, count(DISTINCT queue_id) AS d FROM search_recipients WHERE address = 'burst@down.test'").get() as { n: number; d: number };
      assert.deepEqual(rows, { n: 100, d: 100 }, 'one recipient row per message');
      const last = await waitFor('the projector idle at the last event', () => {
        const id = db.prepare('SELECT max(id) FROM events').pluck().get();
        return db.prepare('SELECT after_id FROM search_cursor').pluck().get() === id ? id : undefined;
      });
      t.diagnostic(`index cursor = last event id ${String(last)}`);
    } finally {
      db.close();
    }
  });

  let reader: Promise<string>;
  const readKey = () => reader;
});
