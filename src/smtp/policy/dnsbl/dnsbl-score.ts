import type { DnsAnswer, DnsResult, RecordResolver } from '../../../dns/index.js';
import { dnsblQueryName } from './dnsbl-query.js';
import { siteMatches, type DnsblSite } from '../../../core/index.js';

/** What the lists say about one client. */
export interface DnsblScore {
  /** The sum of the weights of the sites that matched (allowlists subtract). */
  readonly score: number;
  /** Sites with a positive weight that matched: the lists to name in a refusal. */
  readonly listedBy: readonly DnsblSite[];
  /** Sites with a negative weight that matched (DNSWL). */
  readonly allowedBy: readonly DnsblSite[];
  /** Zones that gave no answer in time or failed (for the log; they count as "not listed"). */
  readonly unanswered: readonly string[];
}

const NOT_ASKED: DnsblScore = { score: 0, listedBy: [], allowedBy: [], unanswered: [] };

/**
 * Asks every list about a client at once and adds up the weights, like
 * postscreen's DNSBL test. Each zone is asked once however many sites filter
 * its answers. Answers are cached for their TTL by the resolver (CachingResolver:
 * positive answers for the record's TTL, "not listed" for the SOA's negative
 * TTL, RFC 2308 §5), so a client that reconnects costs no lookup.
 */
export class DnsblScorer {
  constructor(
    private readonly sites: readonly DnsblSite[],
    private readonly resolver: Pick<RecordResolver, 'lookup'>,
    /** Longest wait for one zone; a later answer counts as not listed. */
    private readonly timeoutMs: number,
  ) {}

  get empty(): boolean {
    return this.sites.length === 0;
  }

  async score(ip: string): Promise<DnsblScore> {
    if (this.sites.length === 0) return NOT_ASKED;
    const zones = [...new Set(this.sites.map((s) => s.zone))];
    const answers = new Map<string, readonly string[] | undefined>();
    await Promise.all(
      zones.map(async (zone) => {
        const name = dnsblQueryName(ip, zone);
        answers.set(zone, name === undefined ? [] : listed(await withinTime(this.resolver.lookup(name, 'A'), this.timeoutMs)));
      }),
    );
    let score = 0;
    const listedBy: DnsblSite[] = [];
    const allowedBy: DnsblSite[] = [];
    for (const site of this.sites) {
      const got = answers.get(site.zone);
      if (!got?.some((a) => siteMatches(site, a))) continue;
      score += site.weight;
      (site.weight > 0 ? listedBy : allowedBy).push(site);
    }
    const unanswered = zones.filter((z) => answers.get(z) === undefined);
    return { score, listedBy, allowedBy, unanswered };
  }
}

/**
 * The A records of an answer; [] for "not listed" (NXDOMAIN or NODATA, RFC 5782
 * §2.1); undefined when the list could not be asked (timeout, SERVFAIL): the
 * caller fails open on it.
 */
function listed(result: DnsResult<DnsAnswer<string>> | undefined): readonly string[] | undefined {
  if (result === undefined) return undefined;
  if (result.ok) return result.value.records;
  return result.error.kind === 'temporary' ? undefined : [];
}

function withinTime<T>(pending: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([pending, late]).finally(() => clearTimeout(timer));
}
