import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { systemClock, type Clock } from '../core/index.js';
import { createResolver } from '../dns/index.js';
import type { EventStore } from '../events/index.js';
import { createKey, DKIM_ALGORITHMS, dkimStatus, normalizeDomain, requireSealer, startRotation, zoneFileStrings, type DkimAlgorithm, type DkimKeyStore, type NewKeyRecord, type TxtLookup } from '../mailauth/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

export interface DkimCommandDeps {
  /** The config, the key store and the events of the node the commands act on. */
  readonly open: (configFile?: string) => Promise<{ readonly config: Config; readonly keys: DkimKeyStore; readonly events: EventStore; close(): Promise<void> }>;
  readonly clock?: Clock;
  /** Our resolver from the config's `dns` when absent. */
  readonly dns?: (config: Config) => TxtLookup;
  readonly out?: (text: string) => void;
}

type Opened = Awaited<ReturnType<DkimCommandDeps['open']>>;

/** `baton dkim keygen|rotate|status`: signing keys per sending domain (RFC 6376) and their staged rotation. */
export function registerDkimCommands(program: Command, deps: DkimCommandDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const dkim = program.command('dkim').description('DKIM signing keys: make, rotate, and check them against DNS');
  const run = (fn: (s: Opened, cmd: Command) => Promise<void>) => withStore(deps.open, 'baton.dkim', fn);

  const printRecords = async (s: Opened, made: readonly NewKeyRecord[], json: boolean | undefined) => {
    await s.events.append(made.map((m) => m.event));
    if (json) return out(`${JSON.stringify(made.map(({ event: _event, ...m }) => ({ ...m, state: 'pending-dns' })), null, 2)}\n`);
    for (const m of made) {
      out(
        `${m.domain}: new ${m.algorithm} key, selector ${m.selector} (pending-dns)\n` +
          `Publish this TXT record; Baton signs with the key once DNS serves it (see "baton dkim status"):\n\n` +
          `${m.name}. IN TXT ${zoneFileStrings(m.strings)}\n\n` +
          // Web forms of DNS providers want the value in one piece; they split it themselves.
          `  name:  ${m.name}\n  value: ${m.value}\n\n`,
      );
    }
  };

  configSubcommand(dkim, 'keygen', 'make a signing key for a domain and print the DNS TXT record to publish')
    .argument('<domain>', 'the sending (From) domain, e.g. example.com')
    .option('--selector <selector>', 'the selector (default: dated, e.g. b2026-11-rsa)')
    .option('--algo <algorithm>', `${DKIM_ALGORITHMS.join(' or ')}`, 'rsa-2048')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ selector?: string; algo: string; json?: boolean }>();
        const made = await createKey(
          { store: s.keys, sealer: requireSealer(s.config), clock },
          { domain: cmd.args[0] ?? '', algorithm: algorithmOf(o.algo), ...(o.selector !== undefined ? { selector: o.selector } : {}), reason: 'keygen' },
        );
        await printRecords(s, [made], o.json);
      }),
    );

  configSubcommand(dkim, 'rotate', 'start a staged rotation: a new key per algorithm, used once DNS publishes it')
    .argument('<domain>', 'the sending domain')
    .option('--algo <algorithm>', `only this algorithm (${DKIM_ALGORITHMS.join(' or ')})`)
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ algo?: string; json?: boolean }>();
        const made = await startRotation({ store: s.keys, sealer: requireSealer(s.config), clock }, cmd.args[0] ?? '', o.algo === undefined ? undefined : algorithmOf(o.algo));
        await printRecords(s, made, o.json);
      }),
    );

  configSubcommand(dkim, 'status', "each domain's selectors, their state, what DNS publishes now, and which key signs")
    .argument('[domain]', 'only this domain')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const only = cmd.args[0];
        const domain = only === undefined ? undefined : normalizeDomain(only);
        if (only !== undefined && domain === undefined) throw new Error(`not a domain name: ${only}`);
        const dns = deps.dns?.(s.config) ?? createResolver(s.config.dns, clock);
        const rows = await dkimStatus(await s.keys.list(domain), dns, s.config.dkim);
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(rows, null, 2)}\n`);
        if (rows.length === 0) return out('No DKIM keys (make one with "baton dkim keygen DOMAIN")\n');
        out(
          formatTable(
            [{ header: 'DOMAIN' }, { header: 'SELECTOR' }, { header: 'ALGO' }, { header: 'STATE' }, { header: 'SINCE' }, { header: 'DNS' }, { header: 'SIGNS' }, { header: 'NOTE', max: 120 }],
            rows.flatMap((d) => d.keys.map((k) => [d.domain, k.selector, k.algorithm, k.state, k.since, k.dns.status, k.signs ? 'yes' : '', k.dns.detail && k.dns.status !== 'published' ? `${k.note} (${k.dns.detail})` : k.note])),
          ),
        );
      }),
    );
  return dkim;
}

function algorithmOf(s: string): DkimAlgorithm {
  if ((DKIM_ALGORITHMS as readonly string[]).includes(s)) return s as DkimAlgorithm;
  throw new Error(`unknown algorithm ${s}: use ${DKIM_ALGORITHMS.join(' or ')}`);
}
