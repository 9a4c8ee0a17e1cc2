import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { queueBody, queuedId, startBaton, undeliverable, type Baton } from '../helpers/baton.js';
import { pySend, runCommand } from '../helpers/clients.js';
import { withoutOurReceived } from '../helpers/deliver-kit.js';

/**
 * Submission adds a missing Date and Message-ID (RFC 6409 §8.2, §8.3) and
 * keeps those the client wrote. Messages go in over the submission listener
 * (STARTTLS, AUTH PLAIN) with Python's smtplib; delivery is made impossible so
 * the stored message can be read back from the queue and parsed with Python's
 * `email` package.
 */

const PY_HEADERS = `
import email, json, sys
from email import policy, utils
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.compat32)
dates = m.get_all("Date") or []
ids = m.get_all("Message-ID") or []
parsed = None
if len(dates) == 1:
    try:
        parsed = utils.parsedate_to_datetime(dates[0]).timestamp()
    except (TypeError, ValueError):
        parsed = None
print(json.dumps({"dates": dates, "ids": ids, "dateEpoch": parsed, "defects": [type(d).__name__ for d in m.defects]}))
`;

interface Headers {
  readonly dates: string[];
  readonly ids: string[];
  readonly dateEpoch: number | null;
  readonly defects: string[];
}

async function storedHeaders(body: Buffer): Promise<Headers> {
  const r = await runCommand('python3', ['-c', PY_HEADERS], { input: body, timeoutMs: 20_000 });
  if (r.code !== 0) throw new Error(`python email parser failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Headers;
}

describe('Date and Message-ID on submission', { timeout: 90_000 }, () => {
  let b: Baton;
  const user = 'alice';
  const password = 'Battery-Staple-7';

  before(async () => {
    b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }, { role: 'submission' }],
        localDomains: ['local.test'],
        // Nobody is trusted by network: relaying needs AUTH.
        relay: { trustedNetworks: ['192.0.2.1/32'] },
        // Stored messages are compared byte for byte: no Authentication-Results
        // from mail-auth (accept-mail-auth.test.ts covers it).
        checks: { mx: ['sender-ownership', 'relay-access', 'local-recipients', 'message-format', 'hop-limit'] },
        ...(await undeliverable()),
      },
    });
    const r = await b.cli(['user', 'add', user, '--domains', 'sender.test'], { input: `${password}\n` });
    assert.equal(r.code, 0, `user add failed: ${r.stdout}${r.stderr}`);
  });
  after(() => b?.stop());

  /** Submit `text` with STARTTLS + AUTH PLAIN; the stored message. */
  async function submit(text: string): Promise<string> {
    const r = await pySend({
      port: b.ports.submission as number, mode: 'starttls', auth: { user, password, mech: 'PLAIN' },
      mail_from: 'alice@sender.test', rcpts: [{ to: 'bob@foreign.test' }], data: text,
    });
    const id = queuedId(r.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(r));
    const body = await queueBody(b, id);
    assert.ok(body, `no stored body for ${id}`);
    return body.toString('latin1');
  }

  test('a submitted message without Date and Message-ID is stored with one of each added, the rest unchanged', async () => {
    const original = 'From: alice@sender.test\r\nTo: bob@foreign.test\r\nSubject: no date, no id\r\n\r\nHello.\r\n';
    const before = Date.now();
    const stored = await submit(original);
    const h = await storedHeaders(Buffer.from(stored, 'latin1'));
    assert.deepEqual(h.defects, []);
    assert.equal(h.dates.length, 1, JSON.stringify(h.dates));
    assert.equal(h.ids.length, 1, JSON.stringify(h.ids));
    assert.match(h.ids[0] ?? '', /^<[^<>@\s]+@baton\.test>$/, 'a Message-ID under our host name (RFC 5322 §3.6.4)');
    assert.ok(h.dateEpoch !== null, `Date is an RFC 5322 date: ${h.dates[0]}`);
    // The Date is the time of submission: not before the client started (1 s: the header has whole seconds).
    assert.ok(h.dateEpoch * 1000 >= before - 1000, `Date ${h.dates[0]} is not before the submission`);
    const added = withoutOurReceived(stored);
    assert.ok(added.endsWith(original), 'the message itself is unchanged after the added fields');
    assert.match(added.slice(0, -original.length), /^(?:(?:Date|Message-ID): [^\r\n]+\r\n){2}$/, 'only Date and Message-ID are added');
  });

  test('a submitted message that has Date and Message-ID is stored with them unchanged and nothing added', async () => {
    const original =
      'Date: Tue, 02 Jan 2024 03:04:05 +0100\r\nMessage-ID: <kept.1@client.sender.test>\r\n' +
      'From: alice@sender.test\r\nTo: bob@foreign.test\r\nSubject: has both\r\n\r\nHello.\r\n';
    const stored = await submit(original);
    assert.equal(withoutOurReceived(stored), original);
  });

  test('a submitted message with only a Message-ID gets a Date and keeps its Message-ID', async () => {
    const original = 'message-id: <kept.2@client.sender.test>\r\nFrom: alice@sender.test\r\nSubject: id only\r\n\r\nHello.\r\n';
    const stored = await submit(original);
    const h = await storedHeaders(Buffer.from(stored, 'latin1'));
    assert.deepEqual(h.ids, ['<kept.2@client.sender.test>'], 'the field name matches case-insensitively (RFC 5322 §1.2.2)');
    assert.equal(h.dates.length, 1);
    assert.match(withoutOurReceived(stored), /^Date: [^\r\n]+\r\nmessage-id: <kept\.2@client\.sender\.test>\r\n/);
  });

  test('mail from an unauthenticated client on mx is stored without an added Date or Message-ID', async () => {
    const original = 'From: someone@remote.test\r\nSubject: mx, no date\r\n\r\nHello.\r\n';
    const r = await pySend({ port: b.ports.mx as number, mail_from: 'someone@remote.test', rcpts: [{ to: 'carol@local.test' }], data: original });
    const id = queuedId(r.data?.[1] ?? '');
    assert.ok(id, JSON.stringify(r));
    const body = await queueBody(b, id);
    assert.equal(withoutOurReceived(body?.toString('latin1') ?? ''), original);
  });
});
