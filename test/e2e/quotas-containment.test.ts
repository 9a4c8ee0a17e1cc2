import Database from 'better-sqlite3';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queuedId, startBaton, type Baton } from '../helpers/baton.js';
import { pySend, swaks, type SendResult } from '../helpers/clients.js';
import { waitFor } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';
import { makeSelfSignedCert } from '../helpers/tls.js';

/**
 * Per-user sending quotas and compromised-account containment
 * (docs/deliverability.md#quotas, #containment), with real clients (Python's
 * smtplib, swaks) on the submission listener and real receivers: Postfix's
 * smtp-sink for mail that is delivered, a scripted sink answering 550 5.1.1
 * for the bounce trigger. The turn of the hour is shown with a fake clock in
 * src/smtp/policy/checks/sending-quota.test.ts: a real node's clock is real.
 */
describe('quotas and containment on the submission listener', { timeout: 180_000 }, () => {
  let b: Baton;
  let sink: SmtpSinkHandle;
  let bad: ScriptedSink;
  let sub: number;
  const password = 'Quota-Pass-7';

  before(async () => {
    const cert = await makeSelfSignedCert();
    sink = await startSmtpSink();
    bad = await startScriptedSink({ reply: (e) => (e.command === 'RCPT' ? '550 5.1.1 No such user here' : undefined) });
    b = await startBaton({
      config: {
        listeners: [{ role: 'submission' }],
        tls: { cert: cert.cert, key: cert.key },
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        routes: [
          // Delivered mail, and the DSNs back to the senders.
          { domains: ['sink.test', 'sender.test'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' },
          { domains: ['bad.test'], smarthost: `127.0.0.1:${bad.port}`, tls: 'none' },
        ],
        // Small thresholds so a test's handful of messages is a "burst" and a "sample".
        containment: { rateFactor: 10, minMessages: 5, bounceRate: 0.5, minSample: 3 },
      },
    });
    sub = b.ports.submission as number;
    for (const user of ['hourly', 'fanout', 'burst', 'bouncer']) {
      const r = await b.cli(['user', 'add', user, '--domains', 'sender.test'], { input: `${password}\n` });
      assert.equal(r.code, 0, r.stdout + r.stderr);
    }
  });
  after(async () => {
    try {
      await b?.stop();
    } finally {
      await sink?.stop();
      await bad?.stop();
    }
  });

  /**
   * Windows are real UTC hours here: a test that starts in an hour's last
   * minute waits for the next one, so its counts are not split by the turn of
   * the hour (or of the day). At most a minute, and only then.
   */
  const awayFromHourBoundary = async () => {
    const left = 3_600_000 - (Date.now() % 3_600_000);
    if (left < 60_000) await new Promise((r) => setTimeout(r, left + 1000));
  };

  const send = (user: string, rcpts: readonly string[], subject = 'quota test'): Promise<SendResult> =>
    pySend({
      port: sub,
      mode: 'starttls',
      auth: { user, password, mech: 'PLAIN' },
      mail_from: `${user}@sender.test`,
      rcpts: rcpts.map((to) => ({ to })),
      data: `From: ${user}@sender.test\r\nSubject: ${subject}\r\n\r\nbody\r\n`,
    });

  /** Events of one type from the node's events table (read only). */
  const events = (type: string): Record<string, unknown>[] => {
    const db = new Database(join(b.dir, 'queue.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT data FROM events WHERE type = ? ORDER BY id').pluck().all(type) as string[]).map((d) => JSON.parse(d) as Record<string, unknown>);
    } finally {
      db.close();
    }
  };
  const delivered = async (to: string) => (await sink.messages()).filter((m) => m.recipients.includes(to)).length;
  const userShow = async (user: string) => {
    const r = await b.cli(['user', 'show', user, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as { hour: { messages: number }; day: { messages: number; recipients: number; bounces: number }; baseline: number; contained: { trigger: string; reason: string } | null };
  };
  const heldOf = async (user: string): Promise<string[]> => {
    const r = await b.cli(['queue', 'list', '--held', '--json']);
    assert.equal(r.code, 0, r.stderr);
    return (JSON.parse(r.stdout) as { id: string; held: boolean; origin: { user?: string } }[]).filter((m) => m.held && m.origin.user === user).map((m) => m.id);
  };

  test('over messagesPerHour, MAIL gets 451 4.7.1 with the limit, the user and the hour; a quota-exceeded event is recorded; a raised limit applies at the next login', async () => {
    await awayFromHourBoundary();
    assert.equal((await b.cli(['user', 'set', 'hourly', '--messages-per-hour', '2'])).code, 0);
    for (let i = 0; i < 2; i++) {
      const ok = await send('hourly', ['a@sink.test']);
      assert.equal(ok.data?.[0], 250, JSON.stringify(ok));
    }
    const refused = await send('hourly', ['a@sink.test']);
    assert.equal(refused.mail?.[0], 451, JSON.stringify(refused));
    const nextHour = new Date(Math.floor(Date.now() / 3_600_000 + 1) * 3_600_000).toISOString().slice(11, 16);
    assert.equal(refused.mail?.[1], `4.7.1 Sending quota exceeded: 2 messages per hour for hourly; try again after ${nextHour} UTC`);
    // swaks, another client, sees the same.
    const sw = await swaks(sub, ['-tls', '--auth', 'PLAIN', '--auth-user', 'hourly', '--auth-password', password, '--from', 'hourly@sender.test', '--to', 'a@sink.test']);
    assert.match(sw.stdout, /<~\* 451 4\.7\.1 Sending quota exceeded: 2 messages per hour for hourly/);
    const ev = await waitFor('the quota-exceeded events', () => (events('quota-exceeded').length >= 2 ? events('quota-exceeded') : undefined));
    assert.deepEqual(
      ev.map((e) => [e.user, e.limit, e.max, e.window]),
      [['hourly', 'messagesPerHour', 2, 'hour'], ['hourly', 'messagesPerHour', 2, 'hour']],
    );
    assert.match(b.logs(), /"msg":"quota exceeded"/);
    assert.equal((await b.cli(['user', 'set', 'hourly', '--messages-per-hour', '3'])).code, 0);
    const again = await send('hourly', ['a@sink.test']);
    assert.equal(again.data?.[0], 250, JSON.stringify(again));
    await waitFor('the three messages at the sink', async () => (await delivered('a@sink.test')) === 3);
  });

  test('over recipientsPerMessage, the extra RCPT gets 451 4.7.1 and the message goes to the others', async () => {
    await awayFromHourBoundary();
    assert.equal((await b.cli(['user', 'set', 'fanout', '--recipients-per-message', '2'])).code, 0);
    const r = await send('fanout', ['f1@sink.test', 'f2@sink.test', 'f3@sink.test']);
    assert.deepEqual(r.rcpts?.map((x) => x[0]), [250, 250, 451], JSON.stringify(r));
    assert.equal(r.rcpts?.[2]?.[1], '4.7.1 Sending quota exceeded: 2 recipients per message for fanout; send the other recipients in another message');
    assert.equal(r.data?.[0], 250);
    await waitFor('f1 and f2 at the sink', async () => (await delivered('f1@sink.test')) === 1 && (await delivered('f2@sink.test')) === 1);
    assert.equal(await delivered('f3@sink.test'), 0);
    await waitFor('the event', () => events('quota-exceeded').some((e) => e.user === 'fanout' && e.limit === 'recipientsPerMessage'));
  });

  test('a burst far above the baseline contains the user: later mail is accepted but held; release --user delivers it and lifts containment', async () => {
    await awayFromHourBoundary();
    for (let i = 0; i < 6; i++) {
      const r = await send('burst', ['b@sink.test'], `burst ${i}`);
      assert.equal(r.data?.[0], 250, JSON.stringify(r));
    }
    // 6 messages in an hour with no past (baseline 0) is over containment.minMessages 5.
    await waitFor('the contained event', () => events('contained').find((e) => e.user === 'burst'));
    assert.match(b.logs(), /"level":40[^\n]*"user":"burst"[^\n]*user contained: new mail from burst is queued held until \\"baton queue release --user burst\\"/);
    const held: string[] = [];
    for (let i = 0; i < 2; i++) {
      const r = await send('burst', ['b@sink.test'], `after containment ${i}`);
      assert.equal(r.data?.[0], 250, `accepted, not refused: ${JSON.stringify(r)}`);
      held.push(queuedId(r.data?.[1] ?? '') ?? '');
    }
    assert.deepEqual((await heldOf('burst')).sort(), [...held].sort());
    const list = await b.cli(['queue', 'list', '--held']);
    assert.match(list.stdout, /burst@sender\.test +held/);
    const shown = await waitFor('user show with the counts', async () => {
      const s = await userShow('burst');
      return s.hour.messages === 8 ? s : undefined;
    });
    assert.equal(shown.contained?.trigger, 'rate');
    assert.match(shown.contained?.reason ?? '', /^6 messages this hour, over 10 x its baseline of 0\.0\/hour/);
    await waitFor('the 6 messages before containment delivered', async () => (await delivered('b@sink.test')) === 6);

    const rel = await b.cli(['queue', 'release', '--user', 'burst']);
    assert.equal(rel.code, 0, rel.stderr);
    assert.equal(rel.stdout, 'burst: 2 held messages released; containment lifted\n');
    await waitFor('the 2 released messages at the sink', async () => (await delivered('b@sink.test')) === 8);
    assert.equal((await userShow('burst')).contained, null);
    assert.deepEqual(events('containment-lifted').map((e) => [e.user, e.released]), [['burst', 2]]);
    const after = await send('burst', ['b@sink.test'], 'after release');
    assert.equal(after.data?.[0], 250);
    await waitFor('the next message delivered, not held', async () => (await delivered('b@sink.test')) === 9);
    assert.deepEqual(await heldOf('burst'), []);
  });

  test('hard bounces (550 5.1.1 from a real peer) over bounceRate contain the user; its next message is held', async () => {
    await awayFromHourBoundary();
    for (let i = 0; i < 3; i++) {
      const r = await send('bouncer', [`gone${i}@bad.test`]);
      assert.equal(r.data?.[0], 250, JSON.stringify(r));
    }
    const ev = await waitFor('the contained event', () => events('contained').find((e) => e.user === 'bouncer'), 20_000);
    assert.equal(ev.trigger, 'bounces');
    // Over half once 2 of the 3 recipients bounced (whichever event came last: the bounce or the third accept).
    assert.match(String(ev.reason), /^[23] hard bounces for 3 recipients today, over containment\.bounceRate 0\.5$/);
    await waitFor('all three bounced', () => events('bounced').length === 3);
    const r = await send('bouncer', ['someone@sink.test']);
    assert.equal(r.data?.[0], 250);
    assert.deepEqual(await heldOf('bouncer'), [queuedId(r.data?.[1] ?? '')]);
    const show = await b.cli(['user', 'show', 'bouncer']);
    assert.match(show.stdout, /Contained: {3}since \S+ \(bounces\): [23] hard bounces for 3 recipients/);
  });
});
