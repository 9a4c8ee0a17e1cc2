#!/usr/bin/env node
import { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError, loadConfig, redactConfig } from '../config/index.js';
import { systemClock } from '../core/index.js';
import { createLogger } from '../log/index.js';
import { openClusterStore, openSendingCounters, openStores, openUserStore } from '../stores/index.js';
import { Suppressions } from '../suppression/index.js';
import type { UserStore } from '../users/index.js';
import { openSqliteApiKeyStore } from '../api/keys/index.js';
import { registerApiKeyCommands } from './apikey-commands.js';
import { registerAdminCommands } from './admin-commands.js';
import { openSqliteAdminStore } from '../api/admins/index.js';
import { registerDkimCommands } from './dkim-commands.js';
import { registerQueueCommands } from './queue-commands.js';
import { usersAndApiKeys } from '../api/send/key-settings.js';
import { registerShapingCommands } from './shaping-commands.js';
import { registerSuppressionCommands } from './suppression-commands.js';
import { registerContactCommands } from './contacts-commands.js';
import { Contacts } from '../campaigns/contacts/index.js';
import { silentLogger as quietLogger } from '../log/index.js';
import { registerUserCommands } from './user-commands.js';
import { registerUserShowCommand } from './user-show-command.js';
import { registerWebhookCommands } from './webhook-commands.js';
import { httpPoster, WebhookAdmin } from '../webhooks/index.js';
import { registerStatusCommand } from './status-command.js';
import { registerSendCommand } from './send-command.js';
import { registerClusterCommands } from './cluster-commands.js';
import { registerMigrateCommand } from './migrate-command.js';
import { openForTlsRpt, registerTlsRptCommands } from './tlsrpt-commands.js';
import { registerTlsCommands } from './tls-commands.js';
import { registerEgressCommands } from './egress-commands.js';
import { registerCampaignCommands } from './campaign-commands.js';

/** `baton <command>`: the operator's entry point. */
const program = new Command('baton')
  .description('Baton: a durable, fast SMTP relay')
  .showHelpAfterError()
  .configureOutput({ outputError: (text, write) => write(text) });

program
  .command('start')
  .description('start Baton (listeners, queue, delivery) in the foreground')
  .option('-c, --config <file>', 'YAML configuration file (default: embedded safe default)')
  .action(async (opts: { config?: string }) => {
    const { config, file } = loadConfig(opts.config);
    const logger = createLogger(config.log.level, 'baton', config.log.format);
    logger.info({ config: file ?? '(embedded default)', dataDir: config.dataDir }, 'starting');
    // Imported here, not at the top: the whole node (fastify, mailauth, ...) takes a second or more
    // to load, and every other command (run by scripts and tests, often) needs none of it.
    const { startNode } = await import('../main.js');
    const node = await startNode(config, logger);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'stopping');
      node.stop().then(
        () => process.exit(0),
        (err: unknown) => {
          logger.error({ err }, 'stop failed');
          process.exit(1);
        },
      );
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });

const configCmd = program.command('config').description('configuration tools');
configCmd
  .command('check [file]')
  .description('validate a configuration file and print the effective configuration (secrets redacted)')
  .option('-c, --config <file>', 'configuration file (same as the argument)')
  .option('--json', 'print JSON instead of YAML')
  .action((fileArg: string | undefined, opts: { config?: string; json?: boolean }) => {
    const { config, file } = loadConfig(fileArg ?? opts.config);
    const effective = redactConfig(config);
    process.stdout.write(opts.json ? `${JSON.stringify(effective, null, 2)}\n` : stringify(effective));
    process.stderr.write(`${file ?? '(embedded default)'}: configuration is valid\n`);
  });

