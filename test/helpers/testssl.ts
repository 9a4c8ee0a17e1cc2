import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from './clients.js';

/** One line of testssl.sh's flat JSON output (`--jsonfile`). */
export interface TestsslFinding {
  readonly id: string;
  readonly severity: string;
  readonly finding: string;
}

/**
 * Run Debian's testssl.sh against a loopback listener: protocols (-p), cipher
 * categories (-s) and the vulnerability tests (-U), which cover what a TLS
 * hardening claim rests on, in well under a minute per port. No DNS lookups
 * and no phoning out (`--nodns none`, `--ip`); STARTTLS for SMTP ports.
 */
export async function testssl(port: number, opts: { starttls: boolean; timeoutMs?: number }): Promise<TestsslFinding[]> {
  const dir = await mkdtemp(join(tmpdir(), 'baton-testssl-'));
  const json = join(dir, 'findings.json');
  const args = [
    '--quiet', '--nodns', 'none', '--ip', '127.0.0.1', '--warnings', 'off', '--color', '0',
    '-p', '-s', '-U', '--jsonfile', json,
    ...(opts.starttls ? ['--starttls', 'smtp'] : []),
    `127.0.0.1:${port}`,
  ];
  const r = await runCommand('testssl', args, { timeoutMs: opts.timeoutMs ?? 240_000 });
  let text: string;
  try {
    text = await readFile(json, 'utf8');
  } catch {
    throw new Error(`testssl wrote no JSON (exit ${r.code}):\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
  }
  return JSON.parse(text) as TestsslFinding[];
}
