import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { stringify } from 'yaml';
import { spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { batonBin, runCli } from '../helpers/baton.js';
import { runCommand } from '../helpers/clients.js';
import { freePorts } from '../helpers/free-port.js';

/**
 * `baton config check FILE` (issue 2): prints the effective config with secrets
 * redacted and exits 0; unknown keys and bad values exit non-zero naming the key
 * path. `baton start` refuses the same files.
 */
describe('baton config check', { timeout: 60_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'baton-config-'));
  });

  async function file(name: string, content: unknown): Promise<string> {
    const p = join(dir, name);
    await writeFile(p, typeof content === 'string' ? content : stringify(content));
    return p;
  }

  test('a valid file prints the effective config with defaults filled in and secrets redacted, exit 0', async () => {
    const p = await file('good.yaml', {
      hostname: 'mx.example.test',
      localDomains: ['Example.TEST'],
      limits: { messageSize: '10MB', idleTimeout: '2m' },
      routes: [{ domains: ['*'], smarthost: '127.0.0.1:2', auth: { user: 'relayuser', pass: 'TopSecret-123' } }],
    });
    const r = await runCli(['config', 'check', p, '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /TopSecret-123/, 'the route password is redacted');
    const json = r.stdout.slice(r.stdout.indexOf('{'), r.stdout.lastIndexOf('}') + 1);
    const cfg = JSON.parse(json) as Record<string, any>;
    assert.equal(cfg.hostname, 'mx.example.test');
    assert.deepEqual(cfg.localDomains, ['example.test'], 'domains are lower-cased');
    assert.equal(cfg.limits.idleTimeout, 120_000, 'durations are resolved');
    assert.equal(typeof cfg.limits.recipientsPerMessage, 'number', 'defaults are filled in');
    assert.equal(cfg.routes[0].auth.user, 'relayuser');
    assert.notEqual(cfg.routes[0].auth.pass, 'TopSecret-123');
    assert.ok(Array.isArray(cfg.listeners) && cfg.listeners.length > 0);
  });

  test('the YAML output of config check is valid and redacted too', async () => {
    const p = await file('good2.yaml', { routes: [{ domains: ['*'], smarthost: '127.0.0.1:2', auth: { user: 'u', pass: 'Hidden-456' } }] });
    const r = await runCli(['config', 'check', p]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /trustedNetworks/);
    assert.doesNotMatch(r.stdout, /Hidden-456/);
  });

  for (const [name, content, path] of [
    ['an unknown top-level key', { hostnmae: 'x' }, /hostnmae/],
    ['an unknown nested key', { limits: { messageSizee: '1MB' } }, /limits[\s\S]*messageSizee/],
    ['an out-of-range number', { limits: { recipientsPerMessage: 0 } }, /limits\.recipientsPerMessage/],
    ['a bad duration', { limits: { idleTimeout: 'soon' } }, /limits\.idleTimeout/],
    ['a bad listener role', { listeners: [{ address: '127.0.0.1:2525', role: 'lmtp' }] }, /listeners\.0\.role/],
    ['a bad listener address', { listeners: [{ address: 'localhost', role: 'mx' }] }, /listeners\.0\.address/],
    ['a bad trusted network', { relay: { trustedNetworks: ['10.0.0.0/33'] } }, /relay\.trustedNetworks\.0/],
    ['a bad bareLineEndings value', { smtp: { bareLineEndings: 'accept' } }, /smtp\.bareLineEndings/],
  ] as const) {
    test(`config check rejects ${name}, exits non-zero and names the key path`, async () => {
      const p = await file(`bad-${name.replace(/\W+/g, '-')}.yaml`, content);
      const r = await runCli(['config', 'check', p]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stderr + r.stdout, path);
    });
  }

  test('YAML syntax errors are reported with a position', async () => {
    const p = await file('syntax.yaml', 'hostname: [unclosed\nlimits: {\n');
    const r = await runCli(['config', 'check', p]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, /syntax\.yaml:\d+:\d+/);
  });

  test('baton start refuses an invalid file, exits non-zero and names the key path, without listening', async () => {
    const [port] = await freePorts(1);
    const p = await file('start-bad.yaml', { dataDir: dir, listeners: [{ address: `127.0.0.1:${port}`, role: 'mx' }], limits: { lineLength: 10 } });
    const r = await runCli(['start', '--config', p], { timeoutMs: 20_000 });
    assert.notEqual(r.code, 0);
    assert.notEqual(r.code, null, 'it exited by itself');
    assert.match(r.stderr + r.stdout, /limits\.lineLength/);
  });

  test('with no --config, baton start listens on the embedded default ports and keeps its queue under ./data', async () => {
    // The default ports are fixed (2525, 2587, 2465): on a shared machine something
    // else may hold them. Baton runs in a network namespace of its own (unshare, as
    // root; scripts/test-deps.sh installs util-linux and iproute2), where they are
    // always free, and is probed from inside it (nsenter): never a skip.
    const ports = [2525, 2587, 2465];
    const cwd = await mkdtemp(join(tmpdir(), 'baton-default-'));
    // unshare and sh exec in place: the child's pid is Baton's.
    const child = spawn('unshare', ['--net', '--', 'sh', '-c', 'ip link set lo up && exec "$0" "$1" start', process.execPath, batonBin], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stderr.on('data', (d: Buffer) => (log += d.toString()));
    child.stdout.on('data', (d: Buffer) => (log += d.toString()));
    const exited = new Promise<number | null>((res) => child.once('exit', (code) => res(code)));
    child.once('error', (err) => (log += `spawn failed: ${err.message}`));
    try {
      const probe = `
        const net = require('node:net');
        const open = (port) => new Promise((res) => {
          const s = net.connect(port, '127.0.0.1');
          s.once('connect', () => { s.destroy(); res(true); });
          s.once('error', () => res(false));
        });
        (async () => {
          const up = {};
          const deadline = Date.now() + 20000;
          for (const port of ${JSON.stringify(ports)}) {
            while (!(up[port] = await open(port)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
          }
          console.log(JSON.stringify(up));
        })();`;
      // nsenter must not run before unshare(2) did, or it probes our own namespace.
      await inOwnNetns(child.pid ?? 0);
      const r = await runCommand('nsenter', ['--target', String(child.pid), '--net', '--', process.execPath, '-e', probe], { timeoutMs: 40_000 });
      assert.equal(r.code, 0, `probe in Baton's namespace failed: ${r.stderr}\n${log}`);
      const up = JSON.parse(r.stdout) as Record<string, boolean>;
      for (const port of ports) assert.equal(up[port], true, `nothing listens on 127.0.0.1:${port}:\n${log}`);
      assert.equal(child.exitCode, null, `baton is running:\n${log}`);
      assert.ok(existsSync(join(cwd, 'data', 'queue.db')), 'queue under ./data');
    } finally {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
  });
});

/** Wait (bounded: 10 s) until process `pid` is in a network namespace other than ours. */
async function inOwnNetns(pid: number): Promise<void> {
  const ours = readlinkSync('/proc/self/ns/net');
  for (let i = 0; i < 500; i++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/net`) !== ours) return;
    } catch {
      // not there yet, or gone: the probe below reports it
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
