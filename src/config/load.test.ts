import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig, parseConfig, redactConfig } from './load.js';
import { splitHostPort } from './schema.js';

function withDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'baton-config-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function configError(raw: unknown): string {
  try {
    parseConfig(raw, '/base');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.message;
  }
  assert.fail(`accepted: ${JSON.stringify(raw)}`);
}

test('defaults parse, with the documented values, frozen', () => {
  const c = parseConfig({}, '/srv/baton');
  assert.equal(c.hostname, 'localhost');
  assert.equal(c.dataDir, '/srv/baton/data');
  assert.equal(c.queue.path, '/srv/baton/data/queue.db');
  assert.equal(c.limits.messageSize, 25 * 1024 * 1024);
  assert.equal(c.limits.recipientsPerMessage, 1000);
  assert.equal(c.limits.idleTimeout, 300_000);
  assert.equal(c.queue.lifetime, 5 * 86_400_000);
  assert.equal(c.queue.retry.first, 300_000);
  assert.equal(c.smtp.bareLineEndings, 'reject');
  assert.deepEqual(c.relay.trustedNetworks, ['127.0.0.0/8', '::1/128']);
  assert.deepEqual(c.listeners.map((l) => l.role), ['mx', 'submission', 'submissions']);
  assert.equal(c.tls.cert, undefined);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.limits) && Object.isFrozen(c.listeners[0]));
  const embedded = loadConfig(undefined, '/opt/x');
  assert.equal(embedded.file, undefined);
  assert.equal(embedded.config.dataDir, '/opt/x/data');
});

test('an unknown key is reported with its path', () => {
  assert.match(configError({ bogus: 1 }), /\(top level\): .*"bogus"/);
  assert.match(configError({ limits: { messageSizee: '10MB' } }), /\n {2}limits: .*"messageSizee"/);
  assert.match(configError({ queue: { retry: { frist: '1m' } } }), /queue\.retry: .*"frist"/);
  assert.match(configError({ listeners: [{ address: '127.0.0.1:25', role: 'mx', tls: true }] }), /listeners\.0: .*"tls"/);
});

test('bad durations and sizes name the key and say why', () => {
  assert.match(configError({ limits: { idleTimeout: '5 minutes' } }), /limits\.idleTimeout: Cannot parse duration "5 minutes"/);
  assert.match(configError({ limits: { idleTimeout: '2h' } }), /limits\.idleTimeout: must be between 1s and 1h/);
  assert.match(configError({ queue: { lifetime: '5s' } }), /queue\.lifetime: must be between/);
  assert.match(configError({ limits: { messageSize: '10TB' } }), /limits\.messageSize: Cannot parse size "10TB"/);
  assert.match(configError({ limits: { messageSize: '2g' } }), /limits\.messageSize: must be between 1k and 1g/);
  assert.match(configError({ limits: { messageSize: -5 } }), /limits\.messageSize/);
  assert.match(configError({ limits: { recipientsPerMessage: 1.5 } }), /limits\.recipientsPerMessage/);
  const ok = parseConfig({ limits: { idleTimeout: '90s', messageSize: '10MB' }, queue: { lifetime: '2d' } }, '/b');
  assert.equal(ok.limits.idleTimeout, 90_000);
  assert.equal(ok.limits.messageSize, 10_485_760);
  assert.equal(ok.queue.lifetime, 172_800_000);
});

test('other values checked at load', () => {
  assert.match(configError({ relay: { trustedNetworks: ['10.0.0.0/33'] } }), /relay\.trustedNetworks\.0/);
  assert.match(configError({ relay: { trustedNetworks: ['example.com'] } }), /relay\.trustedNetworks\.0/);
  assert.match(configError({ localDomains: ['-bad.example'] }), /localDomains\.0/);
  assert.match(configError({ listeners: [{ address: 'localhost', role: 'mx' }] }), /listeners\.0\.address/);
  assert.match(configError({ listeners: [{ address: '127.0.0.1:25', role: 'pop3' }] }), /listeners\.0\.role/);
  assert.match(configError({ local: { maildir: 'm', lmtp: '127.0.0.1:24' } }), /maildir or lmtp/);
  assert.deepEqual(parseConfig({ localDomains: ['Example.COM', '*.Example.org'] }, '/b').localDomains, ['example.com', '*.example.org']);
});

