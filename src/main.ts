import type { Config } from './config/index.js';
import { networkInterfaces, hostname as osHostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { splitHostPort } from './config/index.js';
import { systemClock, systemRandom, type QueueId } from './core/index.js';
import { ConnectionPool, connect, deliverLocal, deliverRemote, DeliveryEngine, Finisher, resolveSite, selfCheck } from './delivery/index.js';
import { createResolver } from './dns/index.js';
import type { Intake, Submission } from './intake/index.js';
import { compileAliases, compileLocalRecipients, QueueIntake } from './intake/index.js';
import type { Logger } from './log/index.js';
import { openSqliteQueueStore, type QueueStore } from './queue/index.js';
import { ensureTlsFiles, serverTlsOptions, SmtpServer } from './smtp/index.js';
import { openSqliteUserStore, type UserStore } from './users/index.js';

/** A running Baton node. */
export interface BatonNode {
  readonly smtp: SmtpServer;
  readonly store: QueueStore;
  stop(): Promise<void>;
}

/**
 * The composition root (DESIGN §2): builds every module from the config and
 * starts them. No logic lives here.
 */
export async function startNode(config: Config, logger: Logger): Promise<BatonNode> {
  const clock = systemClock;
  const store = await openSqliteQueueStore({ path: config.queue.path, clock });
  const users: UserStore = await openSqliteUserStore({ path: config.queue.path });
  const tlsFiles = await ensureTlsFiles(config.tls, config.dataDir, config.hostname);
  const aliases = compileAliases(config.aliases);
  const queueIntake = new QueueIntake({
    store: config.queue.discard ? undefined : store,
    aliases,
    hostname: config.hostname,
    clock,
    lifetimeMs: config.queue.lifetime,
    logger,
  });
  // In one process, a new message wakes the delivery engine at once; other
  // nodes find it at their next poll (roles share only the queue store).
  let engine: DeliveryEngine | undefined;
  const intake: Intake = {
    async submit(sub: Submission): Promise<QueueId> {
      const id = await queueIntake.submit(sub);
      engine?.wake();
      return id;
    },
  };
  const smtp = new SmtpServer({
    config,
    tlsOptions: serverTlsOptions(tlsFiles, config.tls.minVersion),
    intake,
    logger,
    isKnownLocalRecipient: compileLocalRecipients({ localDomains: config.localDomains, mailboxes: config.local.mailboxes, aliases }),
    authenticate: (user, password) => users.verifyPassword(user, password),
  });
  if (config.roles.includes('inbound')) await smtp.listen();
  const delivery = config.queue.discard || !config.roles.includes('delivery') ? undefined : startDelivery(config, store, intake, logger);
  engine = delivery?.engine;
  if (engine) {
    const e = engine;
    queueIntake.setHandOff({
      owner: e.owner,
      leaseMs: config.delivery.leaseTime,
      wants: () => e.wantsMore(),
      take: (claim, body) => e.adopt(claim, body),
    });
  }
  return {
    smtp,
    store,
    async stop() {
      await smtp.close();
      await delivery?.stop();
      await users.close();
      await store.close();
    },
  };
}

function startDelivery(config: Config, store: QueueStore, intake: Intake, logger: Logger) {
  const clock = systemClock;
  const random = systemRandom;
  const pool = new ConnectionPool({ idleMs: config.delivery.connectionIdle, maxMessages: config.delivery.maxMessagesPerConnection, connect });
  const resolver = createResolver(config.dns, clock);
  const ownAddresses = config.listeners.map((l) => splitHostPort(l.address) as { host: string; port: number });
  // A wildcard listener is "us" only at this host's own addresses (and loopback).
  const localAddresses = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((i) => i.address));
  const isSelf = selfCheck(ownAddresses, localAddresses);
  const remote = {
    pool,
    resolver,
    random,
    logger,
    heloName: config.delivery.heloName ?? config.hostname,
    port: config.delivery.port,
    connectTimeout: config.delivery.connectTimeout,
    commandTimeout: config.delivery.commandTimeout,
    isSelf,
  };
  const finisher = new Finisher({ store, intake, clock, logger, hostname: config.hostname, localDomains: config.localDomains });
  const engine = new DeliveryEngine({
    config,
    store,
    clock,
    random,
    logger,
    owner: `${osHostname()}:${process.pid}:${randomBytes(4).toString('hex')}`,
    deliver: (job, body) =>
      job.route.kind === 'local' ? deliverLocal(job, body, { config, pool, logger }) : deliverRemote(job, job.route, body, remote),
    siteOf: (domain) => resolveSite(domain, { resolver, random, port: config.delivery.port, isSelf }),
    onFinal: () => finisher.wake(),
    onDelayed: (queueId, rowIds) => finisher.warnDelayed(queueId, rowIds),
  });
  engine.start();
  finisher.start();
  return {
    engine,
    async stop() {
      await engine.stop();
      await finisher.stop();
      await pool.closeAll();
    },
  };
}
