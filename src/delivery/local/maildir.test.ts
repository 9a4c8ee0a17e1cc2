import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import type { Mailbox } from '../../core/index.js';
import { deliverToMaildir, maildirPath, nodeMaildirIo, uniqueName, type MaildirIo } from './maildir.js';

const root = mkdtempSync(join(tmpdir(), 'baton-maildir-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshBase = () => mkdtempSync(join(root, `t${n++}-`));

const mb = (local: string, domain: string): Mailbox => ({ local, domain });
const MESSAGE = Buffer.from('From: alice@sender.test\r\nTo: bob@local.test\r\nSubject: Hello\r\n\r\nHi Bob\r\n');
const opts = (baseDir: string, io?: MaildirIo) => ({ template: 'mail/{domain}/{user}', baseDir, hostname: 'mx.baton.test', ...(io ? { io } : {}) });

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('deliverToMaildir', () => {
  test('writes the message into new/ with Return-Path and Delivered-To, readable by Python mailbox.Maildir', async () => {
    const base = freshBase();
    const r = await deliverToMaildir(opts(base), { sender: mb('alice', 'sender.test'), recipient: mb('Bob', 'local.test'), message: MESSAGE });
    assert.equal(r.verdict, 'delivered');
    assert.equal(r.reply.code, 250);
    const dir = join(base, 'mail', 'local.test', 'bob');
    for (const sub of ['cur', 'new', 'tmp']) assert.equal(statSync(join(dir, sub)).mode & 0o777, 0o700, sub);
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
    const files = readdirSync(join(dir, 'new'));
    assert.equal(files.length, 1);
    assert.equal(r.verdict === 'delivered' && r.path, join(dir, 'new', files[0] ?? ''));
    const content = readFileSync(join(dir, 'new', files[0] ?? ''), 'utf8');
    assert.equal(content, 'Return-Path: <alice@sender.test>\nDelivered-To: Bob@local.test\nFrom: alice@sender.test\nTo: bob@local.test\nSubject: Hello\n\nHi Bob\n');
    assert.match(files[0] ?? '', new RegExp(`^\\d+\\.M\\d+P${process.pid}R[0-9a-f]{16}\\.mx\\.baton\\.test,S=${Buffer.byteLength(content)}$`));

    const py = 'import mailbox,sys,json; md=mailbox.Maildir(sys.argv[1], create=False); print(json.dumps([[m["Return-Path"], m["Delivered-To"], m["Subject"], m.get_payload()] for m in md]))';
    const read = JSON.parse(execFileSync('python3', ['-c', py, dir], { encoding: 'utf8', timeout: 20_000 })) as string[][];
    assert.deepEqual(read, [['<alice@sender.test>', 'Bob@local.test', 'Hello', 'Hi Bob\n']]);
  });

  test('a null sender is recorded as Return-Path: <>, and two deliveries get two files', async () => {
    const base = freshBase();
    for (let i = 0; i < 2; i++) {
      const r = await deliverToMaildir(opts(base), { sender: null, recipient: mb('bob', 'local.test'), message: MESSAGE });
      assert.equal(r.verdict, 'delivered');
    }
    const dir = join(base, 'mail', 'local.test', 'bob', 'new');
    const files = readdirSync(dir);
    assert.equal(files.length, 2);
    assert.match(readFileSync(join(dir, files[0] ?? ''), 'utf8'), /^Return-Path: <>\n/);
  });

  test('local parts that could escape the directory are bounced and create nothing', async () => {
    const base = freshBase();
    for (const local of ['..', '.', '.hidden', 'a/b', '"../../etc"', '"a\\/b"', 'a\\b', '"x\ty"']) {
      const r = await deliverToMaildir(opts(base), { sender: null, recipient: mb(local, 'local.test'), message: MESSAGE });
      assert.equal(r.verdict, 'bounced', local);
      assert.equal(r.reply.code, 550);
    }
    const lit = await deliverToMaildir(opts(base), { sender: null, recipient: mb('bob', '[127.0.0.1]'), message: MESSAGE });
    assert.equal(lit.verdict, 'bounced');
    assert.deepEqual(readdirSync(base), []);
  });

  test('a message that already carries our Delivered-To is bounced as a loop', async () => {
    const base = freshBase();
    const looped = Buffer.concat([Buffer.from('Delivered-To: <BOB@local.test>\r\n'), MESSAGE]);
    const r = await deliverToMaildir(opts(base), { sender: mb('a', 'b.test'), recipient: mb('bob', 'local.test'), message: looped });
    assert.equal(r.verdict, 'bounced');
    assert.equal(r.reply.code, 554);
    assert.deepEqual(r.reply.status, { class: 5, subject: 4, detail: 6 });
  });

  test('a disk that fills up mid-write defers (452 4.3.1) and leaves nothing in new/ or tmp/', async () => {
    const base = freshBase();
    const io: MaildirIo = {
      ...nodeMaildirIo,
      async open(path, flags, mode) {
        const fh = await nodeMaildirIo.open(path, flags, mode);
        return {
          async writeFile(data) {
            await fh.writeFile(data.subarray(0, data.length >> 1)); // half the message reaches the disk
            throw errno('ENOSPC');
          },
          sync: () => fh.sync(),
          close: () => fh.close(),
        };
      },
    };
    const r = await deliverToMaildir(opts(base, io), { sender: null, recipient: mb('bob', 'local.test'), message: MESSAGE });
    assert.equal(r.verdict, 'deferred');
    assert.equal(r.reply.code, 452);
    assert.deepEqual(r.reply.status, { class: 4, subject: 3, detail: 1 });
    const dir = join(base, 'mail', 'local.test', 'bob');
    assert.deepEqual(readdirSync(join(dir, 'new')), []);
    assert.deepEqual(readdirSync(join(dir, 'tmp')), []);
  });

  test('quota and I/O errors defer with their own replies', async () => {
    for (const [code, want] of [['EDQUOT', '452 4.2.2'], ['EIO', '451 4.3.0'], ['EACCES', '451 4.3.0']] as const) {
      const io: MaildirIo = { ...nodeMaildirIo, link: () => Promise.reject(errno(code)) };
      const base = freshBase();
      const r = await deliverToMaildir(opts(base, io), { sender: null, recipient: mb('bob', 'local.test'), message: MESSAGE });
      assert.equal(r.verdict, 'deferred', code);
      assert.equal(`${r.reply.code} ${r.reply.status?.class}.${r.reply.status?.subject}.${r.reply.status?.detail}`, want);
      assert.deepEqual(readdirSync(join(base, 'mail', 'local.test', 'bob', 'new')), []);
      assert.deepEqual(readdirSync(join(base, 'mail', 'local.test', 'bob', 'tmp')), [], 'tmp file removed after failure');
    }
  });

  test('a process killed in the middle of writing a message leaves no partial file in new/', async () => {
    const base = freshBase();
    const moduleUrl = new URL('./maildir.js', import.meta.url).href;
    const script = join(base, 'child.mjs');
    // The child delivers one message completely, then starts a second one whose
    // write stops half-way (as if the process died during write(2)) and waits
    // to be killed with SIGKILL: no cleanup code can run.
    writeFileSync(
      script,
      `import { deliverToMaildir, nodeMaildirIo } from ${JSON.stringify(moduleUrl)};
const opts = { template: 'mail/{domain}/{user}', baseDir: ${JSON.stringify(base)}, hostname: 'h' };
const d = { sender: null, recipient: { local: 'bob', domain: 'local.test' }, message: Buffer.from('Subject: one\\r\\n\\r\\nbody\\r\\n') };
const first = await deliverToMaildir(opts, d);
process.stdout.write(first.verdict + '\\n');
const io = { ...nodeMaildirIo, async open(p, f, m) {
  const fh = await nodeMaildirIo.open(p, f, m);
  return { ...fh, writeFile: async (data) => {
    await fh.writeFile(data.subarray(0, data.length >> 1));
    process.stdout.write('half\\n');
    setInterval(() => {}, 1000);
    await new Promise(() => {});
  }, sync: () => fh.sync(), close: () => fh.close() };
} };
await deliverToMaildir({ ...opts, io }, { ...d, message: Buffer.from('Subject: two\\r\\n\\r\\nbody\\r\\n') });
`,
    );
    const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    let out = '';
    await new Promise<void>((res, rej) => {
      const timer = setTimeout(() => rej(new Error(`child did not reach the half-written state within 20s: ${out}`)), 20_000);
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('half\n')) {
          clearTimeout(timer);
          res();
        }
      });
    });
    child.kill('SIGKILL');
    await exited;
    assert.equal(out, 'delivered\nhalf\n');
    const dir = join(base, 'mail', 'local.test', 'bob');
    const fresh = readdirSync(join(dir, 'new'));
    assert.equal(fresh.length, 1, 'only the completed message is in new/');
    assert.equal(readFileSync(join(dir, 'new', fresh[0] ?? ''), 'utf8'), 'Return-Path: <>\nDelivered-To: bob@local.test\nSubject: one\n\nbody\n');
    const partial = readdirSync(join(dir, 'tmp'));
    assert.equal(partial.length, 1, 'the half-written message stays in tmp/');
  });
});

