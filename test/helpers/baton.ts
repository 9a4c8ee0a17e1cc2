import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { freePorts } from './free-port.js';

/** Repository root, from dist/test/helpers/baton.js (or test/helpers/baton.ts). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', ...(import.meta.url.includes('/dist/') ? ['..'] : []));
export const batonBin = join(repoRoot, 'dist', 'src', 'cli', 'baton.js');

export type Role = 'mx' | 'submission' | 'submissions';

export interface ListenerSpec {
  readonly role: Role;
  /** "127.0.0.1:port"; a free loopback port is chosen when absent. */
  readonly address?: string;
  readonly allowPlaintextAuth?: boolean;
}

export interface StartOptions {
  /** The YAML config as an object; `listeners` may leave out addresses. */
  readonly config: Record<string, unknown> & { listeners?: readonly ListenerSpec[] };
  readonly env?: Readonly<Record<string, string>>;
  /** How long to wait for all listeners to accept connections. */
  readonly readyTimeoutMs?: number;
  /**
   * Wait until every listener accepts connections (default true). False for a
   * node that is not meant to listen (roles without `inbound`): start() then
   * returns once the process is spawned, and the caller waits for its own event.
   */
  readonly awaitListeners?: boolean;
  /**
   * Internal-error log lines this test provokes on purpose (kill -9, broken peers):
   * each pattern allows the lines it matches. Any other such line fails `stop()`
   * (see `internalErrors`). Keep them narrow; never allow everything.
   */
  readonly expectedErrors?: readonly RegExp[];
  /**
   * Serve the HTTP API on a free loopback port (`baton.apiUrl`); an object is
   * merged into the `api` section (e.g. `{ rateLimit: { perSecond: 1, burst: 2 } }`).
   */
  readonly api?: boolean | Record<string, unknown>;
  /**
   * A command that execs the server in place (same PID), e.g. `unshare --uts sh -c
   * 'hostname n1 && exec "$0" "$@"'`: the server's argv is appended to it.
   */
  readonly wrap?: readonly string[];
}

export interface Listening {
  readonly role: Role;
  readonly address: string;
  readonly host: string;
  readonly port: number;
}

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Baton {
  readonly dir: string;
  readonly configFile: string;
  readonly config: Record<string, unknown>;
  /** The current server process (replaced by restart()). */
  readonly process: ChildProcess;
  readonly listeners: readonly Listening[];
  /** Port of the first listener of each role. */
  readonly ports: Readonly<Partial<Record<Role, number>>>;
  alive(): boolean;
  /**
   * SIGTERM and wait for exit; resolves with the exit code. Then throws if the log
   * (across restarts) holds an internal error not in `expectedErrors`.
   */
  stop(): Promise<number | null>;
  /** SIGKILL (no chance to clean up) and wait for the process to be gone. */
  kill9(): Promise<void>;
  /** Start again on the same config and data directory. */
  restart(): Promise<void>;
  cli(args: readonly string[], opts?: { input?: string; timeoutMs?: number }): Promise<CliResult>;
  /** Everything the server wrote to stdout and stderr, across restarts. */
  logs(): string;
  /** "http://127.0.0.1:PORT" when started with `api`. */
  readonly apiUrl?: string;
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A failed test must not leave a server behind holding ports.
  process.on('exit', () => {
    for (const child of live) child.kill('SIGKILL');
  });
}

