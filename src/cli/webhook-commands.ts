import type { Command } from 'commander';
import { EVENT_TYPES } from '../events/index.js';
import { endpointView, type Poster, type WebhookAdmin, type WebhookDelivery, type WebhookEndpoint, type WebhookLag } from '../webhooks/index.js';
import { formatTable } from './format-table.js';
import { configSubcommand, withStore } from './with-store.js';

/** What the webhook commands act on: the admin over the node's stores, and a poster with its limits (`test`). */
export interface WebhookCommandStores {
  readonly admin: WebhookAdmin;
  readonly post: Poster;
  close(): Promise<void>;
}

export interface WebhookCommandDeps {
  readonly open: (configFile?: string) => Promise<WebhookCommandStores>;
  readonly out?: (text: string) => void;
}

const iso = (t: number | undefined) => (t === undefined ? '' : new Date(t).toISOString());

function stateOf(e: WebhookEndpoint): string {
  if (!e.enabled) return `disabled (${e.disabledReason ?? 'operator'})`;
  if (e.failures > 0) return `failing (${e.failures} in a row${e.nextAttemptAt !== undefined ? `, next try ${iso(e.nextAttemptAt)}` : ''})`;
  return 'ok';
}

function deliveryRows(list: readonly WebhookDelivery[]): string {
  return formatTable(
    [{ header: 'TIME' }, { header: 'RESULT' }, { header: 'MS', align: 'right' }, { header: 'EVENTS', align: 'right' }, { header: 'IDS' }, { header: 'DETAIL', max: 80 }],
    list.map((d) => [iso(d.at), d.status !== undefined ? String(d.status) : 'no answer', String(d.durationMs), String(d.events), `${d.firstEventId}-${d.lastEventId}`, d.error ?? d.response ?? '']),
  );
}

/** "2026-11-30T10:00:00Z" → { time }, "123" → { eventId }. */
function replayPoint(text: string): { eventId: number } | { time: number } {
  if (/^\d+$/.test(text)) return { eventId: Number(text) };
  const time = Date.parse(text);
  if (Number.isNaN(time)) throw new Error(`--from takes an event id (a number) or an ISO 8601 time such as 2026-11-30T09:00:00Z, not "${text}"`);
  return { time };
}

