import { ApiKeys, siteResolver, startApiSide } from './api/index.js';
import { apiKeySettings, buildApiSend, usersAndApiKeys } from './api/send/index.js';
import type { Config } from './config/index.js';
import { systemClock, systemRandom } from './core/index.js';
import { setUpCluster } from './cluster/index.js';
import { buildDelivery, dkimSigningTransform, Finisher, listUnsubscribeTransform, newLeaseOwner } from './delivery/index.js';
import { setUpEgress } from './delivery/egress/set-up.js';
import { setUpOutboundTls } from './delivery/tls/set-up.js';
import { createResolver } from './dns/index.js';
import { EventBus, EventPruner, logEvents, type BatonEvent } from './events/index.js';
import { compileAliases, compileLocalRecipients, postalFooter, QueueIntake, standardIntakeTransforms, SuppressionGate } from './intake/index.js';
import type { Logger } from './log/index.js';
import { setUpDkimSigning } from './mailauth/index.js';
import { mailauthResolver } from './mailauth/verify/index.js';
import type { QueueStore } from './queue/index.js';
import { Containment } from './quotas/index.js';
import { boundedRejections, builtInChecks, checksByRole, DnsblScorer, ensureTlsFiles, listenerAddresses, MemoryRateCounters, serverTlsOptions, SmtpServer, timerSleep } from './smtp/index.js';
import { openStores } from './stores/index.js';
import { BatonMetrics } from './metrics/index.js';
import type { HealthDeps } from './api/routes/health.js';
import { setUpBounces } from './bounces/index.js';
import { Suppressions } from './suppression/index.js';
import { buildUnsubscribe } from './unsubscribe/index.js';
import { setUpCampaigns } from './campaigns/set-up.js';
import { setUpWebhooks, type Webhooks } from './webhooks/index.js';

/** A running Baton node. */
export interface BatonNode {
  readonly smtp: SmtpServer;
  readonly store: QueueStore;
  /** Webhook delivery; `lag()` for the metrics. */
  readonly webhooks: Webhooks;
  /** Prometheus metrics (GET /metrics on the API listener). */
  readonly metrics: BatonMetrics;
  /** What GET /readyz checks. */
  readonly readiness: HealthDeps;
  stop(): Promise<void>;
}

/**
 * The composition root (DESIGN §2): builds every module from the config, in
 * dependency order, and starts them. No logic lives here: what each part does
 * with the config is decided in its own module.
 */