/** Start the real `baton start --config FILE` with a fresh temp data directory. */
export async function startBaton(opts: StartOptions): Promise<Baton> {
  installExitHook();
  const dir = await mkdtemp(join(tmpdir(), 'baton-e2e-'));
  const specs: readonly ListenerSpec[] = opts.config.listeners ?? [{ role: 'mx' }];
  const ports = await freePorts(specs.filter((s) => s.address === undefined).length);
  const listeners = specs.map((s) => {
    const address = s.address ?? `127.0.0.1:${ports.shift()}`;
    const m = /^\[?([^\]]+)\]?:(\d+)$/.exec(address);
    if (!m) throw new Error(`bad listener address ${address}`);
    return { role: s.role, address, host: m[1] as string, port: Number(m[2]), allowPlaintextAuth: s.allowPlaintextAuth };
  });
  const config: Record<string, unknown> = {
    hostname: 'baton.test',
    dataDir: dir,
    ...opts.config,
    listeners: listeners.map((l) => ({
      address: l.address,
      role: l.role,
      ...(l.allowPlaintextAuth !== undefined ? { allowPlaintextAuth: l.allowPlaintextAuth } : {}),
    })),
  };
  // The API listens on its own free port, waited for like the SMTP listeners.
  const apiPort = opts.api ? (await freePorts(1))[0] : undefined;
  if (apiPort !== undefined) config.api = { ...(typeof opts.api === 'object' ? opts.api : {}), address: `127.0.0.1:${apiPort}` };
  const awaited = [...listeners.map((l) => ({ host: l.host, port: l.port, address: l.address })), ...(apiPort !== undefined ? [{ host: '127.0.0.1', port: apiPort, address: `127.0.0.1:${apiPort}` }] : [])];
  const configFile = join(dir, 'baton.yaml');
  await writeFile(configFile, stringify(config));

  let log = '';
  let child: ChildProcess;
  let exited: Promise<number | null>;
  const env = { ...process.env, ...opts.env };

  const spawnServer = async (): Promise<void> => {
    const argv = [process.execPath, batonBin, 'start', '--config', configFile];
    const [cmd, ...args] = [...(opts.wrap ?? []), ...argv] as [string, ...string[]];
    const c = spawn(cmd, args, {
      cwd: dir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(c);
    c.stdout?.on('data', (d: Buffer) => (log += d.toString('utf8')));
    c.stderr?.on('data', (d: Buffer) => (log += d.toString('utf8')));
    exited = new Promise((res) =>
      c.once('exit', (code, signal) => {
        live.delete(c);
        res(code ?? (signal ? 128 : null));
      }),
    );
    child = c;
    const deadline = Date.now() + (opts.readyTimeoutMs ?? 15_000);
    for (const l of opts.awaitListeners === false ? [] : awaited) {
      for (;;) {
        if (c.exitCode !== null || c.signalCode !== null) {
          throw new Error(`baton exited (${c.exitCode ?? c.signalCode}) before listening on ${l.address}:\n${log}`);
        }
        if (await canConnect(l.host, l.port)) break;
        if (Date.now() > deadline) {
          c.kill('SIGKILL');
          throw new Error(`baton did not listen on ${l.address} within the time limit:\n${log}`);
        }
        await sleep(50);
      }
    }
  };

  const terminate = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return exited;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      return await exited;
    } finally {
      clearTimeout(timer);
    }
  };

  const stop = async (): Promise<number | null> => {
    const code = await terminate();
    const bad = internalErrors(log, opts.expectedErrors ?? []);
    if (bad.length > 0) {
      throw new Error(`baton logged ${bad.length} internal error(s) this test did not declare (StartOptions.expectedErrors):\n${bad.slice(0, 10).join('\n')}`);
    }
    return code;
  };

  await spawnServer();

  const first: Partial<Record<Role, number>> = {};
  for (const l of listeners) first[l.role] ??= l.port;

  return {
    dir,
    configFile,
    config,
    get process() {
      return child;
    },
    listeners: listeners.map(({ role, address, host, port }) => ({ role, address, host, port })),
    ports: first,
    alive: () => child.exitCode === null && child.signalCode === null,
    stop,
    async kill9() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    async restart() {
      await terminate();
      await spawnServer();
    },
    cli: (args, o) => runCli([...args, '--config', configFile], { cwd: dir, env, ...o }),
    logs: () => log,
    ...(apiPort !== undefined ? { apiUrl: `http://127.0.0.1:${apiPort}` } : {}),
  };
}

/** Run `node dist/src/cli/baton.js ARGS` (no --config added). */
export function runCli(
  args: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, [batonBin, ...args], {
      cwd: opts.cwd ?? repoRoot,
      env: opts.env ?? process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    c.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => c.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    c.once('error', (err) => {
      clearTimeout(timer);
      rej(err);
    });
    c.once('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
    c.stdin.on('error', () => undefined);
    c.stdin.end(opts.input ?? '');
  });
}

/** Texts that mark Baton's own failures, whatever their log level. */
const INTERNAL_ERROR_TEXTS = ['internal error during delivery', 'session step failed', 'delivery job failed'];

/**
 * Lines of a Baton log (pino JSON, one object a line) that report an internal
 * error: level >= 50 (error, fatal) or one of INTERNAL_ERROR_TEXTS, less the
 * lines an `allowed` pattern matches.
 */
