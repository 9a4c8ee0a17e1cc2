import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clientNetwork, decideGreylist, tripletKey } from './greylist.js';
import type { GreylistState } from './greylist-store.js';

const MIN = 60_000;
const RULES = { delay: 5 * MIN, retryWindow: 24 * 60 * MIN, allowlistAfter: 2, allowlistFor: 35 * 24 * 60 * MIN };
const T = 1_800_000_000_000;

/** Play the rule against an in-memory state, as the check does against its store. */
function player() {
  let state: GreylistState = {};
  return {
    at(now: number) {
      const d = decideGreylist(now, RULES, state);
      if (d.change) state = { ...state, ...d.change };
      return d;
    },
    get state() {
      return state;
    },
  };
}

describe('greylisting rule', () => {
  test('first try deferred, a retry before the delay deferred, after the delay passed, then known', () => {
    const p = player();
    assert.deepEqual(p.at(T), { pass: false, why: 'new', change: { triplet: { firstSeen: T, lastSeen: T } }, retryAfter: T + 5 * MIN });
    const early = p.at(T + 5 * MIN - 1);
    assert.equal(early.pass, false);
    assert.equal(early.why, 'early');
    assert.equal(!early.pass && early.retryAfter, T + 5 * MIN, 'an early retry does not push the time back');
    assert.equal(p.at(T + 5 * MIN).why, 'retried');
    assert.deepEqual(p.state.network, { passes: 1, lastSeen: T + 5 * MIN });
    assert.equal(p.at(T + 6 * MIN).why, 'known');
  });

  test('a retry after the window starts over', () => {
    const p = player();
    p.at(T);
    const late = p.at(T + RULES.retryWindow + 1);
    assert.equal(late.why, 'new');
    assert.equal(p.at(T + RULES.retryWindow + 2).why, 'early');
  });

  test('a passed triplet unseen for allowlistFor is greylisted again', () => {
    const p = player();
    p.at(T);
    p.at(T + 5 * MIN);
    assert.equal(p.at(T + 5 * MIN + RULES.allowlistFor + 1).why, 'new');
  });

  test('after allowlistAfter passed triplets the network skips greylisting for allowlistFor', () => {
    let state: GreylistState = {};
    const play = (now: number, key: string) => {
      // Networks are shared by triplets; each triplet has its own record.
      const mine = keys.get(key);
      const d = decideGreylist(now, RULES, { ...(mine ? { triplet: mine } : {}), ...(state.network ? { network: state.network } : {}) });
      if (d.change?.triplet) keys.set(key, d.change.triplet);
      if (d.change?.network) state = { network: d.change.network };
      return d;
    };
    const keys = new Map<string, NonNullable<GreylistState['triplet']>>();
    play(T, 'a');
    play(T + 5 * MIN, 'a');
    play(T + 10 * MIN, 'b');
    const second = play(T + 15 * MIN, 'b');
    assert.equal(second.why, 'retried');
    assert.equal(state.network?.allowlistedUntil, T + 15 * MIN + RULES.allowlistFor);
    assert.deepEqual(play(T + 16 * MIN, 'never-seen'), { pass: true, why: 'allowlisted' });
    assert.equal(play(T + 15 * MIN + RULES.allowlistFor + 1, 'never-seen-2').why, 'new', 'the allowlisting ends');
  });

  test('allowlistAfter 0 never allowlists a network', () => {
    const d = decideGreylist(T + 5 * MIN, { ...RULES, allowlistAfter: 0 }, { triplet: { firstSeen: T, lastSeen: T }, network: { passes: 99, lastSeen: T } });
    assert.deepEqual(d.change?.network, { passes: 100, lastSeen: T + 5 * MIN });
  });
});

describe('client networks and triplet keys', () => {
  test('IPv4 clients are grouped by their /24, mapped addresses too', () => {
    assert.equal(clientNetwork('192.0.2.200', 24, 64), '192.0.2.0/24');
    assert.equal(clientNetwork('::ffff:192.0.2.7', 24, 64), '192.0.2.0/24');
    assert.equal(clientNetwork('198.51.100.255', 22, 64), '198.51.100.0/22');
    assert.equal(clientNetwork('198.51.103.255', 22, 64), '198.51.100.0/22');
    assert.equal(clientNetwork('10.1.2.3', 32, 64), '10.1.2.3/32');
  });

  test('IPv6 clients are grouped by their /64', () => {
    assert.equal(clientNetwork('2001:db8:1:2:aaaa::1', 24, 64), '2001:0db8:0001:0002:0000:0000:0000:0000/64');
    assert.equal(clientNetwork('2001:db8:1:2:ffff:ffff:ffff:ffff', 24, 64), '2001:0db8:0001:0002:0000:0000:0000:0000/64');
    assert.equal(clientNetwork('2001:db8:1:2ff::', 24, 56), '2001:0db8:0001:0200:0000:0000:0000:0000/56');
  });

  test('the key ignores the case of sender and recipient', () => {
    assert.equal(tripletKey('n', 'A@X.example', 'B@Y.example'), tripletKey('n', 'a@x.example', 'b@y.example'));
  });
});
