import { join } from 'node:path';
import { startBaton, type Baton, type StartOptions } from './baton.js';
import { pythonDir, runCommand } from './clients.js';
import { waitFor } from './deliver-kit.js';
import { startDnsmasq, type DnsmasqHandle } from './dnsmasq.js';
import { freePort } from './free-port.js';
import { startScriptedSink, type ScriptedSink } from './scripted-sink.js';

/**
 * Shared pieces of the DKIM end-to-end tests (issue 8): Baton relaying to a
 * scripted sink, with signing keys made by `baton dkim keygen` and their
 * public keys served by a real DNS server (dnsmasq) that the test republishes
 * as it likes; every received message is verified by Debian's dkimpy.
 */

export const DKIM_SECRET = 'an e2e test secret, long enough';

/** What dkimpy says about one DKIM-Signature (test/e2e/python/dkim_verify.py). */
export interface VerifiedSignature {
  readonly d: string;
  readonly s: string;
  readonly a: string;
  readonly h: string;
  readonly t: string;
  readonly x: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** The loopback DNS server, restarted on the same port whenever its TXT records change. */
export class DkimDns {
  private readonly txt = new Map<string, string[][]>();
  private handle: DnsmasqHandle | undefined;

  private constructor(readonly port: number) {}

  static async start(): Promise<DkimDns> {
    const dns = new DkimDns(await freePort());
    await dns.restart();
    return dns;
  }

  get server(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Serve these records at `name` (each a list of strings), replacing what was there; none: remove the name. */
  async publish(name: string, ...records: (readonly string[])[]): Promise<void> {
    if (records.length === 0) this.txt.delete(name);
    else this.txt.set(name, records.map((r) => [...r]));
    await this.restart();
  }

  async stop(): Promise<void> {
    await this.handle?.stop();
  }

  private async restart(): Promise<void> {
    await this.handle?.stop();
    this.handle = await startDnsmasq({ port: this.port, txt: Object.fromEntries(this.txt) });
  }
}

/** dkimpy's verdict on every signature of a message, top first. */
export async function verifyWithDkimpy(message: Buffer, dns: DkimDns): Promise<VerifiedSignature[]> {
  const r = await runCommand('/usr/bin/python3', [join(pythonDir, 'dkim_verify.py'), '127.0.0.1', String(dns.port)], { input: message, timeoutMs: 30_000 });
  if (r.code !== 0) throw new Error(`dkim_verify.py failed (${r.code}): ${r.stderr}`);
  return (JSON.parse(r.stdout) as { signatures: VerifiedSignature[] }).signatures;
}

/** What `baton dkim keygen --json` and `rotate --json` print per key. */
export interface KeyRecord {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: string;
  readonly name: string;
  readonly value: string;
  readonly strings: string[];
}

export interface DkimRig {
  readonly baton: Baton;
  readonly sink: ScriptedSink;
  readonly dns: DkimDns;
  stop(): Promise<void>;
}

/** Baton relaying everything to a scripted sink, DNS at the rig's dnsmasq, DKIM checks every 200 ms. */
export async function startDkimRig(opts: { dkim?: Record<string, unknown>; sinkExtensions?: readonly string[]; expectedErrors?: StartOptions['expectedErrors'] } = {}): Promise<DkimRig> {
  const dns = await DkimDns.start();
  const sink = await startScriptedSink({ extensions: opts.sinkExtensions ?? ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES', 'SMTPUTF8'] });
  const baton = await startBaton({
    config: {
      listeners: [{ role: 'mx' }],
      routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
      dns: { servers: [dns.server], timeout: '500ms' },
      dkim: { secret: DKIM_SECRET, checkInterval: '200ms', ...opts.dkim },
    },
    ...(opts.expectedErrors ? { expectedErrors: opts.expectedErrors } : {}),
  });
  return {
    baton,
    sink,
    dns,
    async stop() {
      await baton.stop();
      await sink.stop();
      await dns.stop();
    },
  };
}

/** Run a key command with --json; throws with its stderr when it fails. */
export async function keyCommand(b: Baton, args: readonly string[]): Promise<KeyRecord[]> {
  const r = await b.cli(['dkim', ...args, '--json']);
  if (r.code !== 0) throw new Error(`baton dkim ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as KeyRecord[];
}

/** `baton dkim status --json`: per domain, its keys. */
export interface StatusDomain {
  readonly domain: string;
  readonly signing: string[];
  readonly keys: { selector: string; algorithm: string; state: string; dns: { status: string; detail?: string }; signs: boolean; note: string }[];
}

export async function dkimStatus(b: Baton): Promise<StatusDomain[]> {
  const r = await b.cli(['dkim', 'status', '--json']);
  if (r.code !== 0) throw new Error(`baton dkim status failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout) as StatusDomain[];
}

/**
 * Wait until the node has moved the keys of `selectors` into `state`: its log
 * line (written once the node's keyring holds the change) and the store agree.
 */
export async function waitForState(b: Baton, state: string, ...selectors: string[]): Promise<void> {
  const logged = (s: string) => b.logs().split('\n').some((l) => l.includes(`"msg":"dkim key ${state}"`) && l.includes(`"selector":"${s}"`));
  await waitFor(`${selectors.join(', ')} to be ${state}`, () => selectors.every(logged) || undefined, 20_000, 100);
  const keys = (await dkimStatus(b)).flatMap((d) => d.keys);
  for (const s of selectors) if (keys.find((k) => k.selector === s)?.state !== state) throw new Error(`the log says ${s} is ${state}, the status does not`);
}

/** Make a key, publish its record, and wait until the node signs with it. */
export async function activeKey(rig: DkimRig, domain: string, algo: 'rsa-2048' | 'ed25519', selector?: string): Promise<KeyRecord> {
  const [made] = await keyCommand(rig.baton, ['keygen', domain, '--algo', algo, ...(selector ? ['--selector', selector] : [])]);
  if (!made) throw new Error('keygen printed no key');
  await rig.dns.publish(made.name, made.strings);
  await waitForState(rig.baton, 'active', made.selector);
  return made;
}

/** The messages the sink has received so far, in order. */
export function received(sink: ScriptedSink): Buffer[] {
  return sink.sessions.flatMap((s) => s.messages.map((m) => m.data));
}

/** Wait until the sink has `n` messages; returns them all. */
export function waitForReceived(sink: ScriptedSink, n: number): Promise<Buffer[]> {
  return waitFor(`${n} message(s) at the sink`, () => (received(sink).length >= n ? received(sink) : undefined), 20_000);
}
