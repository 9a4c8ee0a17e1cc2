import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import { parse, stringify } from 'yaml';
import { startBaton, type Baton } from '../helpers/baton.js';
import { DKIM_SECRET } from '../helpers/dkim.js';

/**
 * The operator's side of DKIM (issue 8): `baton dkim keygen` prints the exact
 * record to publish, the secret never shows, and a node with keys refuses to
 * start without the secret that opens them.
 */
describe('baton dkim commands and the DKIM secret', { timeout: 90_000 }, () => {
  let b: Baton;

  before(async () => {
    b = await startBaton({ config: { listeners: [{ role: 'mx' }], dns: { servers: ['127.0.0.1:9'], timeout: '200ms' }, dkim: { secret: DKIM_SECRET } } });
  });
  after(() => b?.stop());

  test('keygen prints the record name and its value as zone-file strings of at most 255 bytes', async () => {
    const r = await b.cli(['dkim', 'keygen', 'Example.TEST']);
    assert.equal(r.code, 0, r.stderr);
    const m = /^(b\d{4}-\d{2}-rsa)\._domainkey\.example\.test\. IN TXT ((?:"[^"]*" ?)+)$/m.exec(r.stdout);
    assert.ok(m, r.stdout);
    const strings = [...(m[2] as string).matchAll(/"([^"]*)"/g)].map((x) => x[1] as string);
    assert.equal(strings.length, 2);
    assert.ok(strings.every((s) => Buffer.byteLength(s) <= 255));
    assert.match(strings.join(''), /^v=DKIM1; k=rsa; p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA[A-Za-z0-9+/]+={0,2}$/);
    const ed = await b.cli(['dkim', 'keygen', 'example.test', '--algo', 'ed25519', '--selector', 'mine']);
    assert.match(ed.stdout, /^mine\._domainkey\.example\.test\. IN TXT "v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}="$/m);
    const dup = await b.cli(['dkim', 'keygen', 'example.test', '--selector', 'mine']);
    assert.equal(dup.code, 1);
    assert.match(dup.stderr, /already has a key with selector mine/);
    const bad = await b.cli(['dkim', 'keygen', 'example.test', '--algo', 'rsa-1024']);
    assert.match(bad.stderr, /unknown algorithm rsa-1024/);
  });

  test('status lists each key with its state and a live DNS answer', async () => {
    const r = await b.cli(['dkim', 'status']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^DOMAIN\s+SELECTOR\s+ALGO\s+STATE\s+SINCE\s+DNS\s+SIGNS\s+NOTE$/m);
    assert.match(r.stdout, /^example\.test\s+mine\s+ed25519\s+pending-dns\s+\S+\s+unknown\s+publish the record/m);
  });

  test('config check redacts the secret', async () => {
    const r = await b.cli(['config', 'check']);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, new RegExp(DKIM_SECRET));
    assert.match(r.stdout, /secret: "\*+"/);
  });

  test('with keys stored, a node refuses to start without the secret, or with another one', async () => {
    const config = parse(await readFile(b.configFile, 'utf8')) as Record<string, unknown>;
    await writeFile(b.configFile, stringify({ ...config, dkim: {} }));
    await assert.rejects(b.restart(), /DKIM key\(s\) are stored .* but neither dkim\.secret nor dkim\.secretFile is set/);
    const keygen = await b.cli(['dkim', 'keygen', 'other.test']);
    assert.equal(keygen.code, 1);
    assert.match(keygen.stderr, /set dkim\.secret or dkim\.secretFile/);
    await writeFile(b.configFile, stringify({ ...config, dkim: { secret: 'not the secret they were made with' } }));
    await assert.rejects(b.restart(), /dkim\.secret is not the secret it was stored with/);
    await writeFile(b.configFile, stringify(config));
    await b.restart();
  });
});
