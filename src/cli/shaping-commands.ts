import type { Command } from 'commander';
import type { Config } from '../config/index.js';
import { formatRate, replyToText, systemClock, type Clock } from '../core/index.js';
import type { EventStore, ShapedEvent } from '../events/index.js';
import { mergeProviders } from '../delivery/throttle/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

export interface ShapingCommandDeps {
  /** The config and the events of the node it describes. */
  readonly open: (configFile?: string) => Promise<{ readonly config: Config; readonly events: EventStore; close(): Promise<void> }>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

/** How far back the status looks for shaping changes. */
const LOOK_BACK_MS = 86_400_000;

/** One line of the status: a rule or a shaping unit the adaptive back-off touched. */
export interface ShapingStatus {
  readonly scope: string;
  readonly kind: 'provider' | 'site' | 'domains';
  readonly match: readonly string[];
  readonly connections: number | null;
  /** Configured rate, per second. */
  readonly rate: number | null;
  /** The rate in force after the last change (null: as configured, or none). */
  readonly currentRate: number | null;
  readonly pausedUntil: string | null;
  readonly lastChange: ShapingChange | null;
  /** The last changes, newest first (at most five). */
  readonly history: readonly ShapingChange[];
}

export interface ShapingChange {
  readonly at: string;
  readonly action: string;
  readonly rate: number | null;
  readonly reply: string | null;
}

const change = (e: ShapedEvent): ShapingChange => ({
  at: new Date(e.at).toISOString(),
  action: e.action,
  rate: e.rate ?? null,
  reply: e.reply ? replyToText(e.reply) : null,
});

/**
 * `baton shaping status`: every shaping rule (the shipped providers merged
 * with config, site and domain rules) with the state its adaptive back-off
 * left it in, read from the `shaped` events the running node wrote.
 */
export function shapingStatus(config: Config, changes: readonly ShapedEvent[], now: number): ShapingStatus[] {
  const byScope = new Map<string, ShapedEvent[]>();
  for (const e of changes) byScope.set(e.scope, [...(byScope.get(e.scope) ?? []), e]);
  const rows: ShapingStatus[] = [];
  const add = (scope: string, kind: ShapingStatus['kind'], match: readonly string[], connections?: number, rate?: number) => {
    const history = byScope.get(scope) ?? [];
    const last = history[0];
    byScope.delete(scope);
    const paused = last?.action === 'paused' && (last.until ?? 0) > now;
    rows.push({
      scope,
      kind,
      match,
      connections: connections ?? null,
      rate: rate ?? null,
      currentRate: last?.action === 'slowed' ? (last.rate ?? null) : null,
      pausedUntil: paused ? new Date(last.until ?? 0).toISOString() : null,
      lastChange: last ? change(last) : null,
      history: history.slice(0, 5).map(change),
    });
  };
  for (const p of mergeProviders(config.shaping.providers)) add(`provider:${p.name}`, 'provider', p.mx, p.connections, p.rate);
  config.shaping.domains.forEach((r, i) => add(`domains:${i}`, 'domains', r.domains, r.connections, r.rate));
  // Sites have a budget each: those the back-off touched are listed by name.
  for (const [scope] of byScope) add(scope, 'site', [scope.replace(/^site:(site:)?/, '')], undefined, undefined);
  return rows;
}

export function registerShapingCommands(program: Command, deps: ShapingCommandDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const shaping = program.command('shaping').description('delivery shaping: limits per provider, site and domain, and the adaptive back-off');
  configSubcommand(shaping, 'status', 'each shaping rule with its current rate, pause and last throttling reply')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.shaping', async (s, cmd) => {
        const now = clock.now();
        const changes = (await s.events.recent('shaped', now - LOOK_BACK_MS, 10_000)).flatMap((e) => (e.event.type === 'shaped' ? [e.event] : []));
        const rows = shapingStatus(s.config, changes, now);
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(rows, null, 2)}\n`);
        const rate = (r: number | null) => (r === null ? '' : formatRate(r));
        out(
          formatTable(
            [{ header: 'SCOPE' }, { header: 'MATCH', max: 40 }, { header: 'CONN', align: 'right' }, { header: 'RATE' }, { header: 'NOW' }, { header: 'LAST CHANGE', max: 80 }],
            rows.map((r) => [
              r.scope,
              r.match.join(' '),
              r.connections === null ? '' : String(r.connections),
              rate(r.rate),
              r.pausedUntil ? `paused until ${r.pausedUntil}` : r.currentRate !== null ? `slowed to ${rate(r.currentRate)}` : 'as configured',
              r.lastChange ? `${r.lastChange.at} ${r.lastChange.action}${r.lastChange.reply ? `: ${r.lastChange.reply}` : ''}` : '',
            ]),
          ),
        );
      }),
    );
  return shaping;
}
