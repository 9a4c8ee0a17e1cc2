import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { formatRate, systemClock, type Clock } from '../core/index.js';
import { egressStatus, type EgressStatus } from '../delivery/egress/egress-status.js';
import { utcDay } from '../delivery/egress/warmup-day.js';
import type { WarmupCounters } from '../delivery/egress/warmup-store.js';
import type { EventStore } from '../events/index.js';
import { shapingStatus } from './shaping-commands.js';
import { formatTable } from './format-table.js';
import { withStore } from './with-store.js';

export interface EgressCommandDeps {
  /** The config and the warm-up counters (through the store factory: SQLite or PostgreSQL as configured). */
  readonly open: (configFile?: string) => Promise<{ readonly config: Config; readonly warmup: WarmupCounters; readonly events?: EventStore; close(): Promise<void> }>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

/** `baton egress status [--json]`: each egress source's warm-up day, and per provider today's allowance, reservations and state. */
export function registerEgressCommands(program: Command, deps: EgressCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const clock = deps.clock ?? systemClock;
  const egress = program.command('egress').description('egress sources, pools and IP warm-up (docs/deliverability.md#egress-and-warm-up)');
  egress
    .command('status')
    .description("each source's warm-up day and, per provider, today's allowance, what the nodes took of it, the state (warm, not-started, sending, spent) and the provider's shaping state")
    .option('-c, --config <file>', 'configuration file (default: the embedded default)')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.egress', async (s, cmd) => {
        const now = clock.now();
        const status = egressStatus(s.config.egress, await s.warmup.usage(utcDay(now)), now, await providerShaping(s.config, s.events, now));
        out(cmd.opts<{ json?: boolean }>().json ? `${JSON.stringify(status, null, 2)}\n` : formatEgressStatus(status));
      }),
    );
  return egress;
}

/** How far back the shaping changes are read (as `baton shaping status` does). */
const LOOK_BACK_MS = 86_400_000;

/** Each provider's shaping state from the `shaped` events the nodes wrote (the adaptive back-off is per provider, for every source). */
async function providerShaping(config: Config, events: EventStore | undefined, now: number): Promise<Map<string, string>> {
  if (!events) return new Map();
  const changes = (await events.recent('shaped', now - LOOK_BACK_MS, 10_000)).flatMap((e) => (e.event.type === 'shaped' ? [e.event] : []));
  const rows = shapingStatus(config, changes, now).filter((r) => r.kind === 'provider');
  return new Map(
    rows.map((r) => [
      r.scope.replace(/^provider:/, ''),
      r.pausedUntil ? `paused until ${r.pausedUntil}` : r.currentRate !== null ? `slowed to ${formatRate(r.currentRate)}` : 'as configured',
    ]),
  );
}

export function formatEgressStatus(s: EgressStatus): string {
  if (s.sources.length === 0) return 'no egress sources configured: delivery uses the host default address and delivery.heloName\n';
  const parts = [`day ${s.day} (UTC)\n`];
  for (const src of s.sources) {
    const w = src.warmup;
    const warm = w ? `warm-up day ${w.day} of ${w.days} (${w.schedule}, from ${w.start})` : 'warm (no warm-up)';
    parts.push(`\nsource ${src.name}  ${src.address}  ehlo ${src.ehlo}  pools ${src.pools.join(',') || '-'}  ${warm}\n`);
    if (src.providers.length === 0) continue;
    parts.push(
      formatTable(
        [{ header: 'PROVIDER' }, { header: 'ALLOWANCE', align: 'right' }, { header: 'TAKEN', align: 'right' }, { header: 'STATE' }, { header: 'SHAPING' }],
        src.providers.map((p) => [p.provider, p.allowance === null ? 'no limit' : String(p.allowance), String(p.reserved), p.state, p.shaping ?? '']),
      ),
    );
  }
  return parts.join('');
}
