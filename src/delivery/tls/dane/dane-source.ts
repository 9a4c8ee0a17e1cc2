import { createHash } from 'node:crypto';
import type { Clock } from '../../../core/index.js';
import type { DnsAnswer, RecordResolver, TlsaRecord } from '../../../dns/index.js';
import type { SiteHost } from '../../mx.js';
import type { AppliedPolicy, HostDemand, HostTls, PolicyExplanation, SourcePlan, TlsPolicySource } from '../host-tls.js';
import { addressesSecure, mxSecurity, type MxSecurity } from './host-security.js';
import { peerChain } from './peer-chain.js';
import { DANE_TA, isUsable, matchChain, presentTlsa } from './tlsa-match.js';

export interface DaneSourceOptions {
  readonly resolver: RecordResolver;
  /** The port delivery connects to (delivery.port): the TLSA owner is `_port._tcp.host` (RFC 7672 §2.3). */
  readonly port: number;
  readonly clock: Clock;
}

/** What DANE says about one host, before it becomes a demand. */
type HostFinding =
  | { readonly kind: 'not-secure'; readonly why: string }
  | { readonly kind: 'no-tlsa' }
  | { readonly kind: 'lookup-failed'; readonly why: string }
  | { readonly kind: 'tlsa'; readonly answer: DnsAnswer<TlsaRecord> };

/**
 * DANE for SMTP (RFC 7672) as an outbound TLS policy source. For each MX host
 * with a secure MX RRset, secure addresses and an authenticated TLSA RRset, TLS
 * is mandatory and the server's chain must match a usable record; a TLSA lookup
 * that fails for a secure host defers (no fallback to plaintext or to the
 * route's policy, RFC 7672 §2.1.1). Insecure hosts are left to the next source.
 */
export class DaneSource implements TlsPolicySource {
  readonly name = 'dane';
  /**
   * Demands built from one cached TLSA answer, by next-hop domain: while the
   * resolver keeps the answer (its TTL), the same object comes back and the hot
   * path builds nothing. Entries go with the answer.
   */
  private readonly demands = new WeakMap<DnsAnswer<TlsaRecord>, Map<string, HostTls>>();

  constructor(private readonly opts: DaneSourceOptions) {}

  async plan(domain: string, hosts: readonly SiteHost[]): Promise<SourcePlan | undefined> {
    const mx = await mxSecurity(this.opts.resolver, domain);
    if (mx.kind === 'insecure') return undefined;
    const found = await Promise.all(hosts.map((h) => this.find(mx, domain, h)));
    const byHost = new Map<string, HostDemand | undefined>();
    hosts.forEach((h, i) => byHost.set(h.host, this.demandOf(domain, h, found[i] as HostFinding)));
    return { forHost: (host) => byHost.get(host.host) };
  }

  async explain(domain: string, hosts: readonly SiteHost[]): Promise<PolicyExplanation> {
    const mx = await mxSecurity(this.opts.resolver, domain);
    const rows = await Promise.all(hosts.map((h) => this.explainHost(mx, domain, h)));
    const applies = rows.filter((r) => r.dane !== 'not-secure' && r.dane !== 'no-tlsa');
    const summary =
      mx.kind === 'insecure'
        ? `MX of ${domain} not DNSSEC-authenticated: DANE does not apply`
        : rows.map((r) => `${r.host}: ${r.dane === 'tlsa' ? `TLSA ${r.usable.length}/${r.records.length} usable` : r.dane}`).join('; ') || 'no MX hosts';
    return { source: this.name, found: applies.length > 0, summary, details: { mx: mx.kind, port: this.opts.port, hosts: rows } };
  }