// The CLI opens stores through the same factory as `baton start` (DESIGN §9 Store).
registerQueueCommands(program, {
  openStores: async (configFile?: string) => {
    const stores = await openStores(loadConfig(configFile).config, { mustExist: true });
    // `release --user api:NAME` lifts an API key's containment (api/send/key-settings.ts).
    return { ...stores, users: usersAndApiKeys(stores.users, stores.apiKeys) };
  },
});
registerShapingCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const stores = await openStores(config, { mustExist: true });
    return { config, events: stores.events, close: () => stores.close() };
  },
});
registerDkimCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const stores = await openStores(config);
    return { config, keys: stores.dkimKeys, events: stores.events, close: () => stores.close() };
  },
});
const userCommand = registerUserCommands(program, {
  openUsers: async (configFile?: string): Promise<UserStore> => openUserStore(loadConfig(configFile).config),
});
registerUserShowCommand(userCommand, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const users = await openUserStore(config);
    const counters = await openSendingCounters(config);
    return { users, counters, defaults: config.quotas.default, close: async () => (await counters.close(), await users.close()) };
  },
});

registerSuppressionCommands(program, {
  open: async (configFile?: string) => {
    const stores = await openStores(loadConfig(configFile).config);
    return { suppressions: new Suppressions(stores.suppressions, stores.events, systemClock), close: () => stores.close() };
  },
});

registerContactCommands(program, {
  open: async (configFile?: string) => {
    const stores = await openStores(loadConfig(configFile).config);
    const suppressions = new Suppressions(stores.suppressions, stores.events, systemClock);
    return { contacts: new Contacts({ store: stores.contacts, suppressions, clock: systemClock, logger: quietLogger() }), close: () => stores.close() };
  },
});

registerApiKeyCommands(program, {
  // Only the key table: no queue writer thread for a key command.
  openKeys: async (configFile?: string) => openSqliteApiKeyStore({ path: loadConfig(configFile).config.queue.path }),
});

registerAdminCommands(program, {
  // Only the admin tables: no queue writer thread before a password prompt.
  openAdmins: async (configFile?: string) => openSqliteAdminStore({ path: loadConfig(configFile).config.queue.path }),
});

registerWebhookCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const stores = await openStores(config);
    const post = httpPoster({ connectTimeoutMs: config.webhooks.connectTimeout, timeoutMs: config.webhooks.timeout, maxConnections: 1 });
    const admin = new WebhookAdmin({ store: stores.webhooks, events: stores.events, clock: systemClock });
    return { admin, post, close: async () => (post.close(), await stores.close()) };
  },
});
registerTlsRptCommands(program, { open: openForTlsRpt });
registerTlsCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const stores = await openStores(config);
    try {
      const [{ createResolver }, { setUpOutboundTls }, { silentLogger }] = await Promise.all([import('../dns/index.js'), import('../delivery/tls/set-up.js'), import('../log/index.js')]);
      const resolver = createResolver(config.dns, systemClock);
      const outboundTls = setUpOutboundTls({ config, resolver, stores, clock: systemClock, logger: silentLogger() });
      return { config, resolver, outboundTls, close: async () => (await outboundTls.close(), await stores.close()) };
    } catch (err) {
      await stores.close();
      throw err;
    }
  },
});
registerStatusCommand(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    // No database yet is a state worth reporting (nothing was ever queued), not an error.
    const stores = await openStores(config, { mustExist: true }).catch((err: unknown) => {
      if ((err as { code?: string }).code === 'ENOENT') return undefined;
      throw err;
    });
    return { config, ...(stores ? { queue: stores.queue, events: stores.events } : {}), close: async () => stores?.close() };
  },
});
registerSendCommand(program, { loadConfig: (configFile?: string) => loadConfig(configFile).config });
registerClusterCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const cluster = await openClusterStore(config);
    return { config, cluster, close: () => cluster.close() };
  },
});
registerEgressCommands(program, {
  open: async (configFile?: string) => {
    const { config } = loadConfig(configFile);
    const stores = await openStores(config, { mustExist: true });
    return { config, warmup: stores.warmup, events: stores.events, close: () => stores.close() };
  },
});
registerCampaignCommands(program, {
  open: async (configFile?: string) => {
    const stores = await openStores(loadConfig(configFile).config, { mustExist: true });
    return { campaigns: stores.campaigns, close: () => stores.close() };
  },
});
registerMigrateCommand(program, { loadConfig: (configFile?: string) => loadConfig(configFile).config });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) process.stderr.write(`baton: ${err.message}\n`);
  else process.stderr.write(`baton: ${(err as Error).message ?? String(err)}\n`);
  process.exit(2);
});
