import type { Command } from 'commander';
import { CampaignService, type CampaignStore, type CampaignView } from '../campaigns/sending/index.js';
import { systemClock, type Clock } from '../core/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

export interface CampaignCommandDeps {
  /** The campaign store, through the store factory (SQLite or PostgreSQL as configured). */
  readonly open: (configFile?: string) => Promise<{ readonly campaigns: CampaignStore; close(): Promise<void> }>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());

function idOf(text: string): number {
  const id = Number(text);
  if (!Number.isInteger(id) || id <= 0) throw new Error(`"${text}" is not a campaign id`);
  return id;
}

function show(v: CampaignView): string {
  const p = v.progress;
  const s = v.stats;
  const lines = [
    `campaign ${v.id}: ${v.name}`,
    `  state       ${v.state}${v.note ? ` (${v.note})` : ''}`,
    `  template    ${v.template}   segment ${v.segment}   from ${v.from}   stream ${v.stream}${v.pool ? `   pool ${v.pool}` : ''}${v.rate ? `   rate ${v.rate}` : ''}`,
    `  api key     ${v.apiKey}`,
    `  created     ${iso(v.createdAt)}${v.sendAt ? `   send at ${iso(v.sendAt)}` : ''}${v.startedAt ? `   started ${iso(v.startedAt)}` : ''}${v.finishedAt ? `   finished ${iso(v.finishedAt)}` : ''}`,
    `  progress    audience ${p.audience}, queued ${p.queued}, skipped ${p.skipped}, failed ${p.failed}, remaining ${p.remaining}`,
    `  stats       sent ${s.sent}, delivered ${s.delivered}, deferred ${s.deferred}, bounced ${s.bounced.hard} hard / ${s.bounced.soft} soft, unsubscribed ${s.unsubscribed}, complained ${s.complained}`,
  ];
  const cats = Object.entries(s.bounced.byCategory);
  if (cats.length > 0) lines.push(`  bounces     ${cats.map(([c, n]) => `${c} ${n}`).join(', ')}`);
  return `${lines.join('\n')}\n`;
}

/**
 * `baton campaign list|show|send|pause|resume|cancel` (docs/campaigns.md):
 * the same service as the API, on the node's store; the running node's runner
 * sees a change at its next look (a second at most).
 */
export function registerCampaignCommands(program: Command, deps: CampaignCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const clock = deps.clock ?? systemClock;
  const service = (s: { campaigns: CampaignStore }) => new CampaignService({ store: s.campaigns, clock });
  const campaign = program.command('campaign').description('campaigns: progress, stats, and send, pause, resume, cancel (docs/campaigns.md)');
  configSubcommand(campaign, 'list', 'campaigns, newest first, with their progress')
    .option('--json', 'print JSON')
    .option('--limit <n>', 'how many', '50')
    .action(
      withStore(deps.open, 'baton.campaign', async (s, cmd) => {
        const opts = cmd.opts<{ json?: boolean; limit: string }>();
        const { items } = await service(s).list(Math.max(1, Number(opts.limit) || 50));
        if (opts.json) return out(`${JSON.stringify(items, null, 2)}\n`);
        out(
          formatTable(
            [{ header: 'ID' }, { header: 'NAME', max: 40 }, { header: 'STATE' }, { header: 'AUDIENCE' }, { header: 'QUEUED' }, { header: 'SKIPPED' }, { header: 'FAILED' }, { header: 'DELIVERED' }, { header: 'CREATED' }],
            items.map((v) => [String(v.id), v.name, v.state, String(v.progress.audience), String(v.progress.queued), String(v.progress.skipped), String(v.progress.failed), String(v.stats.delivered), iso(v.createdAt)]),
          ),
        );
      }),
    );
  configSubcommand(campaign, 'show', 'one campaign: definition, progress and stats')
    .argument('<id>')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.campaign', async (s, cmd) => {
        const v = await service(s).get(idOf(cmd.args[0] as string));
        out(cmd.opts<{ json?: boolean }>().json ? `${JSON.stringify(v, null, 2)}\n` : show(v));
      }),
    );
  for (const [name, description] of [
    ['send', 'start a draft campaign now (or schedule it for its sendAt)'],
    ['pause', 'pause between messages'],
    ['resume', 'go on where it stopped'],
    ['cancel', 'stop for good'],
  ] as const) {
    configSubcommand(campaign, name, description)
      .argument('<id>')
      .action(
        withStore(deps.open, 'baton.campaign', async (s, cmd) => {
          const v = await service(s)[name](idOf(cmd.args[0] as string));
          out(`campaign ${v.id}: ${v.state}\n`);
        }),
      );
  }
  return campaign;
}
