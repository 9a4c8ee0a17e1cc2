import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { freePorts } from '../helpers/free-port.js';
import { startSmtpSink, type DumpedMessage, type SmtpSinkHandle } from '../helpers/smtp-sink.js';
import { curl } from '../helpers/unsubscribe-kit.js';

/**
 * Automation flows end to end (issue 15, part D): the real baton relaying to
 * Postfix's smtp-sink, the real curl for the one-click unsubscribe. A welcome
 * drip (list joined → send A → wait → send B): both contacts get A; one
 * unsubscribes with the List-Unsubscribe URL of the A she got; her run exits
 * at once with the reason, and B never reaches her, while the other contact,
 * enrolled after her with the same wait, gets B (so her B would have been due
 * before his arrived). The wait is seconds (campaigns.flows.minWait lowered),
 * and the test waits on the sink and the API, not on the clock.
 */
describe('flows: a welcome drip stops for a contact who unsubscribes', { timeout: 120_000 }, () => {
  let api: ApiBaton;
  let sink: SmtpSinkHandle;
  let unsubPort: number;

  before(async () => {
    sink = await startSmtpSink();
    [unsubPort] = (await freePorts(1)) as [number];
    api = await startApiBaton({
      config: {
        routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        unsubscribe: { address: `127.0.0.1:${unsubPort}`, baseUrl: 'https://unsub.news.test', secrets: [{ id: 'k1', secret: 'an unsubscribe secret for flow tests' }] },
        campaigns: { flows: { tick: '200ms', minWait: '1s' } },
      },
    });
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await sink?.stop();
    }
  });

  const post = async (path: string, json: unknown, expect = 201) => {
    const r = await api.apiFetch(path, { method: 'POST', json });
    assert.equal(r.status, expect, `${path}: ${r.text}`);
    return r.body;
  };
  const subjectOf = (m: DumpedMessage) => /^Subject: (.*)$/m.exec(m.data)?.[1]?.trim();
  const mailTo = async (rcpt: string) => (await sink.messages()).filter((m) => m.recipients.includes(rcpt));
  const arrived = (rcpt: string, subject: string) =>
    waitFor(`"${subject}" to ${rcpt} at the sink`, async () => (await mailTo(rcpt)).find((m) => subjectOf(m) === subject), 30_000);

  test('list joined → A at once; a one-click unsubscribe exits the run (reason unsubscribed) and B never comes; the other contact gets B', async () => {
    const list = (await post('/api/v1/lists', { name: 'news', optIn: 'single' })) as { id: number };
    const a = (await post('/api/v1/templates', { name: 'welcome A', subject: 'Welcome, {{ first_name }}', text: 'Hello {{ first_name }}, unsubscribe: {{ unsubscribe_url }}' })) as { id: number };
    const b = (await post('/api/v1/templates', { name: 'welcome B', subject: 'Day two', text: 'More news.' })) as { id: number };
    const from = 'News <news@news.test>';
    const flow = (await post('/api/v1/flows', {
      name: 'welcome drip',
      trigger: { type: 'list-joined', list: list.id },
      steps: [{ type: 'send', template: a.id, from }, { type: 'wait', duration: '3s' }, { type: 'send', template: b.id, from }],
    })) as { id: number; active: boolean };
    assert.equal(flow.active, true);
    const short = await api.apiFetch('/api/v1/flows', { method: 'POST', json: { name: 'too fast', trigger: { type: 'event', name: 'x' }, steps: [{ type: 'wait', duration: '10ms' }] } });
    assert.equal(short.status, 422, 'a wait under campaigns.flows.minWait');

    // Ann first, then Bob: her wait ends before his.
    await post(`/api/v1/lists/${list.id}/subscribe`, { address: 'ann@rcpt.test', attributes: { first_name: 'Ann' } }, 202);
    await post(`/api/v1/lists/${list.id}/subscribe`, { address: 'bob@rcpt.test', attributes: { first_name: 'Bob' } }, 202);
    const annA = await arrived('ann@rcpt.test', 'Welcome, Ann');
    await arrived('bob@rcpt.test', 'Welcome, Bob');

    // The one-click URL of the message she got (RFC 8058), POSTed as a mail client does.
    const unfolded = annA.data.split('\n\n')[0]?.replace(/\n[ \t]+/g, ' ') ?? '';
    const token = /^List-Unsubscribe:.*<https:\/\/unsub\.news\.test\/u\/([A-Za-z0-9_-]+)>/m.exec(unfolded)?.[1];
    assert.ok(token, unfolded);
    // The text part is quoted-printable: soft line breaks undone before looking for the URL.
    assert.match(annA.data.replace(/=\n/g, ''), new RegExp(`unsubscribe: https://unsub\\.news\\.test/u/${token}`), '{{ unsubscribe_url }} is the header\'s URL');
    const res = await curl(unsubPort, token, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click']);
    assert.equal(res.status, 200, res.body);

    const runs = async (contact: string) => ((await api.apiFetch(`/api/v1/flows/${flow.id}/runs?contact=${contact}`)).body as { items: { state: string; exitReason?: string; position: string }[] }).items;
    const exited = await waitFor('ann\'s run exited', async () => (await runs('ann@rcpt.test')).find((r) => r.state === 'exited'), 15_000);
    assert.deepEqual([exited.exitReason, exited.position], ['unsubscribed', '2'], 'exited before step 2 (send B)');

    // Bob's B comes after Ann's wait was over: had her run gone on, her B would be at the sink too.
    await arrived('bob@rcpt.test', 'Day two');
    await waitFor('bob\'s run completed', async () => (await runs('bob@rcpt.test')).find((r) => r.state === 'completed'), 15_000);
    assert.deepEqual((await mailTo('ann@rcpt.test')).map(subjectOf), ['Welcome, Ann'], 'B never reached ann');
    const view = (await api.apiFetch(`/api/v1/flows/${flow.id}`)).body as { counts: unknown };
    assert.deepEqual(view.counts, { running: 0, waiting: 0, completed: 1, exited: 1 });
  });

  test('POST /api/v1/events starts runs of the flows with that event (202 {started}); an unknown contact is a 404 problem', async () => {
    const t = (await post('/api/v1/templates', { name: 'receipt', subject: 'Thanks for your order', text: 'Order received.' })) as { id: number };
    const flow = (await post('/api/v1/flows', {
      name: 'order',
      trigger: { type: 'event', name: 'ordered' },
      steps: [{ type: 'update', attr: 'customer', value: true }, { type: 'send', template: t.id, from: 'shop@news.test', stream: 'transactional' }],
    })) as { id: number };
    await post('/api/v1/contacts', { address: 'cid@rcpt.test' });
    assert.deepEqual(await post('/api/v1/events', { name: 'ordered', contact: 'cid@rcpt.test', data: { total: 12 } }, 202), { started: 1 });
    await arrived('cid@rcpt.test', 'Thanks for your order');
    const missing = await api.apiFetch('/api/v1/events', { method: 'POST', json: { name: 'ordered', contact: 'nobody@rcpt.test' } });
    assert.equal(missing.status, 404);
    assert.match(missing.headers['content-type'] ?? '', /application\/problem\+json/);
    const runs = (await api.apiFetch(`/api/v1/flows/${flow.id}/runs`)).body as { items: { state: string; contact: number }[] };
    const done = await waitFor('the order run completed', async () => ((await api.apiFetch(`/api/v1/flows/${flow.id}/runs`)).body as typeof runs).items.find((r) => r.state === 'completed'), 15_000);
    const contact = (await api.apiFetch(`/api/v1/contacts/${done.contact}`)).body as { attributes: Record<string, unknown> };
    assert.equal(contact.attributes.customer, true, 'the update step');
  });
});