export async function startNode(config: Config, logger: Logger): Promise<BatonNode> {
  const clock = systemClock;
  const bus = new EventBus((err, event) => logger.error({ err, event: event.type }, 'an event listener failed'));
  const stopLogging = logEvents(bus, logger);
  const stores = await openStores(config, { clock, bus });
  // This node in the cluster (docs/cluster.md): its lease owner is its node id; one node on SQLite.
  const owner = newLeaseOwner();
  const cluster = setUpCluster(config, { store: stores.cluster, owner, clock, logger });
  // Counters listen from the start, so nothing committed after the stores open goes uncounted.
  let smtpServer: SmtpServer | undefined;
  let pool: { idleCount(): number } | undefined;
  const metrics = new BatonMetrics({
    bus,
    clock,
    queueStats: () => stores.queue.stats(),
    inbound: () => smtpServer?.connectionCounts() ?? [],
    outboundPooled: () => pool?.idleCount() ?? 0,
    // Read at scrape time, after startNode has built the webhooks below.
    webhookLag: async () =>
      (await webhooks.lag()).map((l) => ({ endpoint: l.id, events: l.pendingEvents, ...(l.oldestPendingAt !== undefined ? { oldestAgeSeconds: l.lagSeconds } : {}) })),
  });
  const runsDelivery = config.roles.includes('delivery') && !config.queue.discard;
  // One resolver (one TTL cache) for delivery and the inbound checks; the DKIM checker keeps its own.
  const resolver = createResolver(config.dns, clock);
  const recordEvent = (event: BatonEvent) => void stores.events.append([event]).catch((err: unknown) => logger.error({ err, event: event.type }, 'recording an event failed'));
  // Signing happens on the way out: only a node that delivers needs the keys (and refuses to start without their secret).
  const dkim = runsDelivery
    ? await setUpDkimSigning(config, { store: stores.dkimKeys, clock, logger, onEvent: recordEvent }).catch(async (err: unknown) => {
        await stores.close();
        throw err;
      })
    : undefined;
  // Bounce classification, VERP, inbound DSN/ARF processing (docs/deliverability.md); a bad `bounces.rules` file stops the start.
  const suppressions = new Suppressions(stores.suppressions, stores.events, clock);
  const bounces = await setUpBounces(config, { events: stores.events, suppressions, bus, clock, logger }).catch(async (err: unknown) => {
    await stores.close();
    throw err;
  });
  // Contacts, lists, segments, templates, campaigns and flows (docs/campaigns.md); their public pages go on the unsubscribe endpoint.
  const campaigns = setUpCampaigns(config, { stores, suppressions, clock, logger, bus });
  const unsubscribe = buildUnsubscribe(config, { suppress: (entries) => suppressions.add(entries), clock, logger, mounts: campaigns.mounts });
  // List-Unsubscribe before DKIM signing, so the signature covers it (RFC 8058 §4).
  const outbound = [
    ...(unsubscribe ? [listUnsubscribeTransform({ tokens: unsubscribe.tokens, baseUrl: unsubscribe.baseUrl, ...(unsubscribe.mailtoDomain ? { mailtoDomain: unsubscribe.mailtoDomain } : {}) })] : []),
    ...(dkim ? [dkimSigningTransform({ keyring: dkim.keyring, clock, config: config.dkim })] : []),
  ];
  // Outbound transport security (DANE, MTA-STS, TLS-RPT) and egress sources with warm-up (issue 14).
  const outboundTls = runsDelivery ? setUpOutboundTls({ config, resolver, stores, clock, logger }) : undefined;
  const egress = runsDelivery ? setUpEgress({ config, stores, clock, logger }) : undefined;
  const delivery = runsDelivery
    ? buildDelivery(config, {
        store: stores.queue,
        clock,
        random: systemRandom,
        logger,
        onShaped: recordEvent,
        outbound,
        classifier: bounces.classifier,
        resolver,
        ...(bounces.returnPath ? { returnPath: bounces.returnPath } : {}),
        onAttempt: (transport, ms) => metrics.observeAttempt(transport, ms),
        owner,
        liveness: cluster.presence,
        connectionShare: cluster.connectionShare,
        ...(cluster.sharedRates ? { sharedRates: cluster.sharedRates } : {}),
        ...(outboundTls ? { tlsSources: outboundTls.sources, ...(outboundTls.results ? { tlsResults: outboundTls.results } : {}), ...(outboundTls.defaults ? { tlsDefaults: outboundTls.defaults } : {}) } : {}),
        ...(egress ? { wrapThrottle: egress } : {}),
      })
    : undefined;
  pool = delivery?.pool;
  const aliases = compileAliases(config.aliases);
  const intake = new QueueIntake({
    store: config.queue.discard ? undefined : stores.queue,
    aliases,
    transforms: standardIntakeTransforms(config.hostname),
    clock,
    lifetimeMs: config.queue.lifetime,
    logger,
    ...(delivery ? { handOff: delivery.engine } : {}),
    suppression: new SuppressionGate(stores.suppressions, stores.events),
    streams: { bulkNeedsOwnUnsubscribe: config.bulk.requireUnsubscribe && !unsubscribe },
    ...(config.bulk.postalAddress !== undefined ? { bulkFooter: postalFooter(config.bulk.postalAddress, (err) => logger.warn({ err }, 'postal address footer not added: the message could not be rewritten')) } : {}),
    ...(unsubscribe?.mailto ? { mailto: unsubscribe.mailto } : {}),
  });
  // Delay notices on every delivery node (for the attempts it made); retiring (final DSNs) on one node, the lease holder.
  const finisherDeps = { store: stores.queue, bus, intake, clock, logger, hostname: config.hostname, localDomains: config.localDomains };
  const finisher = runsDelivery ? new Finisher({ ...finisherDeps, retire: false }) : undefined;
  if (runsDelivery) cluster.leaders.run('finisher', () => new Finisher({ ...finisherDeps, notices: false }));
  // Counts authenticated users' accepted mail for the quotas and contains the ones that look compromised.
  const containment = new Containment({ counters: stores.sendingCounters, users: usersAndApiKeys(stores.users, stores.apiKeys), events: stores.events, bus, clock, logger, config: config.containment });
  const tlsFiles = await ensureTlsFiles(config.tls, config.dataDir, config.hostname);
  const dnsbl = new DnsblScorer(config.dnsbl.sites, resolver, config.dnsbl.timeout);
  const counters = new MemoryRateCounters(clock);
  const checks = builtInChecks({
    // The unsubscribe mailto domain is ours for relay access (unsubscribe/mailto.ts).
    domains: unsubscribe?.mailto?.relayDomains(config) ?? config,
    ...(unsubscribe?.mailto ? { mailto: unsubscribe.mailto } : {}),
    isKnownLocalRecipient: compileLocalRecipients({ localDomains: config.localDomains, mailboxes: config.local.mailboxes, aliases }),
    mailAuth: {
      hostname: config.hostname,
      resolver: mailauthResolver(resolver),
      config: config.auth,
      timeoutMs: config.limits.checkTimeout,
      random: systemRandom,
      logger,
    },
    reportAddressKind: bounces.kindOf,
    suppression: { store: stores.suppressions, clock },
    milters: { milters: config.milters, hostname: config.hostname, logger },
    scanners: {
      rspamd: { config: config.scanners.rspamd, hostname: config.hostname, logger },
      clamav: { config: config.scanners.clamav, logger },
    },
    quotas: { counters: stores.sendingCounters, clock, record: recordEvent, defaults: config.quotas.default },
    containment: { containedState: (user) => containment.containedState(user) },
    dnsbl: { scorer: dnsbl, threshold: config.dnsbl.threshold, timeoutMs: config.dnsbl.timeout, logger },
    helo: { config: config.helo, hostname: config.hostname, ourAddresses: listenerAddresses(config.listeners), logger },
    unknownSender: { resolver, logger },
    greylist: { config: config.greylist, store: stores.greylist, clock, scorer: dnsbl, logger },
    defences: {
      rateLimits: config.rateLimits,
      pregreet: config.pregreet,
      authFailures: config.authFailures,
      counters,
      sleep: timerSleep,
      onEvent: recordEvent,
      logger,
      now: () => clock.now(),
    },
  });
  const smtp = new SmtpServer({
    config,
    tlsOptions: serverTlsOptions(tlsFiles, config.tls.minVersion),
    intake: bounces.wrapIntake(intake),
    logger,
    checks: checksByRole(config, checks, logger),
    authenticate: (user, password) => stores.users.verifyPassword(user, password),
    onRejected: boundedRejections(recordEvent, counters),
  });
  smtpServer = smtp;
  const inbound = config.roles.includes('inbound');
  const readiness: HealthDeps = {
    // A write transaction through the queue's own writer that deletes nothing (no event is older than 1970).
    storeWritable: () => stores.events.prune(0),
    // The SMTP listeners bind in order at start (smtp.listen); a node without the inbound role has none to check.
    listeners: () => {
      if (!inbound) return [];
      const bound = smtp.addresses().length;
      return config.listeners.map((l, i) => ({ name: `${l.role} ${l.address}`, bound: i < bound }));
    },
  };
  // Yesterday's TLS-RPT reports, mailed ones through this node's intake (DKIM-signed on the way out), from one node of the cluster.
  const tlsRptLoop = outboundTls?.reportLoop;
  if (tlsRptLoop) cluster.leaders.run('tlsrpt-reporter', () => tlsRptLoop(intake));
  cluster.leaders.run('event-pruner', () => new EventPruner({ store: stores.events, retentionMs: config.events.retention, clock, logger }));
  // Events to webhook endpoints, off the mail path: its own loop reading the outbox by cursor (on the lease holder).
  const webhooks = setUpWebhooks(config, {
    store: stores.webhooks, events: stores.events, clock, random: systemRandom, logger, record: (event) => stores.events.append([event]), singletons: cluster.leaders,
  });

  const endpoint = unsubscribe?.endpoint;
  if (endpoint) {
    await endpoint.server.listen(endpoint.host, endpoint.port).catch(async (err: unknown) => {
      await stores.close();
      throw err;
    });
    logger.info({ address: config.unsubscribe?.address }, 'unsubscribe endpoint listening');
  }
  // The HTTP API (docs/api.md), when `api` is configured.
  const apiKeys = new ApiKeys({ store: stores.apiKeys, clock });
  // Sending over HTTP (docs/api.md#sending): the submission role's checks, then the same intake as SMTP.
  const apiSend = buildApiSend(config, {
    intake: bounces.wrapIntake(intake),
    checks,
    idempotency: stores.idempotency,
    events: stores.events,
    counters: stores.sendingCounters,
    keys: apiKeySettings(stores.apiKeys),
    onRejected: recordEvent,
    clock,
    logger,
  });
  // The second half of campaigns: sending through apiSend, the runners and projectors as singleton loops.
  const campaignsApi = campaigns.connect({ apiSend, unsubscribe, singletons: cluster.leaders });
  // The HTTP API and dashboard, with their logins and the projections their reads need (api/node-api.ts).
  const api = await startApiSide(config, {
    config, clock, logger, stores, apiKeys, bus, suppressions, siteOf: siteResolver(config, resolver), webhooks, apiSend, metrics, readiness, singletons: cluster.leaders,
    ...campaignsApi,
  }).catch(async (err: unknown) => {
    await endpoint?.server.close();
    await stores.close();
    throw err;
  });
  // Registered and beating before the engine claims, so no other node takes this owner for dead.
  await cluster.start().catch(async (err: unknown) => {
    await api?.stop();
    await endpoint?.server.close();
    await stores.close();
    throw err;
  });
  if (config.roles.includes('inbound')) await smtp.listen();
  delivery?.engine.start();
  finisher?.start();
  if (runsDelivery) bounces.feeder.start();
  dkim?.checker.start();
  // The singleton loops (finisher's retiring, event pruner, webhook deliverer, projections) run where their lease is held.
  cluster.leaders.start();
  containment.start();
  webhooks.start(bus);
  // Counts are kept in memory and written every second (a crash loses at most that: quotas/sqlite-sending-counters.ts).
  const flushCounters = setInterval(() => void stores.sendingCounters.flush().catch((err: unknown) => logger.error({ err }, 'writing the sending counters failed')), 1000);
  flushCounters.unref();
  return {
    smtp,
    store: stores.queue,
    webhooks,
    metrics,
    readiness,
    async stop() {
      await smtp.close();
      await api?.stop();
      await campaigns.stop();
      await endpoint?.server.close();
      await delivery?.engine.stop();
      await finisher?.stop();
      await bounces.feeder.stop();
      await dkim?.checker.stop();
      await delivery?.pool.closeAll();
      await outboundTls?.close();
      // Stops the singleton loops this node leads and gives their leases up, then marks the node stopped.
      await cluster.stop();
      await webhooks.stop();
      clearInterval(flushCounters);
      containment.stop();
      stopLogging();
      metrics.close();
      await stores.close();
    },
  };
}