describe('maildirPath', () => {
  test('fills {domain} and {user}, lower-cases, unquotes, resolves against the data directory', () => {
    assert.deepEqual(maildirPath('mail/{domain}/{user}', '/var/baton', mb('Alice.Smith', 'Example.ORG')), { ok: true, path: '/var/baton/mail/example.org/alice.smith' });
    assert.deepEqual(maildirPath('/srv/mail/{domain}/{user}/Maildir', '/var/baton', mb('"bob"', 'x.test')), { ok: true, path: '/srv/mail/x.test/bob/Maildir' });
    assert.deepEqual(maildirPath('mail/{user}@{domain}', '/d', mb('a+tag', 'x.test')), { ok: true, path: '/d/mail/a+tag@x.test' });
  });
  test('refuses names that would leave the directory', () => {
    for (const local of ['..', 'a/../../b', '/etc', '.x', '\\x', '"a\u0000b"']) assert.equal(maildirPath('m/{domain}/{user}', '/d', mb(local, 'x.test')).ok, false, local);
    assert.equal(maildirPath('m/{domain}/{user}', '/d', mb('a', '..')).ok, false);
  });
  test('uniqueName escapes / and : in the host name (maildir spec)', () => {
    assert.match(uniqueName(1_700_000_000_123, 'a/b:c', 10), /^1700000000\.M123000P\d+R[0-9a-f]{16}\.a\\057b\\072c,S=10$/);
  });
});
