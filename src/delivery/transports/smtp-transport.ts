import { isIP } from 'node:net';
import { DeliveryReplies, type MessageParts, type Random, type SmtpReply } from '../../core/index.js';
import type { DnsResolver } from '../../dns/index.js';
import type { Logger } from '../../log/index.js';
import type { ConnectionPool } from '../connection-pool.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import { resolveSite, type SiteHost } from '../mx.js';
import type { Outcome } from '../outcome.js';
import type { Route } from '../route.js';
import type { ConnectOptions } from '../smtp-client.js';
import { isRefusal, type HostRefusal, type HostTls, type TlsResultSink } from '../tls/host-tls.js';
import { TlsPlanner } from '../tls/tls-planner.js';
import { sendOnPool } from './pooled-send.js';
import type { Transport } from './transport.js';

export interface SmtpTransportDeps {
  readonly pool: ConnectionPool;
  readonly resolver: DnsResolver;
  readonly random: Random;
  readonly logger: Logger;
  readonly heloName: string;
  /** Port for MX delivery (config delivery.port). */
  readonly port: number;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  /** True when ip:port is one of our own listeners: delivering there would loop. */
  readonly isSelf: (ip: string, port: number) => boolean;
  /** What each MX host demands of TLS (DANE, MTA-STS, the route); absent: the route's policy for every host. */
  readonly tls?: TlsPlanner;
  /** Each new connection's TLS result under its policy (TLS-RPT). */
  readonly tlsResults?: TlsResultSink;
}

const NO_SOURCES = new TlsPlanner();

/** A host the TLS policy forbids: deferred (RFC 8461 §5, RFC 7672 §2.2) unless the refusal says the failure is final. */
function refusalOutcome(refusal: HostRefusal): Outcome {
  return {
    verdict: refusal.temporary ? 'deferred' : 'bounced',
    scope: refusal.scope ?? 'site',
    stage: 'connect',
    reply: refusal.reply ?? DeliveryReplies.tlsPolicyFailed(),
    error: refusal.reason,
  };
}

/** The job sends from an egress source of one IP family and `ip` is of the other. */
function otherFamily(job: DeliveryJob, ip: string): boolean {
  const local = job.egress?.address;
  return local !== undefined && isIP(local) !== isIP(ip);
}

/** Every address tried was of the other family than the egress source: deferred (the pool or the DNS may change). */
function familyOutcome(job: DeliveryJob): Outcome {
  const family = isIP(job.egress?.address ?? '') === 6 ? 'IPv6' : 'IPv4';
  return { verdict: 'deferred', scope: 'message', stage: 'connect', error: `no MX address of the egress source's family (${family}, source "${job.egress?.name ?? ''}")` };
}

type RemoteRoute = Extract<Route, { kind: 'mx' | 'smarthost' }>;
type Targets = { ok: true; hosts: readonly SiteHost[] } | { ok: false; temporary: boolean; reply: SmtpReply; reason: string };

/**
 * SMTP to the recipient domain's MX hosts or to a smarthost (RFC 5321). The
 * site is resolved once, when the job is placed (`locate`); sending tries each
 * host and address in turn until one takes the transaction (RFC 5321 §5.1: try
 * the next MX when one cannot be reached).
 */
export class SmtpTransport implements Transport {
  constructor(private readonly deps: SmtpTransportDeps) {}

  async locate(job: DeliveryJob): Promise<DeliveryJob> {
    if (job.route.kind !== 'mx') return job;
    const mx = await this.resolve(job.domain);
    // An unresolvable domain keeps its own site; its job carries the failure.
    if (!mx.ok) return { ...job, mx };
    return { ...job, mx, siteKey: `site:${mx.hosts.map((h) => h.host.toLowerCase()).sort().join(',')}` };
  }

