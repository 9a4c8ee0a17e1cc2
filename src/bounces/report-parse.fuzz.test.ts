import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reportFixture } from '../../test/helpers/report-fixtures.js';
import { prng } from '../../test/helpers/seeded-random.js';
import { parseReport } from './report-parse.js';

/**
 * Fuzz: anyone can mail a report address, so parseReport reads attacker-chosen
 * bytes. Whatever arrives (random bytes, or real DSNs, ARF reports and bounces
 * cut, flipped, spliced and with their MIME boundaries broken), it must resolve
 * to one of its four kinds, never reject: a throw there would fail report intake.
 * Seeded (mulberry32), a fixed number of cases.
 */

type Rand = ReturnType<typeof prng>;
const RETURN_PATH = 'bounce+01jd0000000000000000-k1-abcdefghjk@bounces.example.test';
const SEEDS: Buffer[] = [
  reportFixture('postfix-dsn.eml', { RETURN_PATH, RCPT: 'gone@remote.test', CODE: '550', STATUS: '5.1.1', ACTION: 'failed', TEXT: 'User unknown' }),
  reportFixture('yahoo-arf.eml', { TO: 'fbl@example.test', RETURN_PATH, RCPT: 'reader@yahoo.test', RCPT_TO_LINE: 'Original-Rcpt-To: <reader@yahoo.test>' }),
  reportFixture('qmail-bounce.eml', { RETURN_PATH, RCPT: 'gone@remote.test' }),
  reportFixture('exim-bounce.eml', { RETURN_PATH, RCPT: 'gone@remote.test' }),
  reportFixture('out-of-office.eml', { RETURN_PATH }),
];
const SPLICES = [
  '\r\n--', '\r\n\r\n', 'Content-Type: multipart/report; report-type=delivery-status; boundary="', 'Content-Type: message/delivery-status\r\n\r\n',
  'Content-Type: message/feedback-report\r\n', 'Content-Type: message/rfc822\r\n\r\n', 'Content-Transfer-Encoding: base64\r\n', 'Content-Transfer-Encoding: quoted-printable\r\n',
  'Final-Recipient: rfc822;', 'Status: 5.', 'Action: failed\r\n', 'Diagnostic-Code: smtp;', '=?utf-8?B?', '=\r\n', '\0', '\xff\xfe', 'charset=x-unknown;', '<<@>>',
];

function mutate(r: Rand, seed: Buffer): Buffer {
  let out = Buffer.from(seed);
  for (let n = 1 + r.int(4); n > 0; n--) {
    const at = r.int(out.length + 1);
    switch (r.int(4)) {
      case 0:
        out = out.subarray(0, at);
        break;
      case 1:
        for (let i = 1 + r.int(8); i > 0 && out.length; i--) out[r.int(out.length)] = r.int(256);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(SPLICES[r.int(SPLICES.length)] as string, 'latin1'), out.subarray(at)]);
        break;
      default: {
        // Repeat a slice: nested parts, duplicated headers and boundaries.
        const from = r.int(out.length + 1);
        const slice = out.subarray(from, from + r.int(400));
        out = Buffer.concat([out.subarray(0, at), slice, slice, out.subarray(at)]);
      }
    }
  }
  return out;
}

const KINDS = new Set(['dsn', 'arf', 'pattern', 'unrecognised']);

test('parseReport resolves to a known kind for mutated real reports', async () => {
  const r = prng(0xa4f);
  for (let i = 0; i < 600; i++) {
    const input = mutate(r, SEEDS[r.int(SEEDS.length)] as Buffer);
    const got = await parseReport(input).catch((err: Error) => assert.fail(`threw ${err.message} on case ${i}: ${JSON.stringify(input.toString('latin1').slice(0, 300))}`));
    assert.ok(KINDS.has(got.kind), got.kind);
    if (got.kind === 'dsn') assert.ok(Array.isArray(got.recipients));
    if (got.kind === 'arf') assert.ok(Array.isArray(got.originalRcptTo));
  }
});

test('parseReport resolves to a known kind for random bytes', async () => {
  const r = prng(0xb0b);
  for (let i = 0; i < 300; i++) {
    const input = Buffer.alloc(r.int(3000));
    for (let j = 0; j < input.length; j++) input[j] = r.next() < 0.8 ? 0x20 + r.int(95) : r.int(256);
    const got = await parseReport(input);
    assert.ok(KINDS.has(got.kind), got.kind);
  }
});

test('the unmutated seeds are read as what they are (the fuzz starts from real reports)', async () => {
  const kinds = await Promise.all(SEEDS.map(async (s) => (await parseReport(s)).kind));
  assert.deepEqual(kinds.slice(0, 4), ['dsn', 'arf', 'pattern', 'pattern']);
});
