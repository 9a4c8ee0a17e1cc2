import { spawn, type ChildProcess } from 'node:child_process';
import { Resolver } from 'node:dns/promises';
import { freePort } from './free-port.js';

/**
 * A real DNS server on loopback for tests: Debian's dnsmasq, answering only from
 * the zone described here (nothing is forwarded to the internet).
 *
 *   const dns = await startDnsmasq({
 *     mx: { 'example.test': [{ host: 'mx1.example.test', preference: 10 }] },
 *     hosts: { 'mx1.example.test': ['127.0.0.2', '::1'] },
 *     txt: { 'example.test': [['v=spf1 -all']] },
 *     nullMx: ['nomail.test'],
 *     broken: ['broken.test'],          // every name under it times out (SERVFAIL-like)
 *   });
 *   // dns.server === '127.0.0.1:PORT', pass it to the resolver / config dns.servers
 *   await dns.stop();
 *
 * Names must end in a zone listed in `zones` (default ['test']): dnsmasq answers
 * NXDOMAIN/NODATA for unknown names in those zones (`--local`), which is what a
 * real authoritative server does. Records have TTL `ttl` (default 0 = not cached).
 */
export interface MxSpec {
  readonly host: string;
  readonly preference: number;
}

export interface DnsZone {
  /** domain -> MX records. */
  readonly mx?: Readonly<Record<string, readonly MxSpec[]>>;
  /** name -> A/AAAA addresses (both families allowed). */
  readonly hosts?: Readonly<Record<string, readonly string[]>>;
  /** name -> TXT records, each a list of character-strings (each under 256 bytes). */
  readonly txt?: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** Domains publishing a null MX (RFC 7505: "0 ."). */
  readonly nullMx?: readonly string[];
  /** Domains whose every lookup is forwarded to a closed port: the client times out. */
  readonly broken?: readonly string[];
  /** Zones answered locally (NXDOMAIN for unknown names). Default ['test']. */
  readonly zones?: readonly string[];
  /** TTL of local records in seconds. Default 0. */
  readonly ttl?: number;
  /** Listen on this port (to restart a server in place with other records); a free one when absent. */
  readonly port?: number;
}

export interface DnsmasqHandle {
  /** "127.0.0.1:PORT" */
  readonly server: string;
  readonly host: string;
  readonly port: number;
  /** Everything dnsmasq logged (queries included), for failing-test diagnostics. */
  log(): string;
  stop(): Promise<void>;
}

export function dnsmasqArgs(zone: DnsZone, port: number, deadPort: number): string[] {
  const args = [
    '--keep-in-foreground',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    '--pid-file=',
    '--log-queries',
    '--log-facility=-',
    `--local-ttl=${zone.ttl ?? 0}`,
  ];
  for (const z of zone.zones ?? ['test']) args.push(`--local=/${z}/`);
  for (const [domain, mxs] of Object.entries(zone.mx ?? {})) {
    for (const mx of mxs) args.push(`--mx-host=${domain},${mx.host},${mx.preference}`);
  }
  for (const [name, addrs] of Object.entries(zone.hosts ?? {})) {
    // --host-record takes several addresses of either family in one option.
    if (addrs.length > 0) args.push(`--host-record=${name},${addrs.join(',')}`);
  }
  // RFC 7505 null MX: RDATA = preference 0 (0000) + root name (00).
  for (const domain of zone.nullMx ?? []) args.push(`--dns-rr=${domain},15,000000`);
  // TXT as raw RDATA (RFC 1035 §3.3.14: length-prefixed strings), since dnsmasq's
  // --txt-record splits strings at commas.
  for (const [name, records] of Object.entries(zone.txt ?? {})) {
    for (const strings of records) args.push(`--dns-rr=${name},16,${txtRdata(strings)}`);
  }
  // A more specific --server wins over --local: queries go to a port where nobody answers.
  for (const domain of zone.broken ?? []) args.push(`--server=/${domain}/127.0.0.1#${deadPort}`);
  return args;
}

function txtRdata(strings: readonly string[]): string {
  return Buffer.concat(
    strings.map((s) => {
      const bytes = Buffer.from(s);
      if (bytes.length > 255) throw new Error(`TXT string longer than 255 bytes: ${s}`);
      return Buffer.concat([Buffer.from([bytes.length]), bytes]);
    }),
  ).toString('hex');
}

export async function startDnsmasq(zone: DnsZone, bin = '/usr/sbin/dnsmasq'): Promise<DnsmasqHandle> {
  const host = '127.0.0.1';
  let lastError = '';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = zone.port ?? (await freePort(host));
    const deadPort = await freePort(host);
    const child = spawn(bin, dnsmasqArgs(zone, port, deadPort), { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const ready = await waitUntilAnswering(child, `${host}:${port}`, zone.zones?.[0] ?? 'test');
    if (ready) {
      return {
        server: `${host}:${port}`,
        host,
        port,
        log: () => output,
        stop: () => stopChild(child),
      };
    }
    lastError = output;
    await stopChild(child);
  }
  throw new Error(`dnsmasq did not start: ${lastError}`);
}

/** Poll with a real query (bounded: 50 x 100 ms) until dnsmasq answers or exits. */
async function waitUntilAnswering(child: ChildProcess, server: string, zone: string): Promise<boolean> {
  const r = new Resolver({ timeout: 100, tries: 1 });
  r.setServers([server]);
  for (let i = 0; i < 50; i++) {
    if (child.exitCode !== null || child.signalCode !== null) return false;
    try {
      await r.resolve4(`probe.${zone}`);
      return true;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === 'ENOTFOUND' || code === 'ENODATA') return true; // it answered
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}

export function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