  async send(job: DeliveryJob, message: MessageParts): Promise<RecipientVerdict[]> {
    const route = job.route;
    if (route.kind !== 'mx' && route.kind !== 'smarthost') throw new Error(`the SMTP transport cannot send on a ${route.kind} route`);
    const site = await this.targets(job, route);
    if (!site.ok) {
      const outcome: Outcome = { verdict: site.temporary ? 'deferred' : 'bounced', scope: 'site', stage: 'connect', reply: site.reply, error: site.reason };
      this.deps.logger.info({ domain: job.domain, reason: site.reason }, 'site not resolvable');
      return job.recipients.map((row) => ({ row, outcome }));
    }
    const plan = await (this.deps.tls ?? NO_SOURCES).plan(job, route, site.hosts);
    let lastFailure: Outcome | undefined;
    let lastHost: string | undefined;
    for (const { host, demand } of plan.hosts) {
      if (isRefusal(demand)) {
        lastFailure = refusalOutcome(demand);
        lastHost = host.host;
        this.recordRefusal(job, host.host, demand);
        continue;
      }
      for (const address of host.addresses) {
        if (otherFamily(job, address.address)) {
          // An IPv4 source cannot reach an IPv6 address, nor the other way round: not a failure of the host.
          this.deps.logger.info({ domain: job.domain, host: host.host, ip: address.address, source: job.egress?.name, localAddress: job.egress?.address }, 'MX address skipped: not the IP family of the egress source');
          lastFailure ??= familyOutcome(job);
          lastHost ??= host.host;
          continue;
        }
        const options = this.connectOptions(job, route, host.host, address.address, demand);
        const tried = await sendOnPool(this.deps.pool, options, job, message);
        if (tried.kind === 'sent') return tried.outcomes.map((o) => ({ ...o, remoteMta: host.host }));
        lastFailure = tried.failure;
        lastHost = host.host;
        this.deps.logger.info(
          { domain: job.domain, host: host.host, ip: address.address, policy: demand.policy.type, stage: tried.failure.stage, error: tried.failure.error ?? tried.failure.reply?.lines.join(' ') },
          'connection failed',
        );
      }
    }
    const outcome: Outcome = lastFailure ?? { verdict: 'deferred', scope: 'site', stage: 'connect', error: 'no address to connect to' };
    return job.recipients.map((row) => ({ row, outcome, ...(lastHost ? { remoteMta: lastHost } : {}) }));
  }

  private connectOptions(job: DeliveryJob, route: RemoteRoute, host: string, ip: string, demand: HostTls): ConnectOptions {
    const maxMessages = job.messagesPerConnection;
    const results = this.deps.tlsResults;
    return {
      ...(maxMessages !== undefined ? { maxMessages } : {}),
      host,
      ip,
      port: route.kind === 'smarthost' ? route.port : this.deps.port,
      ...(job.egress?.address ? { localAddress: job.egress.address } : {}),
      heloName: job.egress?.ehlo ?? this.deps.heloName,
      connectTimeout: this.deps.connectTimeout,
      commandTimeout: this.deps.commandTimeout,
      tls: demand.tls,
      tlsKey: demand.key,
      ...(demand.settings ? { tlsSettings: demand.settings } : {}),
      ...(demand.checkPeer ? { checkPeer: demand.checkPeer } : {}),
      ...(demand.requireTls ? { requireTls: true as const } : {}),
      ...(results ? { onTls: (negotiation) => results.record({ policy: demand.policy, recipientDomain: job.domain, mxHost: host, ip, ...(job.egress?.address ? { sendingIp: job.egress.address } : {}), negotiation }) } : {}),
      ...(route.kind === 'smarthost' && route.auth ? { auth: route.auth } : {}),
      log: this.deps.logger,
    };
  }

  private recordRefusal(job: DeliveryJob, host: string, refusal: HostRefusal): void {
    this.deps.logger.info({ domain: job.domain, host, policy: refusal.policy.type, reason: refusal.reason }, 'MX host refused by the TLS policy');
    this.deps.tlsResults?.record({ policy: refusal.policy, recipientDomain: job.domain, mxHost: host, ip: '', negotiation: { kind: 'refused', refusal } });
  }

  private resolve(domain: string) {
    const { resolver, random, port, isSelf } = this.deps;
    return resolveSite(domain, { resolver, random, port, isSelf });
  }

  private async targets(job: DeliveryJob, route: RemoteRoute): Promise<Targets> {
    if (route.kind === 'mx') {
      const site = job.mx ?? (await this.resolve(job.domain));
      return site.ok ? { ok: true, hosts: site.hosts } : site;
    }
    // A smarthost: an IP address is used as is; a name is resolved (A/AAAA, no MX: like Postfix's [host]).
    if (isIP(route.host)) {
      return { ok: true, hosts: [{ host: route.host, preference: 0, addresses: [{ address: route.host, family: isIP(route.host) as 4 | 6, ttl: 0 }] }] };
    }
    const addrs = await this.deps.resolver.resolveAddresses(route.host);
    if (!addrs.ok) {
      return { ok: false, temporary: true, reply: DeliveryReplies.relayHostNotFound(), reason: `smarthost ${route.host}: ${addrs.error.kind}` };
    }
    return { ok: true, hosts: [{ host: route.host, preference: 0, addresses: addrs.value }] };
  }
}
