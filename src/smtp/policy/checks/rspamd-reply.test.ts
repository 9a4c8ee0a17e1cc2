import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prng } from '../../../../test/helpers/seeded-random.js';
import { parseRspamdReply, RspamdReplyError, wireField } from './rspamd-reply.js';

/** Replies as Debian's rspamd 3.4 sent them to the e2e tests' messages (symbols trimmed). */
const REJECT = '{"is_skipped":true,"score":15.0,"required_score":15.0,"action":"reject","symbols":{"GTUBE":{"name":"GTUBE","score":0.0,"metric_score":0.0}},"messages":{"smtp_message":"Gtube pattern"},"message-id":"undef","time_real":0.393522}';
const ADD_HEADER =
  '{"is_skipped":false,"score":22.0,"required_score":50.0,"action":"add header","symbols":{"BATON_TEST_ADD_HEADER":{"name":"BATON_TEST_ADD_HEADER","score":20.0},"RDNS_NONE":{"name":"RDNS_NONE","score":1.0}},"messages":{},"message-id":"x@b.test","milter":{"add_headers":{"X-Spamd-Result":{"order":-1,"value":"default: False [22.00 / 50.00];\\r\\n\\tBATON_TEST_ADD_HEADER(20.00)[];\\r\\n\\tRDNS_NONE(1.00)[]"}},"remove_headers":{"X-Spam":0,"X-Spamd-Result":0}}}';

describe('parseRspamdReply', () => {
  test('reads the action, scores, matched rules and milter header edits', () => {
    assert.deepEqual(parseRspamdReply(REJECT), { action: 'reject', score: 15, requiredScore: 15, symbols: ['GTUBE'], addHeaders: [], removeHeaders: [], skipped: [] });
    const r = parseRspamdReply(ADD_HEADER);
    assert.equal(r.action, 'add header');
    assert.deepEqual(r.symbols, ['BATON_TEST_ADD_HEADER', 'RDNS_NONE']);
    assert.deepEqual(r.addHeaders, [{ name: 'X-Spamd-Result', value: 'default: False [22.00 / 50.00];\r\n\tBATON_TEST_ADD_HEADER(20.00)[];\r\n\tRDNS_NONE(1.00)[]' }]);
    assert.deepEqual(r.removeHeaders, ['X-Spam', 'X-Spamd-Result']);
  });

  test('add_headers values may be strings, {value}, or lists of them; removal of the n-th occurrence is set aside', () => {
    const r = parseRspamdReply(JSON.stringify({
      action: 'no action', score: 0, required_score: 15,
      milter: { add_headers: { A: 'one', B: { value: 'two', order: 0 }, C: ['three', { value: 'four' }] }, remove_headers: { D: 0, E: 1, F: -1 } },
    }));
    assert.deepEqual(r.addHeaders.map((f) => `${f.name}=${f.value}`), ['A=one', 'B=two', 'C=three', 'C=four']);
    assert.deepEqual(r.removeHeaders, ['D']);
    assert.deepEqual(r.skipped, ['E', 'F']);
  });

  test('rewrite subject carries the new Subject', () => {
    assert.equal(parseRspamdReply('{"action":"rewrite subject","score":8,"required_score":15,"subject":"***SPAM*** hi"}').subject, '***SPAM*** hi');
  });

  test('anything off the protocol is an RspamdReplyError, never a guessed action', () => {
    for (const body of [
      '', 'not json', '[]', 'null', '{}', '{"error":"cannot parse input"}',
      '{"action":"discard","score":1,"required_score":2}',
      '{"action":"reject","score":"high","required_score":2}',
      '{"action":"reject","score":1}',
      '{"action":"no action","score":1,"required_score":2,"milter":[]}',
      '{"action":"no action","score":1,"required_score":2,"milter":{"add_headers":{"X":5}}}',
      '{"action":"no action","score":1,"required_score":2,"milter":{"remove_headers":{"X":"all"}}}',
      '{"action":"rewrite subject","score":1,"required_score":2,"subject":7}',
    ]) {
      assert.throws(() => parseRspamdReply(body), RspamdReplyError, body);
    }
  });

  test('fuzz: 3000 seeded mutations of real replies parse or throw RspamdReplyError, nothing else', () => {
    const rnd = prng(0x5ca11);
    const alphabet = '{}[]":,0123456789.-eE \\ntruefalsnul';
    let parsed = 0;
    for (let i = 0; i < 3000; i++) {
      const base = [REJECT, ADD_HEADER][rnd.int(2)] as string;
      const chars = [...base];
      for (let k = 1 + rnd.int(4); k > 0; k--) {
        const at = rnd.int(chars.length);
        const op = rnd.int(3);
        if (op === 0) chars.splice(at, 1);
        else if (op === 1) chars.splice(at, 0, alphabet[rnd.int(alphabet.length)] as string);
        else chars[at] = alphabet[rnd.int(alphabet.length)] as string;
      }
      try {
        const r = parseRspamdReply(chars.join(''));
        assert.ok(Number.isFinite(r.score) && Number.isFinite(r.requiredScore));
        parsed++;
      } catch (err) {
        if (!(err instanceof RspamdReplyError)) throw err;
      }
    }
    assert.ok(parsed > 100, `only ${parsed} mutations still parsed: the fuzz is not reaching the field checks`);
  });
});

describe('wireField', () => {
  test('keeps folds as CRLF + white space and ends the field with CRLF', () => {
    assert.equal(wireField('X-Spamd-Result', 'default: False;\r\n\tA(1.00)[];\n\tB(0.00)[]'), 'X-Spamd-Result: default: False;\r\n\tA(1.00)[];\r\n\tB(0.00)[]\r\n');
  });

  test('refuses a value that would start a field of its own or end the header block', () => {
    assert.equal(wireField('X-A', 'ok\r\nBcc: victim@example.com'), undefined);
    assert.equal(wireField('X-A', 'ok\r\n\r\nbody'), undefined);
    assert.equal(wireField('X-A', 'ok\r\n \r\n'), undefined, 'a line of only white space');
    assert.equal(wireField('X-A', 'nul\0'), undefined);
  });

  test('refuses a name that is not an RFC 5322 field name', () => {
    for (const name of ['', 'X A', 'X:A', 'X\u00e9', 'x'.repeat(77)]) assert.equal(wireField(name, 'v'), undefined, name);
  });
});
