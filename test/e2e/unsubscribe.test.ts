import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { UnsubscribeTokens } from '../../src/unsubscribe/index.js';
import { startBaton, type Baton } from '../helpers/baton.js';
import { pySend, swaks, type SendResult } from '../helpers/clients.js';
import { testMessage, waitFor, waitForEmptyQueue } from '../helpers/deliver-kit.js';
import { activeKey, DKIM_SECRET, DkimDns, received, verifyWithDkimpy } from '../helpers/dkim.js';
import { freePorts } from '../helpers/free-port.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';
import { curl, listUnsubscribeOf, suppressionAddedEvents, suppressionRows, type DeliveredUnsubscribe } from '../helpers/unsubscribe-kit.js';

const OLD = { id: 'old', secret: 'the first unsubscribe secret, long' };
const NEW = { id: 'new', secret: 'the second unsubscribe secret, long' };
const PASSWORD = 'a-long-test-password';

/**
 * Streams and one-click unsubscribe (issue 9, part B), with real peers:
 * Python's smtplib and swaks as clients, a scripted SMTP sink as the next
 * hop, curl against the endpoint, dnsmasq serving the DKIM key and dkimpy
 * verifying the signature. Loopback is not a trusted network here, so only
 * authenticated users may name a stream.
 */
describe('streams and one-click unsubscribe', { timeout: 240_000 }, () => {
  let dns: DkimDns;
  let sink: ScriptedSink;
  let b: Baton;
  let http: number;

  const config = (secrets: readonly { id: string; secret: string }[]) => ({
    ...b.config,
    unsubscribe: { address: `127.0.0.1:${http}`, baseUrl: 'https://unsub.news.test', secrets, mailtoDomain: 'unsub.test' },
  });

  before(async () => {
    dns = await DkimDns.start();
    sink = await startScriptedSink({ extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'] });
    [http] = (await freePorts(1)) as [number];
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission', allowPlaintextAuth: true }],
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        relayDomains: ['remote.test'],
        routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
        dns: { servers: [dns.server], timeout: '500ms' },
        dkim: { secret: DKIM_SECRET, checkInterval: '200ms' },
        unsubscribe: { address: `127.0.0.1:${http}`, baseUrl: 'https://unsub.news.test', secrets: [OLD], mailtoDomain: 'unsub.test' },
        bulk: { postalAddress: 'Example News Ltd\n1 Main Street, Springfield' },
      },
    });
    for (const user of ['app', 'tx']) {
      const r = await b.cli(['user', 'add', user, '--domains', 'news.test'], { input: `${PASSWORD}\n` });
      assert.equal(r.code, 0, r.stderr);
    }
    const r = await b.cli(['user', 'set', 'app', '--stream', 'bulk']);
    assert.equal(r.code, 0, r.stderr);
    await activeKey({ baton: b, sink, dns, stop: async () => {} }, 'news.test', 'ed25519', 'n1');
  });
  after(async () => {
    await b?.stop();
    await sink?.stop();
    await dns?.stop();
  });

  /** Submit as `user` (AUTH PLAIN on the submission listener); returns every reply. */
  const submit = (user: string | undefined, rcpts: readonly string[], text: string): Promise<SendResult> =>
    pySend({
      port: (user ? b.ports.submission : b.ports.mx) as number,
      ...(user ? { auth: { user, password: PASSWORD, mech: 'PLAIN' as const } } : {}),
      mail_from: 'news@news.test',
      rcpts: rcpts.map((to) => ({ to })),
      data: text,
    });

  const message = (subject: string, header = '') => testMessage('News <news@news.test>', 'list@news.test', subject).text.replace('Subject:', `${header}Subject:`);

  /**
   * The `n` messages at the sink whose Subject is `subject` (each test's own).
   * Copies arrive on parallel connections, so the sink's order is not the
   * order of sending.
   */
  async function arrived(subject: string, n = 1): Promise<Buffer[]> {
    const mine = () => received(sink).filter((m) => m.includes(`\r\nSubject: ${subject}\r\n`));
    return waitFor(`${n} message(s) "${subject}" at the sink`, () => (mine().length >= n ? mine() : undefined), 20_000);
  }

  const recipientsOf = (m: Buffer) => sink.sessions.flatMap((s) => s.messages).find((x) => x.data === m)?.recipients ?? [];
  const tokens: Record<string, DeliveredUnsubscribe> = {};

  test('bulk mail: each recipient gets its own copy with a signed List-Unsubscribe and List-Unsubscribe-Post, inside the DKIM signature, and X-Baton-Stream is gone', async () => {
    const r = await submit('tx', ['bob@remote.test', 'carol@remote.test'], message('bulk by header', 'X-Baton-Stream: bulk\r\n'));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const copies = await arrived('bulk by header', 2);
    const seenTokens = new Set<string>();
    // Kept first, for the tests below, whatever this one finds.
    for (const copy of copies) {
      const lu = listUnsubscribeOf(copy);
      const rcpts = recipientsOf(copy);
      if (lu && rcpts.length === 1) tokens[rcpts[0] as string] = lu;
    }
    for (const copy of copies) {
      const rcpts = recipientsOf(copy);
      assert.equal(rcpts.length, 1, 'one recipient per transaction');
      const lu = listUnsubscribeOf(copy);
      assert.ok(lu, copy.toString('latin1'));
      assert.equal(lu.post, 'List-Unsubscribe=One-Click');
      assert.match(lu.url, /^https:\/\/unsub\.news\.test\/u\//);
      assert.match(lu.mailto ?? '', /^unsubscribe\+[A-Za-z0-9_-]+@unsub\.test$/);
      seenTokens.add(lu.token);
      assert.doesNotMatch(copy.toString('latin1'), /X-Baton-Stream/i);
      assert.match(copy.toString('latin1'), /\r\n\r\nExample News Ltd\r\n1 Main Street, Springfield\r\n$/, 'the postal address under the text (CAN-SPAM)');
      const [sig, ...more] = await verifyWithDkimpy(copy, dns);
      assert.equal(more.length, 0);
      assert.equal(sig?.ok, true, JSON.stringify(sig));
      const signed = (sig?.h ?? '').toLowerCase().split(':');
      assert.ok(signed.includes('list-unsubscribe') && signed.includes('list-unsubscribe-post'), `h=${sig?.h}`);
    }
    assert.equal(seenTokens.size, 2, 'a token per recipient');
    assert.ok(tokens['bob@remote.test'] && tokens['carol@remote.test']);
  });

  test('a bulk user\'s mail is bulk without a header; "X-Baton-Stream: transactional" makes it transactional: no List-Unsubscribe', async () => {
    assert.equal((await submit('app', ['dave@remote.test'], message('bulk by user'))).data?.[0], 250);
    const [bulk] = (await arrived('bulk by user')) as [Buffer];
    tokens['dave@remote.test'] = listUnsubscribeOf(bulk) as DeliveredUnsubscribe;
    assert.ok(tokens['dave@remote.test'], 'the user\'s stream is bulk');
    assert.equal((await submit('app', ['dave@remote.test'], message('tx by header', 'X-Baton-Stream: transactional\r\n'))).data?.[0], 250);
    const [tx] = (await arrived('tx by header')) as [Buffer];
    assert.equal(listUnsubscribeOf(tx), undefined);
    assert.doesNotMatch(tx.toString('latin1'), /X-Baton-Stream|List-Unsubscribe-Post|Example News Ltd/i);
  });

  test('from a client that may not choose (not authenticated, not trusted) X-Baton-Stream is ignored and removed', async () => {
    assert.equal((await submit(undefined, ['erin@remote.test'], message('stranger', 'X-Baton-Stream: bulk\r\n'))).data?.[0], 250);
    const [m] = (await arrived('stranger')) as [Buffer];
    assert.equal(listUnsubscribeOf(m), undefined);
    assert.doesNotMatch(m.toString('latin1'), /X-Baton-Stream/i);
  });

  test('an unknown stream is refused at the end of DATA with 550 5.6.0', async () => {
    const r = await submit('tx', ['bob@remote.test'], message('typo', 'X-Baton-Stream: bluk\r\n'));
    assert.equal(r.data?.[0], 550);
    assert.match(r.data?.[1] ?? '', /^5\.6\.0 Unknown X-Baton-Stream/);
  });

  test('curl GET shows the confirmation page and suppresses nothing', async () => {
    const res = await curl(http, (tokens['bob@remote.test'] as DeliveredUnsubscribe).token);
    assert.equal(res.status, 200);
    assert.match(res.body, /<form method="post"/);
    assert.match(res.body, /bob@remote\.test/);
    assert.deepEqual(await suppressionRows(b), []);
  });

  test('forged tokens (one character changed, another secret, another address) get 400 and suppress nothing', async () => {
    const good = (tokens['bob@remote.test'] as DeliveredUnsubscribe).token;
    const flipped = good.slice(0, 12) + (good[12] === 'A' ? 'B' : 'A') + good.slice(13);
    const otherSecret = new UnsubscribeTokens({ keys: [{ id: OLD.id, secret: 'an attacker guessing the secret' }], clock: { now: () => Date.now() } }).issue('bob@remote.test', 'news.test');
    const raw = Buffer.from(good, 'base64url');
    raw.write('rob', raw.indexOf('bob'), 'latin1');
    for (const forged of [flipped, otherSecret, raw.toString('base64url')]) {
      const res = await curl(http, forged, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click']);
      assert.equal(res.status, 400, forged);
      assert.match(res.body, /not valid/);
    }
    assert.deepEqual(await suppressionRows(b), []);
  });

  test('curl POST List-Unsubscribe=One-Click suppresses the address for the sending domain at once: 200, no page, an event', async () => {
    const res = await curl(http, (tokens['bob@remote.test'] as DeliveredUnsubscribe).token, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click']);
    assert.equal(res.status, 200);
    assert.equal(res.body, '');
    assert.deepEqual(await suppressionRows(b), [{ address: 'bob@remote.test', scope: 'news.test', reason: 'unsubscribe', source: 'one-click' }]);
    const events = await waitFor('the suppression-added event', async () => {
      const e = await suppressionAddedEvents(b);
      return e.length > 0 ? e : undefined;
    });
    assert.deepEqual(events.map((e) => [e['address'], e['domain'], e['reason'], e['source']]), [['bob@remote.test', 'news.test', 'unsubscribe', 'one-click']]);
  });

  test('the mailto address with swaks: the right sender is suppressed and nothing is queued; another sender gets 550 5.1.1 at RCPT', async () => {
    const mailto = (tokens['dave@remote.test'] as DeliveredUnsubscribe).mailto as string;
    const forged = await swaks(b.ports.mx as number, ['--from', 'eve@remote.test', '--to', mailto, '--quit-after', 'RCPT']);
    assert.match(forged.stdout + forged.stderr, /<\*\* +550 5\.1\.1/);
    const other = await swaks(b.ports.mx as number, ['--from', 'dave@remote.test', '--to', 'someone@unsub.test', '--quit-after', 'RCPT']);
    assert.match(other.stdout + other.stderr, /<\*\* +550 5\.1\.1/, 'no other address of the mailto domain');
    const before = received(sink).length;
    const ok = await swaks(b.ports.mx as number, ['--from', 'dave@remote.test', '--to', mailto, '--header', 'Subject: unsubscribe', '--body', 'unsubscribe']);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /<- {2}250 2\.0\.0 OK: queued as/);
    const rows = await suppressionRows(b);
    const dave = rows.find((r) => r.address === 'dave@remote.test');
    assert.deepEqual(dave && { ...dave, source: dave.source?.replace(/:.*/, ':ID') }, { address: 'dave@remote.test', scope: 'news.test', reason: 'unsubscribe', source: 'mailto:ID' });
    const list = await b.cli(['queue', 'list', '--json']);
    assert.deepEqual(JSON.parse(list.stdout), [], 'nothing queued for the unsubscribe address');
    assert.equal(received(sink).length, before, 'nothing delivered');
  });

  test('key rotation: after a new first secret the old tokens still work while the old secret is listed, and stop when it is dropped', async () => {
    await writeFile(b.configFile, stringify(config([NEW, OLD])));
    await b.restart();
    assert.equal((await submit('app', ['frank@remote.test'], message('after rotation'))).data?.[0], 250);
    const [m] = (await arrived('after rotation')) as [Buffer];
    const fresh = listUnsubscribeOf(m) as DeliveredUnsubscribe;
    assert.equal(Buffer.from(fresh.token, 'base64url').toString('latin1', 2, 5), 'new', 'the new secret signs');
    const carol = (tokens['carol@remote.test'] as DeliveredUnsubscribe).token;
    assert.equal((await curl(http, carol, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click'])).status, 200, 'an old token while its secret is listed');
    assert.ok((await suppressionRows(b)).some((r) => r.address === 'carol@remote.test'));

    await writeFile(b.configFile, stringify(config([NEW])));
    await b.restart();
    const daveOld = (tokens['dave@remote.test'] as DeliveredUnsubscribe).token;
    assert.equal((await curl(http, daveOld, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click'])).status, 400, 'its secret dropped: refused');
    assert.equal((await curl(http, fresh.token, ['-X', 'POST', '-d', 'List-Unsubscribe=One-Click'])).status, 200);
  });

  // Suppressed recipients are dropped at intake by part (A) of issue 9; with both merged this runs.
  test('the next bulk message to an unsubscribed address is not delivered', async () => {
    const before = received(sink).length;
    assert.equal((await submit('app', ['bob@remote.test', 'grace@remote.test'], message('after unsubscribe'))).data?.[0], 250);
    const [m] = (await arrived('after unsubscribe')) as [Buffer];
    assert.deepEqual(recipientsOf(m), ['grace@remote.test']);
    await waitForEmptyQueue(b);
    assert.equal(received(sink).length, before + 1, 'bob got no copy');
  });
});

/** CAN-SPAM without an unsubscribe config: bulk mail must bring its own (bulk.requireUnsubscribe, on by default). */
describe('bulk mail without an unsubscribe config', { timeout: 120_000 }, () => {
  let sink: ScriptedSink;
  let b: Baton;

  before(async () => {
    sink = await startScriptedSink({ extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'] });
    // Loopback is trusted (the default): the client may name the stream.
    b = await startBaton({ config: { listeners: [{ role: 'mx' }], routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }] } });
  });
  after(async () => {
    await b?.stop();
    await sink?.stop();
  });

  const send = (subject: string, header: string) =>
    pySend({ port: b.ports.mx as number, mail_from: 'news@news.test', rcpts: [{ to: 'bob@remote.test' }], data: testMessage('news@news.test', 'bob@remote.test', subject).text.replace('Subject:', `${header}Subject:`) });

  test('is refused at the end of DATA with 550 5.7.1 unless it carries a valid List-Unsubscribe pair, which is kept', async () => {
    const bare = await send('bare', 'X-Baton-Stream: bulk\r\n');
    assert.equal(bare.data?.[0], 550);
    assert.match(bare.data?.[1] ?? '', /^5\.7\.1 Bulk mail must carry List-Unsubscribe/);
    const mailtoOnly = await send('mailto only', 'X-Baton-Stream: bulk\r\nList-Unsubscribe: <mailto:leave@news.test>\r\n');
    assert.equal(mailtoOnly.data?.[0], 550);
    const own = 'List-Unsubscribe: <https://esp.news.test/u/42>\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n';
    assert.equal((await send('own pair', `X-Baton-Stream: bulk\r\n${own}`)).data?.[0], 250);
    assert.equal((await send('transactional', '')).data?.[0], 250, 'transactional mail is not asked');
    const mine = await waitFor('both accepted messages at the sink', () => {
      const all = received(sink);
      return all.length >= 2 ? all : undefined;
    });
    const kept = mine.find((m) => m.includes('Subject: own pair')) as Buffer;
    assert.ok(kept.includes(own), 'the sender\'s valid pair is delivered as it was');
    assert.equal(mine.length, 2, 'nothing refused was delivered');
  });
});
