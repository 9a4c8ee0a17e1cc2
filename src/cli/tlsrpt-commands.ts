import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { systemClock, type Clock } from '../core/index.js';
import type { DomainReport, TlsRptCount, TlsRptReporter, TlsRptStore } from '../delivery/tls/tls-rpt/index.js';
import { dayStart, previousDay, utcDay } from '../delivery/tls/tls-rpt/days.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

export interface TlsRptCommandDeps {
  /** The node's TLS-RPT store and a reporter that mails through the queue (the running node delivers it). */
  readonly open: (configFile?: string) => Promise<{ readonly store: TlsRptStore; readonly reporter: TlsRptReporter; close(): Promise<void> }>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

interface DayOptions {
  readonly day?: string;
  readonly json?: boolean;
  readonly allowPartial?: boolean;
}

/**
 * `baton tlsrpt send|show`: the TLS-RPT reports (RFC 8460) by hand. `send`
 * sends a past day's reports now (the daily loop does this after
 * `tlsRpt.sendAt`; a report already sent is never sent again); `show` prints
 * a day's counts as the report will have them.
 */
export function registerTlsRptCommands(program: Command, deps: TlsRptCommandDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const tlsrpt = program.command('tlsrpt').description('TLS-RPT (RFC 8460): daily reports of outbound TLS results to the recipient domains');
  configSubcommand(tlsrpt, 'send', "send a day's reports now to the domains' _smtp._tls rua (each report once)")
    .option('--day <YYYY-MM-DD>', 'the UTC day (default: yesterday)')
    .option('--allow-partial', 'allow today, which has not ended: its later results will then never be reported')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.tlsrpt', async (s, cmd) => {
        const opts = cmd.opts<DayOptions>();
        const day = dayOf(opts.day, clock);
        if (dayStart(day) + 86_400_000 > clock.now() && !opts.allowPartial) {
          throw new Error(`${day} has not ended yet (UTC): its report would miss the rest of the day; give --allow-partial to send it anyway`);
        }
        const reports = await s.reporter.sendDay(day);
        if (opts.json) out(`${JSON.stringify({ day, reports }, null, 2)}\n`);
        else if (reports.length === 0) out(`no TLS results recorded for ${day}\n`);
        else out(formatTable([{ header: 'DOMAIN' }, { header: 'STATUS' }, { header: 'DETAIL', max: 120 }], reports.map((r) => [r.domain, r.status, detail(r)])));
        const unsent = reports.filter((r) => r.status === 'failed' || r.status === 'given-up');
        if (unsent.length > 0) throw new Error(`${unsent.length} report(s) reached none of their destinations: ${unsent.map((r) => r.domain).join(', ')} (run again to retry)`);
      }),
    );
  configSubcommand(tlsrpt, 'show', "a day's TLS session counts per recipient domain, policy and result")
    .option('--day <YYYY-MM-DD>', 'the UTC day (default: today)')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.tlsrpt', async (s, cmd) => {
        const opts = cmd.opts<DayOptions>();
        const day = opts.day === undefined ? utcDay(clock.now()) : dayOf(opts.day, clock);
        const counts = await s.store.countsFor(day);
        if (opts.json) return out(`${JSON.stringify({ day, counts }, null, 2)}\n`);
        if (counts.length === 0) return out(`no TLS results recorded for ${day}\n`);
        out(
          formatTable(
            [{ header: 'DOMAIN' }, { header: 'POLICY' }, { header: 'RESULT' }, { header: 'MX', max: 40 }, { header: 'IP' }, { header: 'SESSIONS', align: 'right' }],
            counts.map((c: TlsRptCount) => [c.reportDomain, `${c.policy.type} ${c.policy.domain}`, c.resultType || 'success', c.receivingMx, c.receivingIp, String(c.count)]),
          ),
        );
      }),
    );
  return tlsrpt;
}

function dayOf(day: string | undefined, clock: Clock): string {
  if (day === undefined) return previousDay(utcDay(clock.now()));
  dayStart(day);
  return day;
}

function detail(r: DomainReport): string {
  const to = r.destinations.map((d) => `${d.uri}: ${d.detail}`).join('; ');
  return [r.reportId ? `report ${r.reportId}` : '', to, r.status === 'sent' ? '' : (r.reason ?? '')].filter(Boolean).join('; ');
}

/** What `baton tlsrpt` opens: the stores, a resolver, and an intake on the queue (the running node delivers what it queues). */
export async function openForTlsRpt(configFile?: string) {
  const { config } = loadConfig(configFile);
  // Loaded here: only this command needs the delivery and intake modules.
  const [{ openStores }, { createResolver }, { QueueIntake, compileAliases, standardIntakeTransforms }, { createLogger }, { buildReporter }] = await Promise.all([
    import('../stores/index.js'),
    import('../dns/index.js'),
    import('../intake/index.js'),
    import('../log/index.js'),
    import('../delivery/tls/tls-rpt/index.js'),
  ]);
  const stores = await openStores(config, { mustExist: true });
  const logger = createLogger('warn', 'baton-tlsrpt', 'json');
  const intake = new QueueIntake({
    store: stores.queue,
    aliases: compileAliases(config.aliases),
    transforms: standardIntakeTransforms(config.hostname),
    clock: systemClock,
    lifetimeMs: config.queue.lifetime,
    logger,
  });
  const reporter = buildReporter({ config, store: stores.tlsRpt, resolver: createResolver(config.dns, systemClock), clock: systemClock, logger, intake });
  return { store: stores.tlsRpt, reporter, close: () => stores.close() };
}
