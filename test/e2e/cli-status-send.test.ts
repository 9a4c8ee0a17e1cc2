import assert from 'node:assert/strict';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { batonBin, queuedId, runCli, startBaton } from '../helpers/baton.js';
import { runCommand } from '../helpers/clients.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * The operator's CLI against a real Baton (issue 11): `baton status` (bound
 * listeners probed over TCP, the queue, the last failures with the remote
 * reply, the API's /readyz), `baton send` through a listener with AUTH and
 * the SMTP dialogue shown, `--json` on every listing, the progress bar on a
 * real pty (script(1)) and none when piped, and `log.format: pretty`.
 */
describe('baton status, baton send and the listings', { timeout: 240_000 }, () => {
  let api: ApiBaton;
  let good: SmtpSinkHandle;
  let refusing: SmtpSinkHandle;
  const sender = 'app@local.test';

  before(async () => {
    good = await startSmtpSink();
    refusing = await startSmtpSink({ args: ['-r', 'RCPT'] });
    api = await startApiBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission', allowPlaintextAuth: true }],
        localDomains: ['local.test'],
        routes: [
          { domains: ['good.test'], smarthost: `127.0.0.1:${good.port}`, tls: 'none' },
          { domains: ['refusing.test'], smarthost: `127.0.0.1:${refusing.port}`, tls: 'none' },
        ],
      },
    });
    const added = await api.baton.cli(['user', 'add', 'tester', '--domains', 'local.test'], { input: 'pw-tester-1\n' });
    assert.equal(added.code, 0, added.stderr);
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await good?.stop();
      await refusing?.stop();
    }
  });

  test('baton send through the submission listener with AUTH: queued, delivered, the SMTP dialogue on stderr with --verbose', async () => {
    const port = api.baton.ports.submission as number;
    const r = await api.baton.cli(['send', '--server', `127.0.0.1:${port}`, '--auth', 'tester', '--from', sender, '--to', 'rcpt@good.test', '--subject', 'from baton send', '--body', 'hello from the CLI', '--verbose'], {
      input: 'pw-tester-1\n',
    });
    assert.equal(r.code, 0, r.stderr);
    const id = /^queued as ([0-9A-Z]{20}) \(smtp: 250 /.exec(r.stdout)?.[1];
    assert.ok(id, r.stdout);
    assert.match(r.stderr, /C: EHLO /);
    assert.match(r.stderr, /S: 235 /, 'AUTH succeeded');
    assert.match(r.stderr, /C: MAIL FROM:<app@local.test>/);
    const [msg] = await good.waitForMessages(1);
    assert.deepEqual(msg?.recipients, ['rcpt@good.test']);
    assert.match(msg?.data ?? '', /Subject: from baton send/);
    assert.match(msg?.data ?? '', /hello from the CLI/);
  });

  test('baton send exits 1 with the server\'s reply when the message is refused', async () => {
    const port = api.baton.ports.submission as number;
    const r = await api.baton.cli(['send', '--server', `127.0.0.1:${port}`, '--from', sender, '--to', 'x@good.test']);
    assert.equal(r.code, 1);
    // Submission without AUTH: relay access denied for a foreign domain.
    assert.match(r.stderr, /^baton: 127\.0\.0\.1:\d+ refused the message: 5\d\d /m);
  });

  test('baton send --api posts the documented JSON with the bearer key and prints the queue id; a problem answer exits 1 with its detail', async () => {
    const seen: { url: string; auth: string; body: Record<string, unknown> }[] = [];
    const server = createServer(async (req: IncomingMessage, res) => {
      let data = '';
      for await (const c of req) data += String(c);
      const body = JSON.parse(data) as Record<string, unknown>;
      seen.push({ url: `${req.method} ${req.url}`, auth: req.headers.authorization ?? '', body });
      if ((body['to'] as string[]).includes('bad@good.test')) {
        res.writeHead(422, { 'content-type': 'application/problem+json' }).end(JSON.stringify({ type: 'https://baton.dev/problems/rejected', title: 'The message was refused', status: 422, detail: 'relay access denied' }));
      } else res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'ABCDEFGHIJKLMNOPQRST', recipients: [{ address: 'a@good.test', status: 'queued' }] }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const ok = await runCli(['send', '--api', url, '--key', 'baton_k_secret', '--from', sender, '--to', 'a@good.test', '--subject', 'S', '--body', 'B', '--json']);
      assert.equal(ok.code, 0, ok.stderr);
      assert.deepEqual(JSON.parse(ok.stdout), { via: 'api', queueId: 'ABCDEFGHIJKLMNOPQRST', response: '202', accepted: ['a@good.test'], rejected: [] });
      assert.deepEqual(seen[0], { url: 'POST /api/v1/messages', auth: 'Bearer baton_k_secret', body: { from: sender, to: ['a@good.test'], subject: 'S', text: 'B' } });
      const bad = await runCli(['send', '--api', url, '--key', 'k', '--from', sender, '--to', 'bad@good.test']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /the API answered 422: relay access denied/);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  test('baton status --json: roles, listeners bound, the queue, the last failure with its remote reply, the API ready', async () => {
    await sendVia(api.baton.ports.mx as number, sender, ['c@refusing.test'], testMessage(sender, 'c@refusing.test', 'will defer').text);
    const s = await waitFor('a deferral in baton status', async () => {
      const r = await api.baton.cli(['status', '--json']);
      assert.equal(r.code, 0, r.stderr);
      const status = JSON.parse(r.stdout);
      return status.lastErrors.length > 0 ? status : undefined;
    }, 20_000, 250);
    assert.deepEqual(s.roles, ['inbound', 'delivery']);
    assert.deepEqual(s.listeners.map((l: { role: string; bound: boolean }) => [l.role, l.bound]), [['mx', true], ['submission', true]]);
    assert.equal(s.api.ready, true);
    assert.ok(s.queue.recipients.pending >= 1);
    const e = s.lastErrors[0];
    assert.equal(e.type, 'deferred');
    assert.equal(e.recipient, 'c@refusing.test');
    assert.match(e.reply, /^4\d\d /, 'the sink\'s soft reject');
    const text = await api.baton.cli(['status']);
    assert.match(text.stdout, /^roles: inbound, delivery$/m);
    assert.match(text.stdout, /api: 127\.0\.0\.1:\d+ ready/);
    assert.match(text.stdout, /deferred\s+[0-9A-Z]{20}\s+c@refusing\.test\s+4\d\d/);
  });

  test('--json on every listing prints JSON', async () => {
    const id = queuedId((await api.baton.cli(['queue', 'list'])).stdout) ?? '';
    await api.baton.cli(['suppression', 'add', 'gone@good.test']);
    const listings = [
      ['status'],
      ['config', 'check'],
      ['queue', 'list'],
      ['queue', 'stats'],
      ...(id ? [['queue', 'show', id]] : []),
      ['user', 'list'],
      ['user', 'show', 'tester'],
      ['suppression', 'list'],
      ['dkim', 'status'],
      ['shaping', 'status'],
      ['apikey', 'list'],
      ['apikey', 'show', 'test-admin'],
    ];
    // In parallel: each is a node process start, slow on a loaded machine.
    const results = await Promise.all(listings.map(async (args) => ({ args, r: await api.baton.cli([...args, '--json'], { timeoutMs: 90_000 }) })));
    for (const { args, r } of results) {
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      assert.doesNotThrow(() => JSON.parse(r.stdout), `${args.join(' ')} --json: ${r.stdout.slice(0, 200)}`);
    }
  });

  test('a bulk queue action draws a progress bar on a terminal (script(1) pty) and none when piped', async () => {
    const port = api.baton.ports.mx as number;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push(await sendVia(port, sender, [`h${i}@refusing.test`], testMessage(sender, `h${i}@refusing.test`, `hold ${i}`).text));
    const piped = await api.baton.cli(['queue', 'hold', ...ids]);
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '');
    assert.equal(piped.stdout, ids.map((id) => `${id}: held\n`).join(''));
    const command = [process.execPath, batonBin, 'queue', 'release', ...ids, '--config', api.baton.configFile].map((a) => `'${a}'`).join(' ');
    const tty = await runCommand('script', ['-qec', command, '/dev/null'], { env: { ...process.env, COLUMNS: '100' } });
    assert.equal(tty.code, 0, tty.stdout);
    assert.match(tty.stdout, /\rreleased \[#+\] 100% 3\/3\x1b\[K/);
    for (const id of ids) assert.match(tty.stdout, new RegExp(`${id}: released`));
  });

  test('baton status on a node that is not running: listeners not answering, the API not ready (exit 0: it is a report)', async () => {
    const other = await startBaton({ config: { listeners: [{ role: 'mx' }] }, api: true });
    await other.stop();
    const r = await runCli(['status', '--json', '--config', other.configFile], { cwd: other.dir });
    assert.equal(r.code, 0, r.stderr);
    const s = JSON.parse(r.stdout);
    assert.deepEqual(s.listeners.map((l: { bound: boolean }) => l.bound), [false]);
    assert.equal(s.api.ready, false);
    assert.match(s.api.detail, /not answering/);
  });
});

describe('log.format: pretty', { timeout: 30_000 }, () => {
  test('one readable line per event with the queue id first; JSON stays the default', async () => {
    const b = await startBaton({ config: { listeners: [{ role: 'mx' }], localDomains: ['local.test'], log: { format: 'pretty' } } });
    try {
      const id = await sendVia(b.ports.mx as number, 'a@local.test', ['b@local.test'], testMessage('a@local.test', 'b@local.test', 'pretty').text);
      const line = await waitFor('the accepted line', () => b.logs().split('\n').find((l) => l.includes(`[${id}]`)), 10_000);
      assert.match(line, new RegExp(`^\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{3}\\] INFO: \\[${id}\\] `));
      assert.ok(!b.logs().split('\n').some((l) => l.startsWith('{')), 'no JSON lines');
    } finally {
      await b.stop();
    }
  });
});
