import { isIP } from 'node:net';
import { DeliveryReplies, type Random, type SmtpReply } from '../core/index.js';
import type { DnsResolver } from '../dns/index.js';
import type { Logger } from '../log/index.js';
import type { MessageSummary, RecipientRow } from '../queue/index.js';
import type { ConnectionPool } from './connection-pool.js';
import { resolveSite, type SiteHost, type SiteResolution } from './mx.js';
import { classify, resolveTransaction, type Outcome } from './outcome.js';
import type { Route } from './route.js';
import type { ConnectOptions } from './smtp-client.js';

/** One attempt's unit of work: some recipients of one message, all for one destination. */
export interface DeliveryJob {
  readonly message: MessageSummary;
  readonly recipients: readonly RecipientRow[];
  readonly domain: string;
  readonly route: Route;
  readonly destination: string;
  /** The message, when it came straight from intake (no need to read it back). */
  readonly body?: Buffer;
  /** The MX resolution made when the job was queued (MX routes). */
  readonly site?: SiteResolution;
}

export interface RecipientVerdict {
  readonly row: RecipientRow;
  readonly outcome: Outcome;
  readonly remoteMta?: string;
}

export interface RemoteDeliveryDeps {
  readonly pool: ConnectionPool;
  readonly resolver: DnsResolver;
  readonly random: Random;
  readonly logger: Logger;
  readonly heloName: string;
  readonly port: number;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
  readonly isSelf: (ip: string, port: number) => boolean;
}

type RemoteRoute = Extract<Route, { kind: 'mx' | 'smarthost' }>;

/**
 * Deliver a job to a remote server: resolve the site (MX, or the smarthost),
 * then try each host and address in order until one takes the transaction
 * (RFC 5321 §5.1: try the next MX when one cannot be reached). Every outcome is
 * data; nothing here throws for a remote failure.
 */
export async function deliverRemote(job: DeliveryJob, route: RemoteRoute, body: Buffer, deps: RemoteDeliveryDeps): Promise<RecipientVerdict[]> {
  const site = await resolveTargets(job, route, deps);
  if (!site.ok) {
    const outcome: Outcome = { verdict: site.temporary ? 'deferred' : 'bounced', scope: 'site', stage: 'connect', reply: site.reply, error: site.reason };
    deps.logger.info({ domain: job.domain, reason: site.reason }, 'destination not resolvable');
    return job.recipients.map((row) => ({ row, outcome }));
  }
  let lastFailure: Outcome | undefined;
  let lastHost: string | undefined;
  for (const host of site.hosts) {
    for (const address of host.addresses) {
      const options: ConnectOptions = {
        host: host.host,
        ip: address.address,
        port: route.kind === 'smarthost' ? route.port : deps.port,
        heloName: deps.heloName,
        connectTimeout: deps.connectTimeout,
        commandTimeout: deps.commandTimeout,
        tls: route.tls,
        ...(route.kind === 'smarthost' && route.auth ? { auth: route.auth } : {}),
        log: deps.logger,
      };
      let tried = await attempt(job, options, body, deps.pool);
      // A reused connection that died before the server said anything (it timed
      // out idle on the far side) says nothing about the site: once more, fresh.
      if (tried.kind === 'sent' && tried.reused && tried.outcomes.every((o) => o.outcome.scope === 'connection' && !o.outcome.reply)) {
        tried = await attempt(job, options, body, deps.pool);
      }
      if (tried.kind === 'sent') return tried.outcomes.map(({ recipient, outcome }) => ({ row: recipient, outcome, remoteMta: host.host }));
      lastFailure = tried.failure;
      lastHost = host.host;
      deps.logger.info(
        { domain: job.domain, host: host.host, ip: address.address, stage: tried.failure.stage, error: tried.failure.error ?? tried.failure.reply?.lines.join(' ') },
        'connection failed',
      );
    }
  }
  const outcome: Outcome = lastFailure ?? { verdict: 'deferred', scope: 'site', stage: 'connect', error: 'no address to connect to' };
  return job.recipients.map((row) => ({ row, outcome, ...(lastHost ? { remoteMta: lastHost } : {}) }));
}

type Attempt =
  | { readonly kind: 'sent'; readonly reused: boolean; readonly outcomes: { recipient: RecipientRow; outcome: Outcome }[] }
  | { readonly kind: 'no-connection'; readonly failure: Outcome };

/** One transaction on a pooled or new connection. */
async function attempt(job: DeliveryJob, options: ConnectOptions, body: Buffer, pool: ConnectionPool): Promise<Attempt> {
  const conn = await pool.acquire(options);
  if (!conn.ok) {
    const failure = classify(conn.failure);
    const outcome: Outcome = failure.verdict === 'continue' ? { verdict: 'deferred', scope: 'site', stage: conn.failure.stage, error: 'connection failed' } : failure;
    return { kind: 'no-connection', failure: outcome };
  }
  const connection = conn.connection;
  const result = await connection.send({
    mailFrom: job.message.envelope.mailFrom,
    recipients: job.recipients.map((r) => ({
      address: r.address,
      ...(r.notify !== undefined ? { notify: r.notify } : {}),
      ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
    })),
    params: job.message.envelope.params,
    message: body,
  });
  pool.release(options, connection, result.reusable);
  const outcomes = resolveTransaction({
    recipients: job.recipients.map((row, i) => {
      const rcpt = result.recipients[i]?.rcpt;
      return rcpt ? { recipient: row, rcpt } : { recipient: row };
    }),
    ...(result.last ? { last: result.last } : {}),
  });
  return { kind: 'sent', reused: conn.reused === true, outcomes };
}

type Targets = { ok: true; hosts: readonly SiteHost[] } | { ok: false; temporary: boolean; reply: SmtpReply; reason: string };

async function resolveTargets(job: DeliveryJob, route: RemoteRoute, deps: RemoteDeliveryDeps): Promise<Targets> {
  if (route.kind === 'mx') {
    const site = job.site ?? (await resolveSite(job.domain, { resolver: deps.resolver, random: deps.random, port: deps.port, isSelf: deps.isSelf }));
    return site.ok ? { ok: true, hosts: site.hosts } : site;
  }
  // A smarthost: an IP address is used as is; a name is resolved (A/AAAA, no MX: like Postfix's [host]).
  if (isIP(route.host)) {
    return { ok: true, hosts: [{ host: route.host, preference: 0, addresses: [{ address: route.host, family: isIP(route.host) as 4 | 6, ttl: 0 }] }] };
  }
  const addrs = await deps.resolver.resolveAddresses(route.host);
  if (!addrs.ok) {
    return { ok: false, temporary: true, reply: DeliveryReplies.relayHostNotFound(), reason: `smarthost ${route.host}: ${addrs.error.kind}` };
  }
  return { ok: true, hosts: [{ host: route.host, preference: 0, addresses: addrs.value }] };
}
