import { Option, type Command } from 'commander';
import { formatMailbox, replyToText, systemClock, type Clock, type QueueId } from '../core/index.js';
import type { EventStore } from '../events/index.js';
import type { MessageDetail, QueueStore, RecipientRow, RecipientStatus } from '../queue/index.js';
import { formatDue, formatDuration, formatSize, formatTable } from './format-table.js';
import { formatTimeline, timelineJson } from './timeline.js';
import { releaseUser } from './release-user.js';
import { configSubcommand, withStore } from './with-store.js';
import { noProgress, progress, type Progress, type ProgressStream } from './progress.js';
import type { UserStore } from '../users/index.js';

/** What the queue commands read and change: the queue and its events (for timelines). */
export interface QueueCommandStores {
  readonly queue: QueueStore;
  readonly events: EventStore;
  /** For `release --user` (containment). */
  readonly users?: Pick<UserStore, 'getUser' | 'updateSettings'>;
  close(): Promise<void>;
}

export interface QueueCommandDeps {
  readonly openStores: (configFile?: string) => Promise<QueueCommandStores>;
  readonly clock?: Clock;
  /** Where normal output goes (stdout by default). */
  /** Where output goes (tests); bytes are written as they are (`show --body`). */
  readonly out?: (data: string | Uint8Array) => void;
  /** Where the progress bar of bulk actions goes (stderr by default: drawn only on a terminal). */
  readonly progressTo?: ProgressStream;
}

const iso = (t: number) => new Date(t).toISOString();

function recipientJson(r: RecipientRow) {
  return {
    address: formatMailbox(r.address),
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.status === 'pending' ? iso(r.nextAttemptAt) : null,
    lastReply: r.lastReply ? replyToText(r.lastReply) : null,
    lastError: r.lastError ?? null,
    remoteMta: r.remoteMta ?? null,
    updatedAt: iso(r.updatedAt),
    ...(r.notify !== undefined ? { notify: r.notify } : {}),
    ...(r.orcpt !== undefined ? { orcpt: r.orcpt } : {}),
  };
}

/** The JSON shape of one message in `queue list --json` and `queue show --json`. */
export function messageJson(m: MessageDetail) {
  return {
    id: m.id,
    sender: formatMailbox(m.envelope.mailFrom),
    recipients: m.recipients.map(recipientJson),
    size: m.size,
    receivedAt: iso(m.receivedAt),
    expiresAt: iso(m.expiresAt),
    held: m.held,
    params: m.envelope.params,
    origin: m.origin,
  };
}

function recipientState(r: RecipientRow): string {
  if (r.status !== 'pending') return r.status;
  return r.attempts === 0 ? 'queued' : 'deferred';
}

function lastText(r: RecipientRow): string {
  const parts = [r.lastReply ? replyToText(r.lastReply) : '', r.lastError ?? ''].filter((t) => t !== '');
  return parts.join('; ');
}

/** A Postfix mailq-like listing: one line per message, then one per recipient. */
export function formatQueueList(messages: readonly MessageDetail[], now: number): string {
  if (messages.length === 0) return 'Mail queue is empty\n';
  const rows: string[][] = [];
  for (const m of messages) {
    rows.push([m.id, formatSize(m.size), formatDuration(now - m.receivedAt), formatMailbox(m.envelope.mailFrom) || '<>', m.held ? 'held' : '', '', '']);
    for (const r of m.recipients) {
      const next = r.status === 'pending' ? formatDue(r.nextAttemptAt, now) : '';
      rows.push(['', '', '', `  ${formatMailbox(r.address)}`, recipientState(r), next, lastText(r)]);
    }
  }
  const table = formatTable(
    [
      { header: 'QUEUE ID' },
      { header: 'SIZE', align: 'right' },
      { header: 'AGE', align: 'right' },
      { header: 'SENDER / RECIPIENT', max: 48 },
      { header: 'STATE' },
      { header: 'NEXT' },
      { header: 'LAST REPLY / ERROR', max: 80 },
    ],
    rows,
  );
  const bytes = messages.reduce((sum, m) => sum + m.size, 0);
  const rcpts = messages.reduce((sum, m) => sum + m.recipients.length, 0);
  return `${table}-- ${formatSize(bytes)} in ${messages.length} message${messages.length === 1 ? '' : 's'}, ${rcpts} recipient${rcpts === 1 ? '' : 's'}\n`;
}

