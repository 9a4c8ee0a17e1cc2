import { isIP } from 'node:net';
import { z } from 'zod';
import { splitHostPort, type Config } from '../../config/index.js';
import type { Clock } from '../../core/index.js';
import { createResolver } from '../../dns/index.js';
import type { DkimKeyStore } from '../../mailauth/index.js';
import { ApiProblem } from '../problem.js';
import { defineRoute, type ApiRoute } from '../route.js';
import { dkimRecord, dmarcRecord, mxRecord, spfRecord, type DomainRecord, type Dns } from './domain-records.js';

export interface DomainRoutesDeps {
  readonly config: Pick<Config, 'hostname' | 'localDomains' | 'bounces' | 'unsubscribe' | 'listeners' | 'dns'>;
  readonly dkimKeys: Pick<DkimKeyStore, 'list'>;
  readonly clock: Clock;
  /** Tests inject one; by default a resolver of the route's own, its cache cleared per request so a record published a minute ago shows. */
  readonly dns?: Dns & { clear?(): void };
}

const ROLES = ['dkim', 'local', 'bounce', 'unsubscribe'] as const;
type Role = (typeof ROLES)[number];

const recordSchema = z.object({
  name: z.string(),
  type: z.enum(['TXT', 'MX']),
  value: z.string().describe('What to publish'),
  purpose: z.enum(['dkim', 'spf', 'dmarc', 'mx']),
  status: z.enum(['published', 'missing', 'different', 'unknown']),
  found: z.array(z.string()).optional().describe('What DNS has there now'),
  note: z.string().optional(),
});
const domainSchema = z.object({
  domain: z.string(),
  roles: z.array(z.enum(ROLES)).describe('dkim: Baton signs for it; local: Baton receives its mail; bounce: the VERP return-path domain; unsubscribe: the mailto unsubscribe domain'),
  records: z.array(recordSchema),
});

/** Sending and receiving domains with the DNS records to publish, checked live (docs/api.md "Domains"). */
export function domainRoutes(deps: DomainRoutesDeps): ApiRoute[] {
  let own: (Dns & { clear?(): void }) | undefined;
  const dns = () => deps.dns ?? (own ??= createResolver(deps.config.dns, deps.clock));
  const describe = async (domain: string, roles: readonly Role[], keys: Awaited<ReturnType<DkimKeyStore['list']>>) => {
    const resolver = dns();
    const records: Promise<DomainRecord>[] = [];
    if (roles.includes('dkim')) for (const k of keys.filter((x) => x.domain === domain && x.state !== 'retired')) records.push(dkimRecord(resolver, k));
    if (roles.includes('dkim') || roles.includes('bounce')) records.push(spfRecord(resolver, domain, sendingAddresses(deps.config)));
    if (roles.includes('dkim')) records.push(dmarcRecord(resolver, domain));
    if (roles.some((r) => r !== 'dkim')) records.push(mxRecord(resolver, domain, deps.config.hostname));
    return { domain, roles: [...roles], records: await Promise.all(records) };
  };
  const all = async () => {
    dns().clear?.();
    const keys = await deps.dkimKeys.list();
    return { keys, domains: domainsOf(deps.config, keys.filter((k) => k.state !== 'retired').map((k) => k.domain)) };
  };
  return [
    defineRoute({
      method: 'GET',
      path: '/api/v1/domains',
      operationId: 'listDomains',
      summary: 'Every domain Baton signs for or receives for, with the DNS records to publish and whether DNS shows them now',
      tags: ['Domains'],
      scope: 'read',
      responses: { 200: { description: 'The domains, by name', schema: z.object({ domains: z.array(domainSchema) }) } },
      async handler() {
        const { keys, domains } = await all();
        return { status: 200, body: { domains: await Promise.all([...domains].map(([d, roles]) => describe(d, roles, keys))) } };
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/api/v1/domains/{domain}',
      operationId: 'getDomain',
      summary: 'One domain with its DNS records and their status',
      tags: ['Domains'],
      scope: 'read',
      params: z.object({ domain: z.string().max(255) }),
      responses: { 200: { description: 'The domain', schema: domainSchema }, 404: { description: 'Not a domain of this Baton' } },
      async handler({ params }) {
        const { keys, domains } = await all();
        const name = params.domain.toLowerCase().replace(/\.$/, '');
        const roles = domains.get(name);
        if (!roles) throw new ApiProblem('not-found', `${name} is not a domain of this Baton: it has no DKIM key (baton dkim keygen ${name}) and is not a local, bounce or unsubscribe domain.`);
        return { status: 200, body: await describe(name, roles, keys) };
      },
    }),
  ];
}

/** Each domain with its roles, by name; patterns ("*.example.com") are not domains one can publish records for. */
function domainsOf(config: DomainRoutesDeps['config'], dkimDomains: readonly string[]): Map<string, Role[]> {
  const out = new Map<string, Role[]>();
  const add = (domain: string | undefined, role: Role) => {
    if (!domain || domain.includes('*')) return;
    const d = domain.toLowerCase();
    const roles = out.get(d) ?? [];
    if (!roles.includes(role)) roles.push(role);
    out.set(d, roles);
  };
  for (const d of dkimDomains) add(d, 'dkim');
  for (const d of config.localDomains) add(d, 'local');
  add(config.bounces.domain, 'bounce');
  add(config.unsubscribe?.mailtoDomain, 'unsubscribe');
  return new Map([...out].sort(([a], [b]) => a.localeCompare(b)));
}

/** Public addresses the listeners are bound to (not loopback, not a wildcard): this node's, for SPF. */
function sendingAddresses(config: DomainRoutesDeps['config']): string[] {
  const out = new Set<string>();
  for (const l of config.listeners) {
    const host = splitHostPort(l.address)?.host;
    if (!host || !isIP(host) || host === '0.0.0.0' || host === '::' || host === '::1' || host.startsWith('127.')) continue;
    out.add(host);
  }
  return [...out];
}
