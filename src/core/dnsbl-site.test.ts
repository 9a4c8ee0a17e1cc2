import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { prng } from '../../test/helpers/seeded-random.js';
import { parseDnsblSite, siteMatches, type DnsblSite } from './dnsbl-site.js';

function site(text: string): DnsblSite {
  const p = parseDnsblSite(text);
  assert.ok(p.ok, p.ok ? '' : p.error);
  return p.site;
}

describe('DNS list sites in postscreen notation', () => {
  test('a bare zone weighs 1 and counts any answer in 127/8 but the lists\' error codes 127.255.255.x', () => {
    const s = site('zen.example');
    assert.deepEqual({ zone: s.zone, weight: s.weight, filter: s.filter }, { zone: 'zen.example', weight: 1, filter: undefined });
    assert.ok(siteMatches(s, '127.0.0.2'));
    assert.ok(siteMatches(s, '127.1.0.10'));
    assert.ok(!siteMatches(s, '127.255.255.254'), 'Spamhaus: query refused through a public resolver');
    assert.ok(!siteMatches(s, '192.0.2.1'), 'outside 127/8 (RFC 5782 §2.3)');
    assert.ok(siteMatches(site('zen.example=127.255.255.[252..255]'), '127.255.255.254'), 'unless a filter asks for them');
  });

  test('a filter with a range, and a weight; the zone is lower-cased and a trailing dot dropped', () => {
    const s = site('ZEN.Example.=127.0.0.[2..11]*3');
    assert.equal(s.zone, 'zen.example');
    assert.equal(s.weight, 3);
    assert.ok(siteMatches(s, '127.0.0.2'));
    assert.ok(siteMatches(s, '127.0.0.11'));
    assert.ok(!siteMatches(s, '127.0.0.1'));
    assert.ok(!siteMatches(s, '127.0.0.12'));
    assert.ok(!siteMatches(s, '127.0.1.2'));
  });

  test('a DNSWL site with a negative weight and ranges in two octets (postconf(5) example)', () => {
    const s = site('list.dnswl.example=127.0.[0..255].[1..3]*-2');
    assert.equal(s.weight, -2);
    assert.ok(siteMatches(s, '127.0.15.1'));
    assert.ok(siteMatches(s, '127.0.255.3'));
    assert.ok(!siteMatches(s, '127.0.15.0'));
    assert.ok(!siteMatches(s, '127.0.15.4'));
  });

  test('a list of numbers and ranges separated by ";"', () => {
    const s = site('bl.example=127.0.0.[2;4..6;10]');
    const hits = Array.from({ length: 12 }, (_, i) => i).filter((i) => siteMatches(s, `127.0.0.${i}`));
    assert.deepEqual(hits, [2, 4, 5, 6, 10]);
  });

  test('an answer that is not a dotted quad never matches a filter', () => {
    assert.ok(!siteMatches(site('bl.example=127.0.0.2'), '::1'));
  });

  for (const [text, why] of [
    ['', /zone\[=filter\]\[\*weight\]/],
    ['zen', /not a DNS zone name/],
    ['zen.example*0', /non-zero integer/],
    ['zen.example*x', /zone\[=filter\]/],
    ['zen.example=127.0.0', /four octets/],
    ['zen.example=127.0.0.256', /not an octet/],
    ['zen.example=127.0.0.[11..2]', /n <= m/],
    ['zen.example=127.0.0.[2..11', /bracketed list/],
    ['zen.example=127.0.0.[]', /bracketed list/],
    ['zen.example=127.0.0.02', /not an octet/],
  ] as const) {
    test(`"${text}" is refused with a message saying why`, () => {
      const p = parseDnsblSite(text);
      assert.equal(p.ok, false);
      if (!p.ok) assert.match(p.error, why);
    });
  }

  test('property: a generated filter matches exactly the answers inside its ranges (seed 1010, 2000 cases)', () => {
    const r = prng(1010);
    for (let n = 0; n < 2000; n++) {
      const ranges: [number, number][][] = [];
      const octets: string[] = [];
      for (let i = 0; i < 4; i++) {
        if (r.next() < 0.4) {
          const v = r.int(256);
          ranges.push([[v, v]]);
          octets.push(String(v));
          continue;
        }
        const items: [number, number][] = [];
        const count = 1 + r.int(3);
        for (let k = 0; k < count; k++) {
          const a = r.int(256);
          const b = Math.min(255, a + r.int(40));
          items.push([a, b]);
        }
        ranges.push(items);
        octets.push(`[${items.map(([a, b]) => (a === b && r.next() < 0.5 ? String(a) : `${a}..${b}`)).join(';')}]`);
      }
      const weight = (r.int(9) + 1) * (r.next() < 0.3 ? -1 : 1);
      const text = `z${n}.example=${octets.join('.')}*${weight}`;
      const s = site(text);
      assert.equal(s.weight, weight, text);
      for (let probe = 0; probe < 8; probe++) {
        // Half the probes are built inside the ranges, half are random.
        const answer = ranges.map((items) => {
          if (probe % 2 === 0) {
            const [a, b] = items[r.int(items.length)] as [number, number];
            return a + r.int(b - a + 1);
          }
          return r.int(256);
        });
        const expected = answer.every((v, i) => (ranges[i] as [number, number][]).some(([a, b]) => v >= a && v <= b));
        assert.equal(siteMatches(s, answer.join('.')), expected, `${text} vs ${answer.join('.')}`);
        if (probe % 2 === 0) assert.ok(expected);
      }
    }
  });

  test('property: random text never throws, and what parses prints back to a site that parses the same (seed 77, 3000 cases)', () => {
    const r = prng(77);
    const alphabet = 'abz09.=*-[];.127';
    for (let n = 0; n < 3000; n++) {
      const text = Array.from({ length: r.int(30) }, () => alphabet[r.int(alphabet.length)]).join('');
      const p = parseDnsblSite(text);
      if (p.ok) assert.deepEqual(parseDnsblSite(p.site.text), p, text);
      else assert.match(p.error, /^DNS list site /);
    }
  });
});