function formatShow(m: MessageDetail, body: Buffer | undefined, timeline: string, now: number): string {
  const headerEnd = body ? body.indexOf('\r\n\r\n') : -1;
  const headers = body ? body.subarray(0, headerEnd < 0 ? body.length : headerEnd).toString('utf8') : '(body missing)';
  const lines = [
    `Queue ID:    ${m.id}${m.held ? ' (held)' : ''}`,
    `Sender:      <${formatMailbox(m.envelope.mailFrom)}>`,
    `Size:        ${m.size} bytes`,
    `Received:    ${iso(m.receivedAt)} (${formatDuration(now - m.receivedAt)} ago)`,
    `Expires:     ${iso(m.expiresAt)}`,
    `Origin:      ${m.origin.kind}${m.origin.clientIp ? ` from ${m.origin.clientIp}` : ''}${m.origin.helo ? ` (HELO ${m.origin.helo})` : ''}${m.origin.user ? ` user ${m.origin.user}` : ''}`,
    `Parameters:  ${JSON.stringify(m.envelope.params)}`,
    '',
  ];
  const table = formatTable(
    [{ header: 'RECIPIENT' }, { header: 'STATE' }, { header: 'ATTEMPTS', align: 'right' }, { header: 'NEXT' }, { header: 'REMOTE MTA' }, { header: 'LAST REPLY / ERROR' }],
    m.recipients.map((r) => [formatMailbox(r.address), recipientState(r), String(r.attempts), r.status === 'pending' ? formatDue(r.nextAttemptAt, now) : '', r.remoteMta ?? '', lastText(r)]),
  );
  return `${lines.join('\n')}\n${table}\n${timeline}\n${headers.replace(/\r\n/g, '\n')}\n`;
}

const STATUSES: readonly RecipientStatus[] = ['pending', 'delivered', 'bounced', 'expired'];