export function internalErrors(log: string, allowed: readonly RegExp[] = []): string[] {
  const out: string[] = [];
  for (const line of log.split('\n')) {
    if (!line.startsWith('{')) continue;
    // Not JSON.parse: a line cut short by a kill still shows its level.
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level < 50 && !INTERNAL_ERROR_TEXTS.some((t) => line.includes(t))) continue;
    if (allowed.some((re) => re.test(line))) continue;
    out.push(line);
  }
  return out;
}

export function canConnect(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      s.destroy();
      res(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** One message in `baton queue list --json`, with addresses as plain strings. */
export interface QueueEntry {
  readonly id: string;
  readonly sender: string;
  readonly recipients: readonly { readonly address: string; readonly status: string; readonly raw: Record<string, unknown> }[];
  readonly size: number;
  readonly raw: Record<string, unknown>;
}

/** "a@b" from a string or a { local, domain } object; "" for the null path. */
export function addressText(a: unknown): string {
  if (a === null || a === undefined) return '';
  if (typeof a === 'string') return a.replace(/^<(.*)>$/, '$1');
  const o = a as { local?: unknown; domain?: unknown; address?: unknown };
  if (typeof o.local === 'string' && typeof o.domain === 'string') return `${o.local}@${o.domain}`;
  if (o.address !== undefined) return addressText(o.address);
  return JSON.stringify(a);
}

export function toQueueEntry(raw: Record<string, unknown>): QueueEntry {
  const envelope = (raw.envelope ?? {}) as Record<string, unknown>;
  const sender = 'sender' in raw ? raw.sender : envelope.mailFrom;
  const rcpts = (raw.recipients ?? envelope.recipients ?? []) as Record<string, unknown>[];
  return {
    id: String(raw.id),
    sender: addressText(sender),
    recipients: rcpts.map((r) => ({ address: addressText(r.address ?? r), status: String(r.status ?? ''), raw: r })),
    size: Number(raw.size),
    raw,
  };
}

/** `baton queue list --json`, normalised. */
export async function queueList(b: Baton): Promise<QueueEntry[]> {
  const r = await b.cli(['queue', 'list', '--json']);
  if (r.code !== 0) throw new Error(`queue list failed (${r.code}): ${r.stderr}`);
  const parsed: unknown = JSON.parse(r.stdout);
  if (!Array.isArray(parsed)) throw new Error(`queue list --json is not an array: ${r.stdout.slice(0, 200)}`);
  return parsed.map((m) => toQueueEntry(m as Record<string, unknown>));
}

/** `baton queue show ID --json`, as parsed JSON. */
export async function queueShow(b: Baton, id: string): Promise<Record<string, unknown>> {
  const r = await b.cli(['queue', 'show', id, '--json']);
  if (r.code !== 0) throw new Error(`queue show ${id} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as Record<string, unknown>;
}

/** The queue id from "250 2.0.0 OK: queued as ID". */
export function queuedId(text: string): string | undefined {
  return /queued as ([0-9A-Z]{20})/.exec(text)?.[1];
}

/**
 * The stored message bytes. Read straight from the SQLite queue file (read-only),
 * because the CLI shows envelopes, not bodies; ties this helper to the sqlite backend.
 */
export async function queueBody(b: Baton, id: string): Promise<Buffer | undefined> {
  const { default: Database } = await import('better-sqlite3');
  const queue = (b.config.queue as { path?: string } | undefined)?.path ?? 'queue.db';
  const db = new Database(resolve(b.dir, queue), { readonly: true, fileMustExist: true });
  try {
    const row = db.prepare('SELECT body FROM messages WHERE id = ?').get(id) as { body: Buffer } | undefined;
    return row?.body;
  } finally {
    db.close();
  }
}

/**
 * Config parts that keep accepted mail in the queue for inspection: the delivery
 * engine may run, but every attempt is deferred (LMTP for local domains, SMTP and
 * DNS point at closed loopback ports), so nothing leaves loopback or the queue.
 */
export async function undeliverable(): Promise<Record<string, unknown>> {
  const [lmtp, smtp, dns] = await freePorts(3);
  return {
    delivery: { port: smtp },
    dns: { servers: [`127.0.0.1:${dns}`], timeout: '200ms' },
    local: { lmtp: `127.0.0.1:${lmtp}` },
  };
}