/** `baton webhook add|list|show|remove|enable|disable|replay|test` (docs/api.md#webhooks). */
export function registerWebhookCommands(program: Command, deps: WebhookCommandDeps): Command {
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  const group = program.command('webhook').description('webhook endpoints: events POSTed as signed JSON to your HTTP receivers');
  const run = (fn: (s: WebhookCommandStores, cmd: Command) => Promise<void>) => withStore(deps.open, 'baton.webhook', fn);
  const sub = (name: string, description: string) => configSubcommand(group, name, description);

  sub('add', 'add an endpoint; prints its id and its signing secret (shown only this once)')
    .argument('<url>', 'where to POST, http:// or https://')
    .option('--events <types>', `comma-separated event types (default: all): ${EVENT_TYPES.join(',')}`)
    .option('--description <text>', 'a note for operators')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const o = cmd.opts<{ events?: string; description?: string; json?: boolean }>();
        const events = o.events?.split(',').map((t) => t.trim()).filter((t) => t.length > 0);
        const e = await s.admin.create({ url: cmd.args[0] ?? '', ...(events ? { events } : {}), ...(o.description !== undefined ? { description: o.description } : {}) });
        if (o.json) return out(`${JSON.stringify({ ...endpointView(e), secret: e.secret }, null, 2)}\n`);
        out(`${e.id} added: ${e.url} (${e.events?.join(', ') ?? 'all events'})\nsecret: ${e.secret}\n` + 'Keep the secret: receivers verify Baton-Signature with it (docs/api.md#verifying-signatures). It is not shown again.\n');
      }),
    );

  sub('list', 'list endpoints with their state')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const list = await s.admin.list();
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(list.map(endpointView), null, 2)}\n`);
        if (list.length === 0) return out('No webhooks (add one with "baton webhook add URL")\n');
        out(formatTable([{ header: 'ID' }, { header: 'URL', max: 60 }, { header: 'EVENTS', max: 40 }, { header: 'CURSOR', align: 'right' }, { header: 'STATE', max: 80 }], list.map((e) => [e.id, e.url, e.events?.join(',') ?? 'all', String(e.cursor), stateOf(e)])));
      }),
    );

  sub('show', 'one endpoint: its state, how far behind it is, and its recent deliveries')
    .argument('<id>', 'the webhook id (wh_...)')
    .option('--json', 'print JSON')
    .action(
      run(async (s, cmd) => {
        const id = cmd.args[0] ?? '';
        const e = await s.admin.get(id);
        const lag = (await s.admin.lag()).find((l) => l.id === id) as WebhookLag;
        const deliveries = await s.admin.deliveries(id, 10);
        if (cmd.opts<{ json?: boolean }>().json) {
          const { id: _i, url: _u, enabled: _e, cursor: _c, ...behind } = lag;
          return out(`${JSON.stringify({ ...endpointView(e), lag: behind, deliveries }, null, 2)}\n`);
        }
        out(
          `Webhook:     ${e.id}\nURL:         ${e.url}\nEvents:      ${e.events?.join(', ') ?? 'all'}\n` +
            (e.description !== undefined ? `Description: ${e.description}\n` : '') +
            `State:       ${stateOf(e)}\n` +
            (e.lastError !== undefined ? `Last error:  ${e.lastError}${e.firstFailureAt !== undefined ? ` (failing since ${iso(e.firstFailureAt)})` : ''}\n` : '') +
            `Cursor:      ${e.cursor} (newest event ${lag.newestEventId})\n` +
            `Lag:         ${lag.pendingEvents} event(s)${lag.oldestPendingAt !== undefined ? `, oldest from ${iso(lag.oldestPendingAt)} (${lag.lagSeconds} s)` : ''}\n` +
            `Created:     ${iso(e.createdAt)}\n`,
        );
        out(deliveries.length === 0 ? 'Deliveries:  none yet\n' : `Recent deliveries:\n${deliveryRows(deliveries)}`);
      }),
    );

  sub('remove', 'remove an endpoint and its delivery log')
    .argument('<id>', 'the webhook id')
    .action(
      run(async (s, cmd) => {
        await s.admin.remove(cmd.args[0] ?? '');
        out(`${cmd.args[0]} removed\n`);
      }),
    );

  for (const [name, enabled] of [['enable', true], ['disable', false]] as const) {
    sub(name, enabled ? 'enable an endpoint: it resumes from its cursor at once' : 'stop sending to an endpoint; its cursor is kept')
      .argument('<id>', 'the webhook id')
      .action(
        run(async (s, cmd) => {
          const e = await s.admin.setEnabled(cmd.args[0] ?? '', enabled);
          out(`${e.id} ${enabled ? `enabled, resuming after event ${e.cursor}` : `disabled at event ${e.cursor}`}\n`);
        }),
      );
  }

  sub('replay', 'send events again from an event id or a time (within events.retention)')
    .argument('<id>', 'the webhook id')
    .requiredOption('--from <point>', 'an event id (that event and all after it) or an ISO 8601 time')
    .action(
      run(async (s, cmd) => {
        const r = await s.admin.replay(cmd.args[0] ?? '', replayPoint(cmd.opts<{ from: string }>().from));
        out(`${r.endpoint.id} replays from event ${r.firstEventId}${r.endpoint.enabled ? '' : ' once it is enabled ("baton webhook enable")'}\n`);
      }),
    );

  sub('test', 'POST a signed webhook-test event (id 0) to an endpoint now and show the answer')
    .argument('<id>', 'the webhook id')
    .action(
      run(async (s, cmd) => {
        const r = await s.admin.test(cmd.args[0] ?? '', s.post);
        out(`${r.ok ? 'ok' : 'failed'}: ${r.status !== undefined ? `HTTP ${r.status}` : (r.error ?? 'no answer')} in ${r.durationMs} ms${r.response ? `\n${r.response}` : ''}\n`);
        if (!r.ok) throw new Error(`the receiver did not take the test event: ${r.error ?? 'no answer'}`);
      }),
    );

  return group;
}