export function registerQueueCommands(program: Command, deps: QueueCommandDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((data: string | Uint8Array) => void process.stdout.write(data));
  const queue = program.command('queue').description('inspect and manage the mail queue');

  const run = (fn: (store: QueueStore, cmd: Command, events: EventStore) => Promise<void>) =>
    withStore(deps.openStores, 'baton.queue', (stores, cmd) => fn(stores.queue, cmd, stores.events));
  const sub = (name: string, description: string) => configSubcommand(queue, name, description);

  sub('list', 'list queued messages with their recipients (like mailq)')
    .option('--json', 'print JSON')
    .option('--held', 'only held messages')
    .addOption(new Option('--status <status>', 'only messages with a recipient in this state').choices(STATUSES))
    .option('--limit <n>', 'at most this many messages', (v) => parsePositive(v, '--limit'))
    .action(
      run(async (store, cmd) => {
        const o = cmd.opts<{ json?: boolean; held?: boolean; status?: RecipientStatus; limit?: number }>();
        const list = await store.list({
          ...(o.held ? { held: true } : {}),
          ...(o.status ? { status: o.status } : {}),
          ...(o.limit !== undefined ? { limit: o.limit } : {}),
        });
        out(o.json ? `${JSON.stringify(list.map(messageJson), null, 2)}\n` : formatQueueList(list, clock.now()));
      }),
    );

  sub('show', 'show one message: envelope, recipients, headers and its timeline (also once it has left the queue)')
    .argument('<id>', 'queue id')
    .option('--json', 'print JSON')
    .option('--body', 'print the whole message as stored, nothing else')
    .action(
      run(async (store, cmd, events) => {
        const id = cmd.args[0] as QueueId;
        const o = cmd.opts<{ json?: boolean; body?: boolean }>();
        const m = await store.getMessage(id);
        const timeline = await events.eventsFor(id);
        if (!m && timeline.length === 0) throw new Error(`no message ${id} in the queue or its events (see "baton queue list")`);
        if (!m) {
          // Delivered (or deleted) and gone: its events still tell what happened.
          if (o.body) throw new Error(`message ${id} has left the queue; its body is not kept`);
          out(o.json ? `${JSON.stringify({ id, inQueue: false, timeline: timelineJson(timeline) }, null, 2)}\n` : `Queue ID:    ${id} (no longer queued)\n\n${formatTimeline(timeline)}`);
          return;
        }
        const body = await store.readBody(id);
        // The stored bytes exactly: 8-bit content must not be re-encoded.
        if (o.body) out(body ?? '');
        else if (o.json) out(`${JSON.stringify({ ...messageJson(m), inQueue: true, timeline: timelineJson(timeline) }, null, 2)}\n`);
        else out(formatShow(m, body, formatTimeline(timeline), clock.now()));
      }),
    );

  // A bar for more than one message, on a terminal only (progress.ts).
  const bulkProgress = (verb: string, n: number): Progress => (n > 1 ? progress(verb, n, deps.progressTo ?? process.stderr) : noProgress);
  const byId = (name: string, description: string, verb: string, op: (s: QueueStore, id: QueueId) => Promise<boolean>) =>
    sub(name, description)
      .argument('<ids...>', 'queue ids')
      .action(
        run(async (store, cmd) => {
          const missing: string[] = [];
          const ids = cmd.args as QueueId[];
          const bar = bulkProgress(verb, ids.length);
          const say = bar.around(out);
          for (const [i, id] of ids.entries()) {
            if (await op(store, id)) say(`${id}: ${verb}\n`);
            else missing.push(id);
            bar.update(i + 1);
          }
          bar.finish();
          if (missing.length > 0) throw new Error(`no message ${missing.join(', ')} in the queue (see "baton queue list")`);
        }),
      );
  byId('delete', 'delete messages without notifying anyone', 'deleted', (s, id) => s.delete(id));
  byId('hold', 'hold messages: they stay queued but are not delivered', 'held', (s, id) => s.hold(id));
  sub('release', 'release held messages: by queue id, or every held message of a user (--user, which also lifts its containment)')
    .argument('[ids...]', 'queue ids')
    .option('--user <name>', 'release every held message of this SMTP AUTH user and lift its containment')
    .action(
      withStore(deps.openStores, 'baton.queue', async (stores, cmd) => {
        const ids = cmd.args as QueueId[];
        const name = cmd.opts<{ user?: string }>().user;
        if ((ids.length === 0) === (name === undefined)) throw new Error('give queue ids or --user NAME');
        if (name !== undefined) {
          if (!stores.users) throw new Error('this command has no users store');
          const r = await releaseUser({ queue: stores.queue, events: stores.events, users: stores.users }, name, clock.now());
          out(`${name}: ${r.released} held message${r.released === 1 ? '' : 's'} released${r.lifted ? '; containment lifted' : ''}\n`);
          return;
        }
        const missing: string[] = [];
        const bar = bulkProgress('released', ids.length);
        const say = bar.around(out);
        for (const [i, id] of ids.entries()) {
          if (await stores.queue.release(id)) say(`${id}: released\n`);
          else missing.push(id);
          bar.update(i + 1);
        }
        bar.finish();
        if (missing.length > 0) throw new Error(`no message ${missing.join(', ')} in the queue (see "baton queue list")`);
      }),
    );

  sub('stats', 'count messages, recipients and bytes in the queue')
    .option('--json', 'print JSON')
    .action(
      run(async (store, cmd) => {
        const st = await store.stats();
        if (cmd.opts<{ json?: boolean }>().json) {
          out(`${JSON.stringify({ ...st, oldestReceivedAt: st.oldestReceivedAt !== undefined ? iso(st.oldestReceivedAt) : null }, null, 2)}\n`);
          return;
        }
        const r = st.recipients;
        const oldest = st.oldestReceivedAt !== undefined ? `, oldest ${formatDuration(clock.now() - st.oldestReceivedAt)} old` : '';
        out(
          `messages:   ${st.messages} (${st.held} held)${oldest}\n` +
            `recipients: ${r.pending} pending, ${r.delivered} delivered, ${r.bounced} bounced, ${r.expired} expired\n` +
            `size:       ${formatSize(st.bytes)}\n`,
        );
      }),
    );

  sub('retry', 'attempt pending recipients now: one message, or all of a domain')
    .argument('[id]', 'queue id')
    .option('--domain <domain>', 'every pending recipient in this domain')
    .action(
      run(async (store, cmd) => {
        const id = cmd.args[0];
        const domain = cmd.opts<{ domain?: string }>().domain;
        if ((id === undefined) === (domain === undefined)) {
          throw new Error('give either a queue id or --domain DOMAIN (or use "baton queue flush" for everything)');
        }
        if (id !== undefined && !(await store.getMessage(id as QueueId))) throw new Error(`no message ${id} in the queue`);
        const n = await store.retryNow(id !== undefined ? { id: id as QueueId } : { domain: domain ?? '' }, clock.now());
        out(`${n} recipient${n === 1 ? '' : 's'} due now\n`);
      }),
    );

  sub('flush', 'attempt every pending recipient now').action(
    run(async (store) => {
      const n = await store.retryNow({ all: true }, clock.now());
      out(`${n} recipient${n === 1 ? '' : 's'} due now\n`);
    }),
  );
  return queue;
}

function parsePositive(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not "${value}"`);
  return n;
}
