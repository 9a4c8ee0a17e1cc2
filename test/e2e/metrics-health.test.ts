import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { pySend, runCommand } from '../helpers/clients.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { parsePrometheusText, sumOf, type Family } from '../helpers/prom-text.js';
import { startSmtpSink, type SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * Metrics and health through the real curl against a real Baton (issue 11):
 * mail delivered to Postfix's smtp-sink, deferred by an smtp-sink that
 * soft-rejects every RCPT, refused at RCPT by a check; the counters move in
 * the exposition, which a strict parser and Prometheus's own promtool
 * accept. /readyz turns 503 while another process holds the database's
 * write lock, as a stuck backup tool would, and 200 again once it lets go.
 */
describe('metrics and health endpoints', { timeout: 60_000 }, () => {
  let api: ApiBaton;
  let good: SmtpSinkHandle;
  let refusing: SmtpSinkHandle;
  const sender = 'app@local.test';

  before(async () => {
    good = await startSmtpSink();
    // smtp-sink -r RCPT: every RCPT gets a 4xx (a soft reject).
    refusing = await startSmtpSink({ args: ['-r', 'RCPT'] });
    api = await startApiBaton({
      config: {
        listeners: [{ role: 'mx' }],
        localDomains: ['local.test'],
        local: { mailboxes: ['known@local.test'] },
        routes: [
          { domains: ['good.test'], smarthost: `127.0.0.1:${good.port}`, tls: 'none' },
          { domains: ['refusing.test'], smarthost: `127.0.0.1:${refusing.port}`, tls: 'none' },
        ],
      },
      // The readiness test makes the store unwritable on purpose; the API logs its 503 as an error.
      expectedErrors: [/api request failed/],
    });
  });
  after(async () => {
    try {
      await api?.stop();
    } finally {
      await good?.stop();
      await refusing?.stop();
    }
  });

  const scrape = async (): Promise<Map<string, Family>> => {
    const r = await api.curl('/metrics', { key: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    return parsePrometheusText(r.text);
  };

  test('/healthz is 200 without a key', async () => {
    const r = await api.curl('/healthz', { key: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'ok' });
  });

  test('/readyz is 200 and lists its checks: the store and each SMTP listener', async () => {
    const r = await api.curl('/readyz', { key: null });
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.status, 'ready');
    assert.deepEqual(
      r.body.checks.map((c: { name: string; ok: boolean }) => [c.name.split(' ')[0], c.ok]),
      [
        ['store', true],
        ['listener', true],
      ],
    );
  });

  test('counters move: accepted, delivered, deferred (soft reject), rejected by a check; queue gauges and attempt latency', async () => {
    const before = await scrape();
    const port = api.baton.ports.mx as number;
    await sendVia(port, sender, ['a@good.test'], testMessage(sender, 'a@good.test', 'metrics 1').text);
    await sendVia(port, sender, ['b@good.test'], testMessage(sender, 'b@good.test', 'metrics 2').text);
    await sendVia(port, sender, ['c@refusing.test'], testMessage(sender, 'c@refusing.test', 'metrics 3').text);
    // An unknown mailbox of a local domain: 550 5.1.1 from the local-recipients check.
    const refused = await pySend({ port, mail_from: sender, rcpts: [{ to: 'nobody@local.test' }], data: testMessage(sender, 'nobody@local.test', 'x').text });
    assert.equal(refused.rcpts?.[0]?.[0], 550);
    await good.waitForMessages(2);

    // The queue gauges read QueueStore.stats() through a 1 s cache, so a scrape soon after
    // `before` may still show the queue as it was then: wait for them as for the counters.
    const after = await waitFor('the counters and queue gauges to move', async () => {
      const m = await scrape();
      const countersMoved = sumOf(m, 'baton_recipients_delivered_total') - sumOf(before, 'baton_recipients_delivered_total') >= 2 && sumOf(m, 'baton_recipients_deferred_total') > sumOf(before, 'baton_recipients_deferred_total');
      return countersMoved && sumOf(m, 'baton_queue_recipients', { status: 'pending' }) >= 1 ? m : undefined;
    }, 15_000, 200);
    const moved = (name: string, labels: Record<string, string> = {}) => sumOf(after, name, labels) - sumOf(before, name, labels);
    assert.equal(moved('baton_messages_accepted_total', { origin: 'smtp', stream: 'transactional' }), 3);
    assert.equal(moved('baton_recipients_delivered_total'), 2);
    assert.ok(moved('baton_recipients_deferred_total') >= 1);
    assert.equal(moved('baton_rejections_total', { stage: 'rcpt', check: 'local-recipients' }), 1);
    assert.ok(moved('baton_delivery_attempt_duration_seconds_count', { transport: 'smarthost' }) >= 3);
    // The deferred message waits in the queue; the gauges read QueueStore.stats().
    assert.ok(sumOf(after, 'baton_queue_recipients', { status: 'pending' }) >= 1);
    assert.ok(sumOf(after, 'baton_queue_messages') >= 1);
    assert.ok(sumOf(after, 'baton_inbound_connections_total', { role: 'mx' }) >= 4);
    assert.equal(after.get('baton_queue_oldest_age_seconds')?.type, 'gauge');
    assert.ok(after.has('baton_process_resident_memory_bytes'), 'process metrics');
  });

  test('promtool check metrics accepts the exposition (syntax and naming lint)', async () => {
    const r = await api.curl('/metrics', { key: null });
    const check = await runCommand('promtool', ['check', 'metrics'], { input: r.text });
    assert.equal(check.code, 0, `${check.stdout}${check.stderr}`);
  });

  test('every family is named baton_<noun>_<unit> and labels stay bounded (no addresses or host names)', async () => {
    const r = await api.curl('/metrics', { key: null });
    const m = parsePrometheusText(r.text);
    for (const name of m.keys()) assert.match(name, /^baton_[a-z0-9_]+$/);
    assert.doesNotMatch(r.text, /good\.test|refusing\.test|local\.test|127\.0\.0\.1/);
  });

  test('/readyz is 503 problem+json naming the store while another process holds the write lock, 200 after', async () => {
    const dbPath = join(api.baton.dir, 'queue.db');
    const locker = await holdWriteLock(dbPath);
    let r;
    try {
      r = await api.curl('/readyz', { key: null });
    } finally {
      locker.stdin?.end();
      await new Promise((res) => locker.once('exit', res));
    }
    assert.equal(r.status, 503, r.text);
    assert.equal(r.headers['content-type'], 'application/problem+json');
    assert.equal(r.headers['retry-after'], '5');
    assert.equal(r.body.type, 'https://baton.dev/problems/temporary-failure');
    assert.match(r.body.detail, /store: the store is not writable: no write transaction completed within 2000 ms/);
    assert.deepEqual(r.body.checks.find((c: { name: string }) => c.name === 'store').ok, false);
    const again = await waitFor('ready again', async () => {
      const x = await api.curl('/readyz', { key: null });
      return x.status === 200 ? x : undefined;
    }, 10_000, 200);
    assert.equal(again.body.status, 'ready');
  });
});

/** A separate process (Python's sqlite3) that takes the database's write lock and keeps it until its stdin closes. */
async function holdWriteLock(path: string): Promise<ChildProcess> {
  const code = [
    'import sqlite3, sys',
    'c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)',
    "c.execute('BEGIN EXCLUSIVE')",
    "print('locked', flush=True)",
    'sys.stdin.read()',
    "c.execute('ROLLBACK')",
  ].join('\n');
  const child = spawn('python3', ['-c', code, path], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
    child.once('exit', (c) => reject(new Error(`the lock holder exited (${c}) before taking the lock`)));
  });
  return child;
}
