import type { Config } from './config/index.js';
import { systemClock, type Mailbox } from './core/index.js';
import { QueueIntake } from './intake/index.js';
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
  const intake = new QueueIntake({
    store: config.queue.discard ? undefined : store,
    hostname: config.hostname,
    clock,
    lifetimeMs: config.queue.lifetime,
    logger,
  });
  const smtp = new SmtpServer({
    config,
    tlsOptions: serverTlsOptions(tlsFiles, config.tls.minVersion),
    intake,
    logger,
    isKnownLocalRecipient: knownLocalRecipients(config),
    authenticate: (user, password) => users.verifyPassword(user, password),
  });
  await smtp.listen();
  return {
    smtp,
    store,
    async stop() {
      await smtp.close();
      await users.close();
      await store.close();
    },
  };
}

/** Local recipients we know: configured mailboxes and aliases; with none for a domain, all are accepted. */
function knownLocalRecipients(config: Config): (rcpt: Mailbox) => boolean {
  const known = new Set<string>();
  const domainsWithList = new Set<string>();
  for (const address of [...config.local.mailboxes, ...Object.keys(config.aliases)]) {
    const at = address.lastIndexOf('@');
    const domain = address.slice(at + 1).toLowerCase();
    known.add(`${address.slice(0, at).toLowerCase()}@${domain}`);
    domainsWithList.add(domain);
  }
  return (rcpt) =>
    !domainsWithList.has(rcpt.domain) || known.has(`${rcpt.local.toLowerCase()}@${rcpt.domain}`) || known.has(`@${rcpt.domain}`);
}
