import { connect } from 'node:net';
import type { Command } from 'commander';
import { splitHostPort, type Config } from '../config/index.js';
import { replyToText, systemClock, type Clock } from '../core/index.js';
import type { EventStore } from '../events/index.js';
import type { QueueStats, QueueStore } from '../queue/index.js';
import { formatTable } from './format-table.js';
import { withStore } from './with-store.js';

export interface StatusCommandDeps {
  /** The node's config and stores; the queue may be absent (no database yet: nothing was ever queued). */
  readonly open: (configFile?: string) => Promise<{ readonly config: Config; readonly queue?: QueueStore; readonly events?: EventStore; close(): Promise<void> }>;
  readonly clock?: Clock;
  readonly out?: (text: string) => void;
}

/** The JSON of `baton status --json`. */
export interface NodeStatus {
  readonly roles: readonly string[];
  readonly listeners: readonly { readonly role: string; readonly address: string; readonly bound: boolean }[];
  readonly api: { readonly address: string; readonly ready: boolean; readonly detail: string } | null;
  readonly queue: QueueStats | null;
  readonly lastErrors: readonly LastError[];
}

export interface LastError {
  readonly at: string;
  readonly type: 'deferred' | 'bounced' | 'expired';
  readonly queueId: string;
  readonly recipient: string;
  readonly reply: string | null;
  readonly error: string | null;
  readonly remoteMta: string | null;
}

const PROBE_TIMEOUT_MS = 1000;
/** Failures of the last day, newest first. */
const ERRORS_SINCE_MS = 86_400_000;
const ERRORS_SHOWN = 10;

/** Whether something accepts TCP connections at host:port now (our listener, if Baton runs). */
export function probePort(host: string, port: number, timeoutMs = PROBE_TIMEOUT_MS): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/** GET /readyz of the configured API: ready, or why not. */
async function apiReadiness(address: string): Promise<{ ready: boolean; detail: string }> {
  const hp = splitHostPort(address);
  if (!hp) return { ready: false, detail: 'api.address is not host:port' };
  const host = hp.host.includes(':') ? `[${hp.host}]` : hp.host;
  try {
    const res = await fetch(`http://${host}:${hp.port}/readyz`, { signal: AbortSignal.timeout(3000) });
    const body = (await res.json().catch(() => ({}))) as { detail?: string };
    return res.ok ? { ready: true, detail: 'ready' } : { ready: false, detail: body.detail ?? `HTTP ${res.status}` };
  } catch (err) {
    return { ready: false, detail: `not answering (${(err as Error).cause ? String((err as { cause: Error }).cause.message) : (err as Error).message})` };
  }
}

export async function nodeStatus(config: Config, queue: QueueStore | undefined, events: EventStore | undefined, now: number): Promise<NodeStatus> {
  const listeners = await Promise.all(
    config.listeners.map(async (l) => {
      const hp = splitHostPort(l.address) as { host: string; port: number };
      // A wildcard listener answers on loopback.
      const host = hp.host === '0.0.0.0' ? '127.0.0.1' : hp.host === '::' ? '::1' : hp.host;
      return { role: l.role, address: l.address, bound: await probePort(host, hp.port) };
    }),
  );
  const api = config.api ? { address: config.api.address, ...(await apiReadiness(config.api.address)) } : null;
  const failures = events ? await Promise.all((['deferred', 'bounced', 'expired'] as const).map((t) => events.recent(t, now - ERRORS_SINCE_MS, ERRORS_SHOWN))) : [];
  const lastErrors = failures
    .flat()
    .sort((a, b) => b.id - a.id)
    .slice(0, ERRORS_SHOWN)
    .flatMap((s): LastError[] => {
      const e = s.event;
      if (e.type !== 'deferred' && e.type !== 'bounced' && e.type !== 'expired') return [];
      return [{ at: new Date(e.at).toISOString(), type: e.type, queueId: e.queueId, recipient: e.recipient, reply: e.reply ? replyToText(e.reply) : null, error: e.error ?? null, remoteMta: e.remoteMta ?? null }];
    });
  return { roles: config.roles, listeners, api, queue: queue ? await queue.stats() : null, lastErrors };
}

/** `baton status [--json]`: what an operator asks first: is it up, is mail stuck, what failed last. */
export function registerStatusCommand(program: Command, deps: StatusCommandDeps): Command {
  const clock = deps.clock ?? systemClock;
  const out = deps.out ?? ((text: string) => void process.stdout.write(text));
  return program
    .command('status')
    .description('listeners and roles (and whether each is bound now), queue summary, the last delivery failures, and whether the API answers /readyz')
    .option('-c, --config <file>', 'configuration file (default: the embedded default)')
    .option('--json', 'print JSON')
    .action(
      withStore(deps.open, 'baton.status', async (s, cmd) => {
        const status = await nodeStatus(s.config, s.queue, s.events, clock.now());
        if (cmd.opts<{ json?: boolean }>().json) return out(`${JSON.stringify(status, null, 2)}\n`);
        out(formatStatus(status, clock.now()));
      }),
    );
}

export function formatStatus(s: NodeStatus, now: number): string {
  const parts: string[] = [`roles: ${s.roles.join(', ')}\n`];
  parts.push(formatTable([{ header: 'LISTENER' }, { header: 'ROLE' }, { header: 'STATE' }], s.listeners.map((l) => [l.address, l.role, l.bound ? 'bound' : 'NOT ANSWERING'])));
  parts.push(s.api ? `api: ${s.api.address} ${s.api.ready ? 'ready' : `NOT READY: ${s.api.detail}`}\n` : 'api: not configured\n');
  if (s.queue) {
    const q = s.queue;
    const age = q.oldestReceivedAt !== undefined ? `, oldest ${Math.round((now - q.oldestReceivedAt) / 1000)} s` : '';
    parts.push(`queue: ${q.messages} messages (${q.held} held), ${q.recipients.pending} recipients pending, ${q.bytes} bytes${age}\n`);
  } else parts.push('queue: no queue database yet\n');
  if (s.lastErrors.length === 0) parts.push('last errors: none in the last day\n');
  else {
    parts.push('last errors:\n');
    parts.push(formatTable([{ header: 'AT' }, { header: 'TYPE' }, { header: 'QUEUE ID' }, { header: 'RECIPIENT', max: 40 }, { header: 'REPLY', max: 100 }], s.lastErrors.map((e) => [e.at, e.type, e.queueId, e.recipient, e.reply ?? e.error ?? ''])));
  }
  return parts.join('');
}
