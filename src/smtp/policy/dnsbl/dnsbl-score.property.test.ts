import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDnsblSite, type DnsblSite } from '../../../core/index.js';
import type { DnsAnswer, DnsResult, RecordResolver } from '../../../dns/index.js';
import { DnsblScorer } from './dnsbl-score.js';
import { prng } from '../../../../test/helpers/seeded-random.js';

/**
 * Property test of the DNSBL *answer* handling: random sites (zones, filters like
 * 127.0.0.[2..11], weights including allowlists' negative ones) and random
 * answers per zone (A records, NXDOMAIN, NODATA, SERVFAIL, a timeout). The
 * score must equal the one computed here independently, straight from RFC 5782
 * §2.3 and postscreen's rules: a site counts once when any A record of its zone
 * is inside its filter (no filter: inside 127.0.0.0/8 but not 127.255.255.x);
 * failures count as "not listed" and are reported as unanswered. The resolver
 * is a stand-in (a unit test); seeded (mulberry32), a fixed number of cases.
 */

type Rand = ReturnType<typeof prng>;
type Outcome = { kind: 'records'; records: string[] } | { kind: 'nxdomain' | 'nodata' | 'temporary' } | { kind: 'hang' };
interface SiteSpec {
  readonly zone: string;
  readonly last?: readonly [number, number][]; // the 4th octet's ranges, first three fixed to 127.0.0
  readonly weight: number;
}

function randomSpec(r: Rand, zones: readonly string[]): SiteSpec {
  const zone = zones[r.int(zones.length)] as string;
  const weight = r.next() < 0.2 ? -(1 + r.int(5)) : 1 + r.int(5);
  if (r.next() < 0.4) return { zone, weight };
  const last: [number, number][] = [];
  for (let i = 1 + r.int(3); i > 0; i--) {
    const a = r.int(20);
    last.push([a, a + r.int(10)]);
  }
  return { zone, last, weight };
}

function siteText(s: SiteSpec): string {
  const filter = s.last ? `=127.0.0.[${s.last.map(([a, b]) => (a === b ? `${a}` : `${a}..${b}`)).join(';')}]` : '';
  return `${s.zone}${filter}*${s.weight}`;
}

function randomOutcome(r: Rand): Outcome {
  const x = r.next();
  if (x < 0.08) return { kind: 'hang' };
  if (x < 0.15) return { kind: 'temporary' };
  if (x < 0.3) return { kind: r.next() < 0.5 ? 'nxdomain' : 'nodata' };
  const records: string[] = [];
  for (let i = 1 + r.int(3); i > 0; i--) {
    const y = r.next();
    records.push(y < 0.6 ? `127.0.0.${r.int(32)}` : y < 0.75 ? `127.255.255.${r.int(256)}` : y < 0.9 ? `127.${r.int(256)}.${r.int(256)}.${r.int(256)}` : `${1 + r.int(223)}.${r.int(256)}.${r.int(256)}.${r.int(256)}`);
  }
  return { kind: 'records', records };
}

/** The oracle: does one A record count for this site? */
function counts(spec: SiteSpec, a: string): boolean {
  const [o1, o2, o3, o4] = a.split('.').map(Number) as [number, number, number, number];
  if (!spec.last) return o1 === 127 && !(o2 === 255 && o3 === 255);
  return o1 === 127 && o2 === 0 && o3 === 0 && spec.last.some(([lo, hi]) => o4 >= lo && o4 <= hi);
}

function resolverFor(outcomes: Map<string, Outcome>): Pick<RecordResolver, 'lookup'> {
  const fake = {
    lookup: (name: string): Promise<DnsResult<DnsAnswer<string>>> => {
      const zone = [...outcomes.keys()].find((z) => name.endsWith(`.${z}`));
      assert.ok(zone, `asked about ${name}, which is in no configured zone`);
      const o = outcomes.get(zone) as Outcome;
      if (o.kind === 'hang') return new Promise(() => {}); // never answers: the scorer's timeout must end it
      if (o.kind === 'records') return Promise.resolve({ ok: true, value: { records: o.records, ttl: 60, authenticated: false } as DnsAnswer<string> });
      return Promise.resolve({ ok: false, error: { kind: o.kind === 'temporary' ? 'temporary' : o.kind, code: o.kind.toUpperCase(), message: o.kind } });
    },
  };
  return fake as unknown as Pick<RecordResolver, 'lookup'>; // asked for A records only
}

test('DnsblScorer: the score, the lists named and the unanswered zones match an independent reading of the answers', async () => {
  const r = prng(0xb1ac);
  const ZONES = ['zen.example', 'bl.example.net', 'wl.example.org', 'list.example'];
  for (let i = 0; i < 400; i++) {
    const zones = ZONES.slice(0, 1 + r.int(ZONES.length));
    const specs = Array.from({ length: 1 + r.int(5) }, () => randomSpec(r, zones));
    const sites: DnsblSite[] = specs.map((s) => {
      const parsed = parseDnsblSite(siteText(s));
      assert.ok(parsed.ok, siteText(s));
      return parsed.site;
    });
    const outcomes = new Map(zones.map((z) => [z, randomOutcome(r)] as const));
    const got = await new DnsblScorer(sites, resolverFor(outcomes), 5).score(`192.0.2.${r.int(256)}`);

    const matched = specs.map((s) => {
      const o = outcomes.get(s.zone) as Outcome;
      return o.kind === 'records' && o.records.some((a) => counts(s, a));
    });
    const context = JSON.stringify({ specs, outcomes: [...outcomes] });
    assert.equal(got.score, specs.reduce((sum, s, k) => sum + (matched[k] ? s.weight : 0), 0), context);
    assert.deepEqual(got.listedBy.map((s) => s.text), specs.filter((s, k) => matched[k] && s.weight > 0).map(siteText), context);
    assert.deepEqual(got.allowedBy.map((s) => s.text), specs.filter((s, k) => matched[k] && s.weight < 0).map(siteText), context);
    const asked = [...new Set(specs.map((s) => s.zone))];
    assert.deepEqual(
      [...got.unanswered].sort(),
      asked.filter((z) => ['temporary', 'hang'].includes((outcomes.get(z) as Outcome).kind)).sort(),
      context,
    );
  }
});
