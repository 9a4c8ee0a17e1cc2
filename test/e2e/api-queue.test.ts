import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { sendMail } from '../helpers/api-mail.js';
import { pySend } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { makeSelfSignedCert } from '../helpers/tls.js';

/**
 * Acting through the API with the real curl (issue 11 "Act"): hold, release,
 * retry and delete one message and in bulk by filter, queue stats by site,
 * and suppression CRUD that SMTP submission sees at RCPT (smtplib with AUTH).
 * `down.test` is routed to a loopback port nobody listens on, so its mail is
 * deferred ("connection refused") and stays in the queue to be acted on.
 */
describe('API: queue actions, stats and suppressions', { timeout: 120_000 }, () => {
  let api: ApiBaton;
  let mx: number;
  let sub: number;
  let userReady: Promise<void>;
  let reader: Promise<string>;
  const auth = { user: 'alice', password: 'Correct-Horse-9', mech: 'PLAIN' as const };

  before(async () => {
    const [closed] = (await freePorts(1)) as [number];
    const cert = await makeSelfSignedCert();
    api = await startApiBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission' }],
        tls: { cert: cert.cert, key: cert.key },
        routes: [{ domains: ['down.test', 'sink.test'], smarthost: `127.0.0.1:${closed}`, tls: 'none' }],
        queue: { retry: { first: '1h', max: '2h' } },
      },
    });
    mx = api.baton.ports.mx as number;
    sub = api.baton.ports.submission as number;
    // The CLI takes seconds to start on a loaded machine: made while the queue tests run.
    userReady = api.baton.cli(['user', 'add', auth.user, '--domains', 'brand.test'], { input: `${auth.password}\n` }).then((r) => assert.equal(r.code, 0, r.stderr));
    userReady.catch(() => undefined);
    reader = api.createKey('queue-reader', { scopes: ['read'] });
    reader.catch(() => undefined);
  });
  after(async () => {
    await api?.stop();
  });

  const message = async (id: string) => (await api.curl(`/api/v1/messages/${id}`)).body;
  /** Queued and attempted once (deferred): the state the actions start from. */
  const deferred = (id: string, attempts = 1) =>
    waitFor(`${id} deferred after ${attempts} attempt(s)`, async () => {
      const m = await message(id);
      return m?.recipients?.[0]?.state === 'deferred' && m.recipients[0].attempts >= attempts ? m : undefined;
    }, 15_000);
  const act = (id: string, action: string) => api.curl(action === 'delete' ? `/api/v1/messages/${id}` : `/api/v1/messages/${id}/${action}`, { method: action === 'delete' ? 'DELETE' : 'POST' });

  test('one message: hold, release and retry, each 409 conflict where its state forbids it; delete; 404 for an unknown id', async () => {
    const id = await sendMail(mx, 'ops@brand.test', ['one@down.test'], 'by id');
    await deferred(id);
    assert.equal((await act(id, 'hold')).status, 200);
    assert.equal((await message(id)).held, true);
    const again = await act(id, 'hold');
    assert.equal(again.status, 409);
    assert.equal(again.body.type, 'https://baton.dev/problems/conflict');
    assert.match(again.body.detail, /already held/);
    assert.match((await act(id, 'retry')).body.detail, /held: release it first/);
    assert.equal((await act(id, 'release')).status, 200);
    assert.match((await act(id, 'release')).body.detail, /not held/);
    const retried = await act(id, 'retry');
    assert.equal(retried.status, 200, retried.text);
    assert.equal(retried.body.recipients, 1);
    // Due at once: the engine attempts it again well before the 1 h retry.
    await deferred(id, 2);
    const removed = await act(id, 'delete');
    assert.equal(removed.status, 200);
    const gone = await message(id);
    assert.equal(gone.inQueue, false);
    assert.deepEqual(
      gone.timeline.map((e: any) => e.type),
      ['accepted', 'deferred', 'held', 'released', 'deferred', 'deleted'],
    );
    assert.equal((await act(id, 'hold')).status, 409, 'known, but no longer in the queue');
    assert.equal((await act('00000000000000000000', 'release')).status, 404);
    assert.equal((await api.curl(`/api/v1/messages/${id}/hold`, { method: 'POST', key: await reader })).status, 403, 'actions need the admin scope');
  });

  test('in bulk by filter: hold, release, retry and delete answer how many messages they touched; an empty delete needs "all": true', async () => {
    const bulk: string[] = [];
    for (let i = 0; i < 4; i++) bulk.push(await sendMail(mx, `news${i}@bulk.test`, [`b${i}@down.test`], `bulk ${i}`));
    const other = await sendMail(mx, 'ops@keep.test', ['k@down.test'], 'not bulk');
    for (const id of [...bulk, other]) await deferred(id);
    const bulkAct = (action: string, json: unknown) => api.curl(`/api/v1/queue/${action}`, { json });
    const held = await bulkAct('hold', { senderDomain: 'bulk.test' });
    assert.equal(held.status, 200, held.text);
    assert.deepEqual(held.body, { action: 'hold', messages: 4 });
    assert.equal((await message(other)).held, false);
    const stats = (await api.curl('/api/v1/queue/stats')).body;
    assert.equal(stats.held, 4);
    assert.deepEqual((await bulkAct('release', { senderDomain: 'bulk.test', olderThan: '1h' })).body, { action: 'release', messages: 0 }, 'none is an hour old');
    assert.deepEqual((await bulkAct('release', { senderDomain: 'bulk.test' })).body, { action: 'release', messages: 4 });
    assert.deepEqual((await bulkAct('retry', { recipient: 'B1@down.test' })).body, { action: 'retry', messages: 1, recipients: 1 });
    const refused = await bulkAct('delete', {});
    assert.equal(refused.status, 422);
    assert.match(refused.body.detail, /"all": true/);
    assert.equal((await bulkAct('delete', { nonsense: 1 })).status, 422, 'unknown filter fields are refused');
    assert.deepEqual((await bulkAct('delete', { sender: 'news2@bulk.test' })).body, { action: 'delete', messages: 1 });
    assert.deepEqual((await bulkAct('delete', { senderDomain: 'bulk.test', recipientDomain: 'down.test' })).body, { action: 'delete', messages: 3 });
    assert.equal((await message(other)).inQueue, true);
  });

  test('queue stats: totals, and the destination site with its pending recipients, oldest and last error', async () => {
    const id = await sendMail(mx, 'ops@brand.test', ['s1@sink.test', 's2@sink.test'], 'stats');
    await waitFor('both recipients deferred', async () => ((await message(id)).recipients.every((r: any) => r.state === 'deferred') ? true : undefined), 15_000);
    const r = await api.curl('/api/v1/queue/stats');
    assert.equal(r.status, 200, r.text);
    assert.ok(r.body.messages >= 1);
    assert.ok(r.body.recipients.pending >= 2);
    assert.match(r.body.oldestReceivedAt, /^\d{4}-/);
    // down.test and sink.test share one route: one smarthost site.
    const site = r.body.sites.find((s: any) => s.domains.some((d: any) => d.domain === 'sink.test'));
    assert.ok(site, JSON.stringify(r.body.sites));
    assert.match(site.site, /^smarthost:127\.0\.0\.1:\d+:none:$/);
    assert.deepEqual(site.domains.map((d: any) => d.domain).sort(), ['down.test', 'sink.test']);
    assert.equal(site.domains.find((d: any) => d.domain === 'sink.test').pending, 2);
    assert.match(site.lastError, /refused/i);
    assert.equal(site.throttle.site, null);
  });

  test('suppressions: add one and many, list and read them, and SMTP submission refuses the address at RCPT until it is removed', async () => {
    const one = await api.curl('/api/v1/suppressions', { json: { address: 'Gone@Sink.test', reason: 'hard-bounce' } });
    assert.equal(one.status, 201, one.text);
    assert.deepEqual(one.body, { added: 1 });
    const many = await api.curl('/api/v1/suppressions', { json: { entries: [{ address: 'a@sink.test' }, { address: 'b@sink.test', domain: 'brand.test', reason: 'unsubscribe' }] } });
    assert.deepEqual(many.body, { added: 2 });
    assert.equal((await api.curl('/api/v1/suppressions', { json: { address: 'not an address' } })).status, 422);
    const listed = await api.curl('/api/v1/suppressions?limit=2');
    assert.deepEqual(listed.body.suppressions.map((e: any) => e.address), ['a@sink.test', 'b@sink.test']);
    const rest = await api.curl(`/api/v1/suppressions?limit=2&cursor=${listed.body.nextCursor}`);
    assert.deepEqual(rest.body.suppressions.map((e: any) => e.address), ['gone@sink.test']);
    assert.equal(rest.body.nextCursor, null);
    const got = await api.curl('/api/v1/suppressions/gone@sink.test');
    assert.equal(got.body.entries[0].reason, 'hard-bounce');
    assert.match(got.body.entries[0].source, /^api:test-admin$/);
    assert.equal((await api.curl('/api/v1/suppressions/nobody@sink.test')).status, 404);

    await userReady;
    const send = () => pySend({ port: sub, mode: 'starttls', auth, mail_from: 'news@brand.test', rcpts: [{ to: 'gone@sink.test' }], data: 'Subject: s\r\n\r\nx\r\n' });
    const refused = await send();
    assert.equal(refused.rcpts?.[0]?.[0], 550, JSON.stringify(refused));
    assert.match(String(refused.rcpts?.[0]?.[1]), /^5\.7\.1 <gone@sink\.test>: recipient is suppressed/);
    const removed = await api.curl('/api/v1/suppressions/gone@sink.test', { method: 'DELETE' });
    assert.deepEqual(removed.body, { removed: 1 });
    assert.equal((await api.curl('/api/v1/suppressions/gone@sink.test', { method: 'DELETE' })).status, 404);
    const accepted = await send();
    assert.equal(accepted.rcpts?.[0]?.[0], 250, JSON.stringify(accepted));
  });
});
