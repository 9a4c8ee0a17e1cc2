import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createTransport } from 'nodemailer';
import { undeliverable, canConnect, queueList, queuedId, sleep, startBaton, type Baton } from '../helpers/baton.js';
import { dialog, pySend, runCommand, swaks } from '../helpers/clients.js';
import { freePort } from '../helpers/free-port.js';
import { makeSelfSignedCert, type TestCert } from '../helpers/tls.js';

/**
 * Submission (RFC 6409) with STARTTLS (RFC 3207) and AUTH PLAIN/LOGIN (RFC 4954),
 * and submissions on implicit TLS (RFC 8314). TLS 1.2 or newer only.
 */
describe('accepting mail on submission and submissions', { timeout: 240_000 }, () => {
  let b: Baton;
  let cert: TestCert;
  let sub: number;
  let subs: number;
  let mx: number;
  const user = 'alice';
  const password = 'Correct-Horse-9';

  before(async () => {
    cert = await makeSelfSignedCert();
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission' }, { role: 'submissions' }],
        tls: { cert: cert.cert, key: cert.key },
        localDomains: ['local.test'],
        // Nobody is trusted by network: relaying needs AUTH.
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        ...(await undeliverable()),
      },
    });
    sub = b.ports.submission as number;
    subs = b.ports.submissions as number;
    mx = b.ports.mx as number;
    const r = await b.cli(['user', 'add', user, '--domains', 'sender.test,other-sender.test'], { input: `${password}\n` });
    assert.equal(r.code, 0, `user add failed: ${r.stdout}${r.stderr}`);
  });
  after(() => b?.stop());

  test('baton user list shows the user and its domains, never the password', async () => {
    const r = await b.cli(['user', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /alice/);
    assert.match(r.stdout, /sender\.test/);
    assert.doesNotMatch(r.stdout, new RegExp(password));
  });

  test('submission offers STARTTLS and no AUTH before TLS, and AUTH PLAIN LOGIN after it', async () => {
    const r = await pySend({ port: sub, mode: 'starttls', mail_from: '', rcpts: [], stop_after: 'ehlo' });
    assert.ok(r.features_before_tls, JSON.stringify(r));
    assert.ok('starttls' in r.features_before_tls, 'STARTTLS offered');
    assert.ok(!('auth' in r.features_before_tls), `AUTH offered before TLS: ${JSON.stringify(r.features_before_tls)}`);
    assert.match(r.tls ?? '', /^TLSv1\.[23]$/);
    const mechs = (r.features?.auth ?? '').toUpperCase().split(/\s+/);
    assert.ok(mechs.includes('PLAIN') && mechs.includes('LOGIN'), `AUTH after TLS: ${r.features?.auth}`);
    assert.ok(!('starttls' in (r.features ?? {})), 'STARTTLS not offered again inside TLS');
  });

  test('MAIL on submission before STARTTLS is refused with 530', async () => {
    const r = await pySend({ port: sub, mode: 'plain', mail_from: 'alice@sender.test', rcpts: [{ to: 'x@foreign.test' }] });
    assert.equal(r.mail?.[0], 530, JSON.stringify(r));
    assert.match(r.mail?.[1] ?? '', /^5\.7\.0 /);
  });

  test('MAIL on submission after STARTTLS but before AUTH is refused with 530 5.7.0', async () => {
    const r = await pySend({ port: sub, mode: 'starttls', mail_from: 'alice@sender.test', rcpts: [{ to: 'x@foreign.test' }] });
    assert.equal(r.mail?.[0], 530, JSON.stringify(r));
    assert.match(r.mail?.[1] ?? '', /^5\.7\.0 /);
  });

  test('AUTH with a wrong password fails with 535 5.7.8', async () => {
    const r = await pySend({ port: sub, mode: 'starttls', auth: { user, password: 'wrong', mech: 'PLAIN' }, mail_from: '', rcpts: [], stop_after: 'auth' });
    assert.equal(r.auth?.[0], 535, JSON.stringify(r));
    assert.match(r.auth?.[1] ?? '', /^5\.7\.8 /);
  });

  test('an authenticated user (AUTH PLAIN, swaks) can relay to a foreign domain', async () => {
    const r = await swaks(sub, [
      '-tls', '--auth', 'PLAIN', '--auth-user', user, '--auth-password', password,
      '--from', 'alice@sender.test', '--to', 'bob@foreign.test',
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const id = queuedId(r.stdout);
    assert.ok(id, r.stdout);
    const entry = (await queueList(b)).find((m) => m.id === id);
    assert.equal(entry?.sender, 'alice@sender.test');
    assert.deepEqual(entry?.recipients.map((x) => x.address), ['bob@foreign.test']);
  });

  test('an authenticated user (AUTH LOGIN, smtplib) can relay to a foreign domain', async () => {
    const r = await pySend({
      port: sub, mode: 'starttls', auth: { user, password, mech: 'LOGIN' },
      mail_from: 'alice@other-sender.test', rcpts: [{ to: 'carol@foreign.test' }], data: 'Subject: login\r\n\r\nvia LOGIN\r\n',
    });
    assert.equal(r.auth?.[0], 235, JSON.stringify(r));
    assert.equal(r.data?.[0], 250, JSON.stringify(r));
    assert.ok(queuedId(r.data?.[1] ?? ''), JSON.stringify(r));
  });

  test('an authenticated user sending as another domain is refused with 553 5.7.1', async () => {
    const r = await pySend({
      port: sub, mode: 'starttls', auth: { user, password, mech: 'PLAIN' },
      mail_from: 'ceo@bank.test', rcpts: [{ to: 'x@foreign.test' }], data: 'Subject: spoof\r\n\r\nx\r\n',
    });
    assert.equal(r.auth?.[0], 235, JSON.stringify(r));
    assert.equal(r.mail?.[0], 553, JSON.stringify(r));
    assert.match(r.mail?.[1] ?? '', /^5\.7\.1 /);
  });

  test('nodemailer with requireTLS and AUTH LOGIN sends through submission', async () => {
    const t = createTransport({
      host: '127.0.0.1', port: sub, secure: false, requireTLS: true, tls: { rejectUnauthorized: false },
      auth: { user, pass: password }, authMethod: 'LOGIN',
    });
    const info = await t.sendMail({ envelope: { from: 'alice@sender.test', to: ['dave@foreign.test'] }, raw: 'Subject: nm\r\n\r\nhi\r\n' });
    t.close();
    assert.match(info.response, /^250 2\.0\.0 OK: queued as /);
  });

  test('nodemailer on submissions (implicit TLS) with AUTH PLAIN', async () => {
    const t = createTransport({
      host: '127.0.0.1', port: subs, secure: true, tls: { rejectUnauthorized: false },
      auth: { user, pass: password }, authMethod: 'PLAIN',
    });
    const info = await t.sendMail({ envelope: { from: 'alice@sender.test', to: ['erin@foreign.test'] }, raw: 'Subject: nm465\r\n\r\nhi\r\n' });
    t.close();
    assert.match(info.response, /^250 2\.0\.0 OK: queued as /);
  });

  test('submissions speaks TLS from the first byte and requires AUTH before MAIL (smtplib SMTP_SSL)', async () => {
    const noAuth = await pySend({ port: subs, mode: 'ssl', mail_from: 'alice@sender.test', rcpts: [{ to: 'x@foreign.test' }] });
    assert.match(noAuth.tls ?? '', /^TLSv1\.[23]$/, JSON.stringify(noAuth));
    assert.ok(!('starttls' in (noAuth.features ?? {})), 'no STARTTLS inside implicit TLS');
    assert.equal(noAuth.mail?.[0], 530, JSON.stringify(noAuth));
    const ok = await pySend({
      port: subs, mode: 'ssl', auth: { user, password, mech: 'PLAIN' },
      mail_from: 'alice@sender.test', rcpts: [{ to: 'frank@foreign.test' }], data: 'Subject: 465\r\n\r\nx\r\n',
    });
    assert.equal(ok.data?.[0], 250, JSON.stringify(ok));
  });

  test('a plaintext client on the submissions port gets no SMTP greeting', async () => {
    const ev = await dialog(subs, [{ send: 'EHLO client.test\r\n' }, { drain: 3 }]);
    const data = ev.find((e) => e.data !== undefined)?.data ?? '';
    assert.doesNotMatch(data, /^220 /m);
  });

  test('mx does not offer AUTH before TLS and refuses AUTH PLAIN in the clear', async () => {
    const ev = await dialog(mx, [
      { read: true }, { send: 'EHLO client.test\r\n' }, { read: true },
      { send: `AUTH PLAIN ${Buffer.from(`\0${user}\0${password}`).toString('base64')}\r\n` }, { read: true },
      { send: 'QUIT\r\n' }, { read: true },
    ]);
    const ehlo = ev.find((e) => e.step === 2)?.reply?.lines ?? [];
    assert.ok(ehlo.some((l) => /STARTTLS/i.test(l)), 'mx offers STARTTLS');
    assert.ok(!ehlo.some((l) => /^250[- ]AUTH/i.test(l)), `AUTH offered in the clear: ${ehlo.join(' | ')}`);
    const auth = ev.find((e) => e.step === 4)?.reply?.code ?? 0;
    assert.ok(auth === 538 || auth === 530 || auth === 503 || auth === 502, `AUTH in the clear answered ${auth}`);
  });

  test('a TLS 1.1 client is refused on STARTTLS and on implicit TLS, TLS 1.2 is accepted', async () => {
    // Control: the client really can speak TLS 1.1 (against openssl s_server), so
    // a refusal below comes from Baton, not from the client's own OpenSSL policy.
    const ctlPort = await freePort();
    const srv = spawn('openssl', ['s_server', '-accept', `127.0.0.1:${ctlPort}`, '-cert', cert.cert, '-key', cert.key, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0', '-quiet'], { stdio: ['pipe', 'ignore', 'ignore'] });
    try {
      for (let i = 0; i < 100 && !(await canConnect('127.0.0.1', ctlPort)); i++) await sleep(50);
      const ctl = await dialog(ctlPort, [{ starttls: true, max_version: 'TLSv1_1' }]);
      assert.equal(ctl[0]?.tls, 'TLSv1.1', `control failed: ${JSON.stringify(ctl)}`);
    } finally {
      srv.kill('SIGKILL');
    }

    const old = await dialog(sub, [
      { read: true }, { send: 'EHLO client.test\r\n' }, { read: true }, { send: 'STARTTLS\r\n' }, { read: true },
      { starttls: true, max_version: 'TLSv1_1' },
    ]);
    assert.equal(old.find((e) => e.step === 4)?.reply?.code, 220, JSON.stringify(old));
    assert.ok(old.some((e) => e.tls_error), `TLS 1.1 handshake succeeded: ${JSON.stringify(old)}`);

    const s11 = await runCommand('openssl', ['s_client', '-connect', `127.0.0.1:${subs}`, '-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0'], { timeoutMs: 15_000 });
    // s_client prints the protocol it tried even when the handshake failed; the cipher tells.
    assert.match(s11.stdout, /New, \(NONE\), Cipher is \(NONE\)/, s11.stdout + s11.stderr);
    assert.doesNotMatch(s11.stdout, /New, TLSv1\.1, Cipher is /);

    const ok = await dialog(sub, [
      { read: true }, { send: 'EHLO client.test\r\n' }, { read: true }, { send: 'STARTTLS\r\n' }, { read: true },
      { starttls: true, max_version: 'TLSv1_2' }, { send: 'EHLO client.test\r\n' }, { read: true }, { send: 'QUIT\r\n' }, { read: true },
    ]);
    assert.equal(ok.find((e) => e.tls)?.tls, 'TLSv1.2', JSON.stringify(ok));
    assert.equal(ok.find((e) => e.step === 7)?.reply?.code, 250);
    assert.ok(b.alive());
  });
});
