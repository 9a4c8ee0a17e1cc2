import { networkInterfaces } from 'node:os';
import { splitHostPort, type Config } from '../config/index.js';
import type { Clock, Mailbox, Random } from '../core/index.js';
import { createResolver, type DnsResolver } from '../dns/index.js';
import type { ShapedEvent } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { MessageSummary, QueueStore } from '../queue/index.js';
import type { BounceClassifier } from './bounce/classify.js';
import { ConnectionPool } from './connection-pool.js';
import { DeliveryEngine } from './engine.js';
import { newLeaseOwner } from './lease-owner.js';
import { selfCheck } from './mx.js';
import { connect } from './smtp-client.js';
import { mergeProviders, Shaper, type SharedRates, type Throttle } from './throttle/index.js';
import type { TlsPolicySource, TlsResultSink } from './tls/host-tls.js';
import { TlsPlanner } from './tls/tls-planner.js';
import type { TlsClientSettings } from './tls-policy.js';
import { mxAuthenticityOf } from './tls/require-tls.js';
import type { OwnerLiveness } from './take-over.js';
import { OutboundTransforms, type OutboundTransform } from './transforms/index.js';
import { LmtpTransport, MaildirTransport, SmtpTransport, TransportRouter } from './transports/index.js';

export interface DeliveryParts {
  readonly engine: DeliveryEngine;
  readonly pool: ConnectionPool;
}

/**
 * The delivery side of a node from its config: the connection pool, the
 * transports and their router (DESIGN §9 Transport), the outbound transforms,
 * and the engine that drives them. Nothing starts here.
 */
export function buildDelivery(
  config: Config,
  deps: {
    readonly store: QueueStore;
    readonly clock: Clock;
    readonly random: Random;
    readonly logger: Logger;
    /** Shaping changes (adaptive back-off), to the events. */
    readonly onShaped: (event: ShapedEvent) => void;
    readonly outbound?: readonly OutboundTransform[];
    /** Failure classification (`bounces.rules`); absent: the shipped rules. */
    readonly classifier?: BounceClassifier;
    /** The VERP return path per message (docs/deliverability.md "Return path"). */
    readonly returnPath?: (message: MessageSummary) => Mailbox | undefined;
    /** The process's resolver, so MX and address answers share one TTL cache with the inbound checks; absent: one of its own. */
    readonly resolver?: DnsResolver;
    /** One attempt took `ms` on a transport of this route kind (metrics). */
    readonly onAttempt?: (transport: string, ms: number) => void;
    /** This node's lease owner (also its cluster node id); absent: a new one. */
    readonly owner?: string;
    /** A cluster's liveness judge: dead nodes' leases are taken over every `cluster.heartbeat` (engine.ts). */
    readonly liveness?: OwnerLiveness;
    /** Start rates shared by the cluster's nodes (throttle/shared-rates.ts). */
    readonly sharedRates?: SharedRates;
    /** This node's part of a connection limit (the cluster's live delivery nodes share it). */
    readonly connectionShare?: (limit: number) => number;
    /** Outbound TLS policy sources, DANE first (delivery/tls/); absent: each route's policy alone. */
    readonly tlsSources?: readonly TlsPolicySource[];
    /** Each new connection's TLS result (TLS-RPT). */
    readonly tlsResults?: TlsResultSink;
    /** TLS settings for hosts no policy source speaks for (delivery.caFile). */
    readonly tlsDefaults?: TlsClientSettings;
    /** Wraps the shaping throttle (egress pools and warm-up pick the source of each attempt). */
    readonly wrapThrottle?: (shaper: Throttle) => Throttle;
  },
): DeliveryParts {
  const { clock, random, logger } = deps;
  const pool = new ConnectionPool({ idleMs: config.delivery.connectionIdle, maxMessages: config.delivery.maxMessagesPerConnection, connect });
  const heloName = config.delivery.heloName ?? config.hostname;
  const { connectTimeout, commandTimeout } = config.delivery;
  const resolver = deps.resolver ?? createResolver(config.dns, clock);
  const mxAuthenticity = mxAuthenticityOf(resolver);
  const smtp = new SmtpTransport({
    pool,
    resolver,
    random,
    logger,
    heloName,
    port: config.delivery.port,
    connectTimeout,
    commandTimeout,
    isSelf: ownListeners(config),
    tls: new TlsPlanner(deps.tlsSources ?? [], {
      ...(deps.tlsDefaults ? { settings: deps.tlsDefaults } : {}),
      ...(mxAuthenticity ? { mxAuthenticity } : {}),
    }),
    ...(deps.tlsResults ? { tlsResults: deps.tlsResults } : {}),
  });
  const shaper = new Shaper({
    delivery: config.delivery,
    shaping: config.shaping,
    providers: mergeProviders(config.shaping.providers),
    clock,
    onChange: deps.onShaped,
    ...(deps.sharedRates ? { sharedRates: deps.sharedRates } : {}),
    ...(deps.connectionShare ? { connectionShare: deps.connectionShare } : {}),
  });
  const router = new TransportRouter(config, {
    mx: smtp,
    smarthost: smtp,
    lmtp: new LmtpTransport({ pool, logger, heloName, connectTimeout, commandTimeout }),
    maildir: new MaildirTransport({ baseDir: config.dataDir, hostname: config.hostname }),
  });
  const engine = new DeliveryEngine({
    config,
    store: deps.store,
    clock,
    random,
    logger,
    owner: deps.owner ?? newLeaseOwner(),
    router,
    outbound: new OutboundTransforms(deps.outbound ?? []),
    throttle: deps.wrapThrottle ? deps.wrapThrottle(shaper) : shaper,
    ...(deps.classifier ? { classifier: deps.classifier } : {}),
    ...(deps.returnPath ? { returnPath: deps.returnPath } : {}),
    ...(deps.onAttempt ? { onAttempt: deps.onAttempt } : {}),
    ...(deps.liveness ? { liveness: deps.liveness, takeOverEveryMs: config.cluster.heartbeat } : {}),
  });
  return { engine, pool };
}

/** ip:port pairs that are our own listeners: delivering there would loop (RFC 5321 §5.1). */
function ownListeners(config: Config): (ip: string, port: number) => boolean {
  const listeners = config.listeners.map((l) => splitHostPort(l.address) as { host: string; port: number });
  // A wildcard listener is "us" only at this host's own addresses (and loopback).
  const localAddresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  return selfCheck(listeners, localAddresses);
}