test('tls cert without key (or key without cert) is refused', () => {
  assert.match(configError({ tls: { cert: 'cert.pem' } }), /tls\.cert and tls\.key/);
  assert.match(configError({ tls: { key: 'key.pem' } }), /tls\.cert and tls\.key/);
  const c = parseConfig({ tls: { cert: 'cert.pem', key: '/abs/key.pem' } }, '/etc/baton');
  assert.equal(c.tls.cert, '/etc/baton/cert.pem');
  assert.equal(c.tls.key, '/abs/key.pem');
});

test('relative paths resolve against the config file folder (dataDir, tls) and the data dir (queue, maildir)', () => {
  withDir((dir) => {
    mkdirSync(join(dir, 'etc'));
    const file = join(dir, 'etc', 'baton.yaml');
    writeFileSync(
      file,
      ['dataDir: ../var', 'tls:', '  cert: certs/c.pem', '  key: certs/k.pem', 'queue:', '  path: q/queue.db', 'local:', '  maildir: mail/{domain}/{user}', ''].join('\n'),
    );
    // Loaded from another working directory.
    const loaded = loadConfig(file, '/');
    assert.equal(loaded.file, file);
    assert.equal(loaded.config.dataDir, join(dir, 'var'));
    assert.equal(loaded.config.tls.cert, join(dir, 'etc', 'certs', 'c.pem'));
    assert.equal(loaded.config.tls.key, join(dir, 'etc', 'certs', 'k.pem'));
    assert.equal(loaded.config.queue.path, join(dir, 'var', 'q', 'queue.db'));
    assert.equal(loaded.config.local.maildir, join(dir, 'var', 'mail', '{domain}', '{user}'));
  });
});

test('a relative file name is read relative to the cwd argument', () => {
  withDir((dir) => {
    writeFileSync(join(dir, 'baton.yaml'), 'hostname: mx.test\n');
    const loaded = loadConfig('baton.yaml', dir);
    assert.equal(loaded.config.hostname, 'mx.test');
    assert.equal(loaded.file, join(dir, 'baton.yaml'));
  });
});

test('YAML problems: unreadable file, syntax error and duplicate keys with a position, empty file', () => {
  withDir((dir) => {
    assert.throws(() => loadConfig(join(dir, 'missing.yaml')), (e: unknown) => e instanceof ConfigError && /ENOENT/.test(e.message));
    const dup = join(dir, 'dup.yaml');
    writeFileSync(dup, 'hostname: a\nhostname: b\n');
    assert.throws(() => loadConfig(dup), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${dup}:2:`));
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'limits: [\n');
    assert.throws(() => loadConfig(bad), (e: unknown) => e instanceof ConfigError && e.message.startsWith(`${bad}:`));
    const unknown = join(dir, 'unknown.yaml');
    writeFileSync(unknown, 'delivery:\n  prot: 25\n');
    assert.throws(() => loadConfig(unknown), (e: unknown) => e instanceof ConfigError && e.message.includes(unknown) && /delivery: .*"prot"/.test(e.message));
    const empty = join(dir, 'empty.yaml');
    writeFileSync(empty, '# nothing\n');
    assert.equal(loadConfig(empty).config.hostname, 'localhost');
  });
});

test('redactConfig hides route passwords but not paths', () => {
  const c = parseConfig({ routes: [{ domains: ['*'], smarthost: 'relay.example:587', auth: { user: 'u', pass: 'hunter2' } }], tls: { cert: 'c', key: 'k' } }, '/b');
  const text = JSON.stringify(redactConfig(c));
  assert.doesNotMatch(text, /hunter2/);
  assert.match(text, /"pass":"\*+"/);
  assert.match(text, /"key":"\/b\/k"/);
});

test('splitHostPort', () => {
  assert.deepEqual(splitHostPort('127.0.0.1:25'), { host: '127.0.0.1', port: 25 });
  assert.deepEqual(splitHostPort('[::1]:2525'), { host: '::1', port: 2525 });
  assert.deepEqual(splitHostPort('mx.example.com:587'), { host: 'mx.example.com', port: 587 });
  for (const bad of ['127.0.0.1', '::1:25', '[::1]', 'host:0', 'host:65536', ':25', 'host:25x']) assert.equal(splitHostPort(bad), undefined, bad);
});
