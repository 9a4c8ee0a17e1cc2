import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { queuedId, queueShow, startBaton, type Baton } from '../helpers/baton.js';
import { pySend, swaks } from '../helpers/clients.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startScriptedSink, type ScriptedSink, type SinkMessage } from '../helpers/scripted-sink.js';
import { makeSelfSignedCert } from '../helpers/tls.js';

/**
 * Suppression end to end (docs/deliverability.md#suppression): entries made
 * with the real `baton suppression` CLI against a running Baton; authenticated
 * submission (smtplib, swaks) is refused at RCPT with 550 5.7.1, relayed mail
 * from a trusted client is screened at intake; a scripted SMTP server on
 * loopback (the smarthost for remote.test) records what is really delivered.
 */
describe('suppression at RCPT and at intake', { timeout: 240_000 }, () => {
  let sink: ScriptedSink;
  let b: Baton;
  let mx: number;
  let sub: number;
  const auth = { user: 'alice', password: 'Correct-Horse-9', mech: 'PLAIN' as const };

  const delivered = (): SinkMessage[] => sink.sessions.flatMap((s) => s.messages);
  const deliveredWith = (subject: string) => waitFor(`a message "${subject}" at the sink`, () => delivered().find((m) => m.data.toString('utf8').includes(`Subject: ${subject}\r\n`)), 20_000);
  const suppress = async (...args: string[]) => {
    const r = await b.cli(['suppression', 'add', ...args]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
  };
  type Timeline = { type: string; recipient?: string; reason?: string; scope?: string; recipients?: string[] }[];
  const timeline = async (id: string) => (await queueShow(b, id)).timeline as Timeline;

  before(async () => {
    sink = await startScriptedSink();
    const cert = await makeSelfSignedCert();
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission' }],
        tls: { cert: cert.cert, key: cert.key },
        localDomains: ['local.test'],
        routes: [{ domains: ['remote.test'], smarthost: `127.0.0.1:${sink.port}` }],
      },
    });
    mx = b.ports.mx as number;
    sub = b.ports.submission as number;
    const r = await b.cli(['user', 'add', auth.user, '--domains', 'brand.test,other.test'], { input: `${auth.password}\n` });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    await suppress('gone@remote.test', '--reason', 'hard-bounce');
    await suppress('unsub@remote.test', '--domain', 'brand.test', '--reason', 'unsubscribe');
    await suppress('postmaster@remote.test');
  });
  after(async () => {
    try {
      await b?.stop();
    } finally {
      await sink?.stop();
    }
  });

  test('submission (smtplib, AUTH): RCPT of a suppressed address gets 550 5.7.1 saying why; the other recipient is accepted and delivered', async () => {
    const r = await pySend({
      port: sub, mode: 'starttls', auth, mail_from: 'news@brand.test',
      rcpts: [{ to: 'gone@remote.test' }, { to: 'fine@remote.test' }],
      data: testMessage('news@brand.test', 'fine@remote.test', 'rcpt-check').text,
    });
    assert.deepEqual(r.rcpts?.[0], [550, '5.7.1 <gone@remote.test>: recipient is suppressed (mail to it bounced permanently); no mail will be sent to it'], JSON.stringify(r));
    assert.equal(r.rcpts?.[1]?.[0], 250, JSON.stringify(r));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const m = await deliveredWith('rcpt-check');
    assert.deepEqual(m.recipients, ['fine@remote.test']);
    const rejectedLine = (l: string) => l.includes('"msg":"rejected"') && l.includes('"check":"suppression"') && l.includes('"rcpt":"gone@remote.test"');
    await waitFor('the rejected event in the log', () => b.logs().split('\n').some(rejectedLine));
  });

  test('submission (swaks, AUTH): a domain-scoped entry refuses that sender domain only, naming it', async () => {
    const args = (from: string, subject: string) => ['-tls', '--auth', 'PLAIN', '--auth-user', auth.user, '--auth-password', auth.password, '--from', from, '--to', 'unsub@remote.test', '--header', `Subject: ${subject}`];
    const refused = await swaks(sub, args('news@brand.test', 'scoped-refused'));
    assert.notEqual(refused.code, 0);
    assert.match(refused.stdout, /<~?\*+ +550 5\.7\.1 <unsub@remote\.test>: recipient is suppressed \(unsubscribed from brand\.test\); no mail will be sent to it/);
    const ok = await swaks(sub, args('news@other.test', 'scoped-other-sender'));
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    assert.deepEqual((await deliveredWith('scoped-other-sender')).recipients, ['unsub@remote.test']);
  });

  test('relayed mail (trusted client on mx): the suppressed recipient is dropped at intake, the timeline says so, the other is delivered', async () => {
    const msg = testMessage('news@brand.test', 'x@remote.test', 'intake-drop');
    const id = await sendVia(mx, 'news@brand.test', ['gone@remote.test', 'unsub@remote.test', 'kept@remote.test'], msg.text);
    assert.deepEqual((await deliveredWith('intake-drop')).recipients, ['kept@remote.test']);
    const events = await waitFor('the delivered event', async () => {
      const t = await timeline(id);
      return t.some((e) => e.type === 'delivered') && t;
    });
    assert.deepEqual(
      events.filter((e) => e.type === 'suppressed').map((e) => [e.recipient, e.reason, e.scope]),
      [
        ['gone@remote.test', 'hard-bounce', 'global'],
        ['unsub@remote.test', 'unsubscribe', 'brand.test'],
      ],
    );
    assert.deepEqual(events.find((e) => e.type === 'accepted')?.recipients, ['kept@remote.test'], 'only the kept recipient was queued');
    const show = await b.cli(['queue', 'show', id]);
    assert.match(show.stdout, /suppressed\s+gone@remote\.test\s+hard-bounce, global: not queued/);
  });

  test('relayed mail whose every recipient is suppressed still gets 250 and a queue id; nothing is queued or sent', async () => {
    const r = await pySend({ port: mx, mail_from: 'news@brand.test', rcpts: [{ to: 'gone@remote.test' }, { to: 'unsub@remote.test' }], data: testMessage('news@brand.test', 'x@remote.test', 'all-suppressed').text });
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    const id = queuedId(r.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(r));
    const shown = await queueShow(b, id);
    assert.equal(shown.inQueue, false);
    assert.deepEqual((shown.timeline as Timeline).map((e) => [e.type, e.recipient ?? '']), [
      ['accepted', ''],
      ['suppressed', 'gone@remote.test'],
      ['suppressed', 'unsub@remote.test'],
    ]);
    assert.ok(!delivered().some((m) => m.data.includes('Subject: all-suppressed')));
  });

  test('a domain-scoped entry does not apply to relayed mail of another sender domain', async () => {
    await sendVia(mx, 'billing@other.test', ['unsub@remote.test'], testMessage('billing@other.test', 'unsub@remote.test', 'scoped-relay-other').text);
    assert.deepEqual((await deliveredWith('scoped-relay-other')).recipients, ['unsub@remote.test']);
  });

  test('postmaster@ and DSNs (null reverse-path) are exempt, at intake and at RCPT', async () => {
    await sendVia(mx, 'news@brand.test', ['PostMaster@remote.test'], testMessage('news@brand.test', 'postmaster@remote.test', 'exempt-postmaster').text);
    assert.deepEqual((await deliveredWith('exempt-postmaster')).recipients, ['PostMaster@remote.test']);
    await sendVia(mx, '', ['gone@remote.test'], testMessage('MAILER-DAEMON@relay.test', 'gone@remote.test', 'exempt-dsn').text);
    const dsn = await deliveredWith('exempt-dsn');
    assert.deepEqual([dsn.mailFrom, dsn.recipients], ['', ['gone@remote.test']]);
    const r = await pySend({ port: sub, mode: 'starttls', auth, mail_from: 'news@brand.test', rcpts: [{ to: 'postmaster@remote.test' }], data: testMessage('news@brand.test', 'postmaster@remote.test', 'exempt-pm-sub').text });
    assert.equal(r.rcpts?.[0]?.[0], 250, JSON.stringify(r));
    await deliveredWith('exempt-pm-sub');
  });

  test('import of a 100,000-row CSV: every row is found by check, applies at once at RCPT, and export gives the rows back', async (t) => {
    const rows = Array.from({ length: 100_000 }, (_, i) => `bulk${i}@remote.test`);
    const file = join(b.dir, 'big.csv');
    await writeFile(file, `address,reason\n${rows.map((a, i) => `${a},${i % 2 ? 'unsubscribe' : 'complaint'}`).join('\n')}\n`);
    const t0 = Date.now();
    const imported = await b.cli(['suppression', 'import', file], { timeoutMs: 120_000 });
    const importMs = Date.now() - t0;
    assert.equal(imported.code, 0, imported.stderr);
    assert.equal(imported.stdout, `imported 100000 of 100000 rows from ${file}\n`);
    // Piped: no progress (it is drawn on a terminal only: cli-progress.test.ts runs it on a pty).
    assert.equal(imported.stderr, '', 'no progress when piped');

    for (const [address, code] of [['bulk0@remote.test', 3], ['bulk99999@remote.test', 3], ['bulk100000@remote.test', 0]] as const) {
      const r = await b.cli(['suppression', 'check', address, '--json']);
      assert.equal(r.code, code, `${address}: ${r.stdout}${r.stderr}`);
    }
    const refused = await pySend({ port: sub, mode: 'starttls', auth, mail_from: 'news@brand.test', rcpts: [{ to: 'bulk4242@remote.test' }, { to: 'fine@remote.test' }], data: testMessage('news@brand.test', 'fine@remote.test', 'after-import').text });
    assert.deepEqual(refused.rcpts?.[0], [550, '5.7.1 <bulk4242@remote.test>: recipient is suppressed (reported mail as spam); no mail will be sent to it']);

    const out = join(b.dir, 'export.csv');
    const t1 = Date.now();
    const exported = await b.cli(['suppression', 'export', out], { timeoutMs: 120_000 });
    const exportMs = Date.now() - t1;
    assert.equal(exported.code, 0, exported.stderr);
    const lines = (await readFile(out, 'utf8')).trimEnd().split('\n');
    assert.equal(lines[0], 'address,domain,reason,source,created,expires');
    const exportedBulk = lines.slice(1).filter((l) => l.startsWith('bulk')).map((l) => l.split(','));
    assert.equal(exportedBulk.length, 100_000);
    assert.deepEqual(new Set(exportedBulk.map((c) => c[0])), new Set(rows));
    assert.ok(exportedBulk.every((c) => c[1] === '' && c[3] === 'csv:big.csv' && (c[2] === 'complaint' || c[2] === 'unsubscribe')));
    assert.equal(exportedBulk.find((c) => c[0] === 'bulk1@remote.test')?.[2], 'unsubscribe');
    t.diagnostic(`import of 100,000 rows: ${importMs} ms; export: ${exportMs} ms (whole CLI runs, process start included)`);
  });
});
