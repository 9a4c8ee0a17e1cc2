import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from './dnsmasq.js';
import { freePort } from './free-port.js';

const run = promisify(execFile);

/**
 * A real validating resolver for DANE tests (RFC 7672 needs the AD bit): a
 * private Debian `unbound` on a free 127.0.0.1 port, serving zones written
 * here. A signed zone is signed with `ldns-keygen` + `ldns-signzone`
 * (ldnsutils) and its key's DS is unbound's `trust-anchor`, so unbound
 * validates it like any upstream data (`auth-zone` with `for-upstream: yes`,
 * `for-downstream: no`: the zone is the "upstream" the iterator asks, and the
 * validator checks every answer) and sets AD only on what validated. An
 * unsigned zone has no anchor above it: its answers are insecure (no AD).
 * `corrupt` changes records after signing, so their RRSIG no longer verifies:
 * unbound answers SERVFAIL ("bogus") for them.
 *
 *   const ub = await startUnbound([
 *     { name: 'dane.test', signed: true, records: ['@ MX 10 mx', 'mx A 127.0.0.1', '_25._tcp.mx TLSA 3 1 1 ab..'] },
 *     { name: 'plain.test', signed: false, records: ['@ MX 10 mx', 'mx A 127.0.0.1'] },
 *   ]);
 *   // ub.server === '127.0.0.1:PORT', for config dns.servers
 *   await ub.stop();
 *
 * Records are zone-file lines relative to the zone (TTL 300, SOA and NS added).
 * Nothing is forwarded anywhere: names outside the zones get no answer.
 */
export interface TestZone {
  /** The zone apex, e.g. "dane.test" (under .test, which unbound otherwise answers NXDOMAIN for, RFC 6761). */
  readonly name: string;
  readonly signed: boolean;
  readonly records: readonly string[];
  /** Owner names (relative, as in `records`) whose records are altered after signing: bogus. */
  readonly corrupt?: readonly string[];
}

export interface UnboundHandle {
  /** "127.0.0.1:PORT" */
  readonly server: string;
  /** unbound's log (validation failures at val-log-level 2), for failing-test diagnostics. */
  log(): string;
  stop(): Promise<void>;
}

export async function startUnbound(zones: readonly TestZone[], bin = '/usr/sbin/unbound'): Promise<UnboundHandle> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-unbound-'));
  try {
    const anchors: string[] = [];
    for (const z of zones) {
      const anchor = await writeZone(dir, z);
      if (anchor) anchors.push(anchor);
    }
    let lastError = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      const port = await freePort();
      await writeFile(join(dir, 'unbound.conf'), unboundConf(dir, port, zones, anchors));
      const child = spawn(bin, ['-d', '-c', join(dir, 'unbound.conf')], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
      if (await waitUntilAnswering(child, `127.0.0.1:${port}`, zones[0]?.name ?? 'test')) {
        return {
          server: `127.0.0.1:${port}`,
          log: () => output,
          async stop() {
            await stopChild(child);
            await rm(dir, { recursive: true, force: true });
          },
        };
      }
      lastError = output;
      await stopChild(child);
    }
    throw new Error(`unbound did not start: ${lastError}`);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Writes the zone file (signed if asked); returns its trust anchor (the DS of its key) when signed. */
async function writeZone(dir: string, z: TestZone): Promise<string | undefined> {
  const file = join(dir, `${z.name}.zone`);
  const text = [
    `$ORIGIN ${z.name}.`,
    '$TTL 300',
    `@ IN SOA ns.${z.name}. hostmaster.${z.name}. 1 3600 600 86400 300`,
    `@ IN NS ns.${z.name}.`,
    'ns IN A 127.0.0.1',
    ...z.records,
    '',
  ].join('\n');
  await writeFile(file, text);
  if (!z.signed) return undefined;
  // One key with the SEP flag signs everything (ldns-signzone uses it as KSK and ZSK); ECDSA P-256 is quick to make.
  const { stdout } = await run('ldns-keygen', ['-a', 'ECDSAP256SHA256', '-k', z.name], { cwd: dir, timeout: 30_000 });
  const key = join(dir, stdout.trim());
  await run('ldns-signzone', ['-f', `${file}.signed`, file, key], { cwd: dir, timeout: 30_000 });
  if (z.corrupt?.length) await corrupt(`${file}.signed`, z);
  const ds = (await readFile(`${key}.ds`, 'utf8')).trim().replace(/\s+/g, ' ');
  return ds;
}

/** Alters the data (not the signatures) of the named owners: the last character of the RDATA flips between 0 and 1. */
async function corrupt(file: string, z: TestZone): Promise<void> {
  const owners = new Set((z.corrupt ?? []).map((o) => `${o}.${z.name}.`.toLowerCase()));
  const lines = (await readFile(file, 'utf8')).split('\n');
  let changed = 0;
  const out = lines.map((line) => {
    const [owner, , , type] = line.split(/\s+/);
    if (!owner || !owners.has(owner.toLowerCase()) || type === 'RRSIG' || type === 'NSEC' || type === 'NSEC3') return line;
    changed++;
    return line.slice(0, -1) + (line.endsWith('0') ? '1' : '0');
  });
  if (changed === 0) throw new Error(`nothing to corrupt in ${z.name}: ${[...owners].join(', ')}`);
  await writeFile(file, out.join('\n'));
}

function unboundConf(dir: string, port: number, zones: readonly TestZone[], anchors: readonly string[]): string {
  return [
    'server:',
    '  interface: 127.0.0.1',
    `  port: ${port}`,
    '  do-ip6: no',
    '  do-daemonize: no',
    '  username: ""',
    '  chroot: ""',
    `  directory: "${dir}"`,
    '  pidfile: ""',
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 1',
    '  val-log-level: 2',
    '  access-control: 127.0.0.0/8 allow',
    // Validation on: the validator checks what the iterator gets from the auth zones.
    '  module-config: "validator iterator"',
    // unbound answers .test itself by default (RFC 6761 local zone); our zones live there.
    '  local-zone: "test." nodefault',
    ...anchors.map((a) => `  trust-anchor: "${a}"`),
    'remote-control:',
    '  control-enable: no',
    ...zones.flatMap((z) => [
      'auth-zone:',
      `  name: "${z.name}"`,
      `  zonefile: "${join(dir, `${z.name}.zone${z.signed ? '.signed' : ''}`)}"`,
      '  for-upstream: yes',
      '  for-downstream: no',
      '  fallback-enabled: no',
    ]),
    '',
  ].join('\n');
}

/** Poll with a real query (bounded: 50 x 100 ms) until unbound answers for the zone, or exits. */
async function waitUntilAnswering(child: ChildProcess, server: string, zone: string): Promise<boolean> {
  const r = new Resolver({ timeout: 200, tries: 1 });
  r.setServers([server]);
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      await r.resolveSoa(zone);
      return true;
    } catch {
      // Not up yet (or the zone not loaded yet): ask again.
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}
