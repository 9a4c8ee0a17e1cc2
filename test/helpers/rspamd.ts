import { copyFile, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './baton.js';
import { startDaemon } from './daemon.js';
import { freePort, freePorts } from './free-port.js';

/** The config this starts from: test/e2e/rspamd/ (a top-level rspamd.conf, local.d/, rspamd.local.lua). */
const CONFIG_DIR = join(repoRoot, 'test', 'e2e', 'rspamd');

/**
 * Modules that look things up on the network (DNS lists, URL lists, fuzzy
 * storage, Redis) or score by DNS answers: disabled, so scores depend only on
 * the message and the test rules.
 */
const DISABLED = [
  'rbl', 'surbl', 'emails', 'fuzzy_check', 'asn', 'phishing', 'rspamd_update', 'dkim', 'spf', 'dmarc', 'arc',
  'url_redirector', 'dcc', 'mx_check', 'neural', 'reputation', 'ratelimit', 'greylist', 'replies', 'history_redis',
  'metadata_exporter', 'clickhouse', 'elastic', 'p0f', 'hfilter', 'whitelist', 'mid',
];

export interface RspamdHandle {
  /** "http://127.0.0.1:PORT", for config `scanners.rspamd.url`. */
  readonly url: string;
  logs(): string;
  stop(): Promise<void>;
}

/**
 * A private instance of Debian's rspamd on a free loopback port, in a temp
 * directory, with the test rules; resolves when it answers /ping.
 */
export async function startRspamd(readyTimeoutMs = 60_000): Promise<RspamdHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-rspamd-'));
  const [port] = await freePorts(1);
  // A loopback UDP port nobody listens on: every lookup fails at once, none leaves the machine.
  const deadDns = await freePort();
  const conf = (await readFile(join(CONFIG_DIR, 'rspamd.conf'), 'utf8')).replaceAll('@PORT@', String(port)).replaceAll('@DNS@', `127.0.0.1:${deadDns}`);
  await writeFile(join(dir, 'rspamd.conf'), conf);
  await mkdir(join(dir, 'local.d'));
  for (const f of ['actions.conf', 'milter_headers.conf']) await copyFile(join(CONFIG_DIR, 'local.d', f), join(dir, 'local.d', f));
  for (const m of DISABLED) await writeFile(join(dir, 'local.d', `${m}.conf`), 'enabled = false;\n');
  await copyFile(join(CONFIG_DIR, 'rspamd.local.lua'), join(dir, 'rspamd.local.lua'));

  const vars = ['LOCAL_CONFDIR', 'DBDIR', 'RUNDIR', 'LOGDIR'].map((v) => `--var=${v}=${dir}`);
  // As root, rspamd wants to be told which user its workers run as (-u/-g) and that root is meant (-i).
  const asRoot = process.getuid?.() === 0 ? ['-i', '-u', 'root', '-g', 'root'] : [];
  const url = `http://127.0.0.1:${port}`;
  const daemon = await startDaemon('rspamd', 'rspamd', ['-f', ...asRoot, '-c', join(dir, 'rspamd.conf'), ...vars], () => pings(url), readyTimeoutMs);
  return {
    url,
    logs: () => daemon.output(),
    stop: () => daemon.stop(),
  };
}

async function pings(url: string): Promise<boolean> {
  try {
    const r = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1000) });
    return r.ok && (await r.text()).includes('pong');
  } catch {
    return false;
  }
}