  /** One host for `baton tls check`: DANE's finding, and the TLSA RRset as served even where DANE does not apply. */
  private async explainHost(mx: MxSecurity, domain: string, h: SiteHost) {
    const f: HostFinding = mx.kind === 'insecure' ? { kind: 'not-secure', why: 'MX RRset not authenticated' } : await this.find(mx, domain, h);
    const tlsa = await this.opts.resolver.resolveTlsa(h.host, this.opts.port);
    const records = tlsa.ok ? tlsa.value.records : [];
    return {
      host: h.host,
      dane: f.kind,
      ...(f.kind === 'not-secure' || f.kind === 'lookup-failed' ? { why: f.why } : {}),
      tlsa: tlsa.ok ? 'found' : tlsa.error.kind === 'temporary' ? `failed (${tlsa.error.code})` : 'none',
      authenticated: tlsa.ok && tlsa.value.authenticated,
      records: records.map(presentTlsa),
      usable: records.filter(isUsable).map(presentTlsa),
    };
  }

  private async find(mx: MxSecurity, domain: string, host: SiteHost): Promise<HostFinding> {
    if (mx.kind === 'failed') return { kind: 'lookup-failed', why: `MX lookup for ${domain} failed (${mx.error.code})` };
    // An implicit MX is the domain itself; its addresses must be secure like any MX host's.
    if (mx.kind === 'implicit' && host.host !== domain) return { kind: 'not-secure', why: 'no MX RRset' };
    if (!(await addressesSecure(this.opts.resolver, host))) return { kind: 'not-secure', why: `addresses of ${host.host} not authenticated` };
    const tlsa = await this.opts.resolver.resolveTlsa(host.host, this.opts.port);
    if (tlsa.ok) return tlsa.value.authenticated ? { kind: 'tlsa', answer: tlsa.value } : { kind: 'not-secure', why: 'TLSA RRset not authenticated' };
    // NXDOMAIN/NODATA from a validating resolver: authenticated denial (a bogus denial is SERVFAIL), so no DANE.
    if (tlsa.error.kind !== 'temporary') return { kind: 'no-tlsa' };
    return { kind: 'lookup-failed', why: `TLSA lookup for _${this.opts.port}._tcp.${host.host} failed (${tlsa.error.code}): ${tlsa.error.message}` };
  }

  private demandOf(domain: string, host: SiteHost, f: HostFinding): HostDemand | undefined {
    const policy: AppliedPolicy = { type: 'tlsa', domain: host.host };
    if (f.kind === 'not-secure' || f.kind === 'no-tlsa') return undefined;
    if (f.kind === 'lookup-failed') {
      return { refused: true, temporary: true, resultType: 'dnssec-invalid', reason: `DANE: ${f.why}; not delivering without the TLSA answer (RFC 7672 §2.1.1)`, policy };
    }
    let perDomain = this.demands.get(f.answer);
    if (!perDomain) this.demands.set(f.answer, (perDomain = new Map()));
    let demand = perDomain.get(domain);
    if (!demand) perDomain.set(domain, (demand = this.build(domain, host.host, f.answer)));
    return demand;
  }

  private build(domain: string, mxHost: string, answer: DnsAnswer<TlsaRecord>): HostTls {
    const strings = answer.records.map(presentTlsa);
    const policy: AppliedPolicy = { type: 'tlsa', domain: mxHost, strings };
    const usable = answer.records.filter(isUsable);
    // The pool key: a connection checked against these records carries only mail planned under them;
    // under DANE-TA the check also names the next-hop domain, so it is part of the key then.
    const taDomain = usable.some((r) => r.usage === DANE_TA) ? [domain] : [];
    const key = `dane:${createHash('sha256').update([...strings, ...taDomain].join('\n')).digest('hex').slice(0, 16)}`;
    // RFC 7672 §8.1: SNI with the TLSA base domain (the MX host name).
    const settings = { servername: mxHost };
    // RFC 7672 §2.2 / §3.1.3: only unusable records: TLS is still mandatory, the peer is not authenticated.
    if (usable.length === 0) return { tls: 'required', settings, key, policy };
    // RFC 7672 §3.2.2: the reference identifiers are the MX host name and the next-hop domain.
    const names = mxHost === domain ? [mxHost] : [mxHost, domain];
    const clock = this.opts.clock;
    return {
      tls: 'required',
      settings,
      key,
      policy,
      checkPeer: (socket) => matchChain({ chain: peerChain(socket), records: usable, names, now: clock.now() }),
    };
  }
}
