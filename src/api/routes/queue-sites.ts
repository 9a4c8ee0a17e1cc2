import type { Config } from '../../config/index.js';
import { matchesDomain } from '../../core/index.js';
import { routeFor, siteKeyOf } from '../../delivery/index.js';
import { mergeProviders } from '../../delivery/throttle/index.js';
import type { DnsResolver } from '../../dns/index.js';

/** Where the delivery side sends a recipient domain's mail: its site, and the provider whose shaping rule covers it. */
export interface SiteInfo {
  /** "site:mx1.example.net,mx2.example.net" (the MX set), "smarthost:...", "local:maildir", or "mx:domain" while unresolved. */
  readonly site: string;
  readonly provider?: string;
}

export type SiteOf = (domain: string) => Promise<SiteInfo>;

/**
 * The site of a domain as delivery would see it (DESIGN §7 "site"): routes and
 * local domains first (delivery/route.ts), then the MX set, looked up with
 * Baton's resolver (its cache is delivery's, so a queued domain is usually a
 * cache hit). The site key matches the one the SMTP transport gives its jobs
 * (`site:` and the MX hosts, sorted), so the shaper's `shaped` events name it.
 */
export function siteResolver(config: Pick<Config, 'localDomains' | 'routes' | 'local' | 'delivery' | 'shaping'>, resolver: Pick<DnsResolver, 'resolveMx'>): SiteOf {
  const providers = mergeProviders(config.shaping.providers);
  return async (domain) => {
    const route = routeFor(domain, config);
    if (route.kind !== 'mx') return { site: siteKeyOf(domain, route) };
    const mx = await resolver.resolveMx(domain);
    if (!mx.ok) return mx.error.kind === 'nodata' ? { site: `site:${domain}` } : { site: siteKeyOf(domain, route) };
    const hosts = [...mx.value].sort((a, b) => a.preference - b.preference).map((r) => r.exchange.toLowerCase().replace(/\.$/, ''));
    const primary = hosts[0];
    const provider = primary ? providers.find((p) => matchesDomain(primary, p.mx))?.name : undefined;
    return { site: `site:${[...hosts].sort().join(',')}`, ...(provider ? { provider } : {}) };
  };
}
