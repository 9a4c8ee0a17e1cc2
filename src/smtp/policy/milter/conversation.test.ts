import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cstr, packet, PacketReader, uint32, type RawPacket } from './codec.js';
import { MilterConnection } from './connection.js';
import { converse, type MilterTransaction } from './conversation.js';
import { Action, Proto } from './protocol.js';

/**
 * The conversation against a scripted milter (a unit test: the real one,
 * OpenDKIM, is in test/e2e/accept-milter.test.ts). The script answers each
 * command it receives; the test checks what Baton sent.
 */

const TX: MilterTransaction = {
  macros: { C: [['j', 'mx.test']], H: [], M: [['{mail_addr}', 'a@b.test']], R: [], E: [] },
  client: { name: '[192.0.2.1]', family: '4', port: 2525, address: '192.0.2.1' },
  helo: 'client.test',
  mail: ['<a@b.test>', 'BODY=8BITMIME'],
  rcpts: [['<r1@c.test>'], ['<r2@c.test>']],
  headers: [['Subject', 'hi'], ['From', 'a@b.test']],
  body: Buffer.alloc(70_000, 'x'),
};

type Script = (cmd: RawPacket, send: (p: Buffer) => void) => void;

async function withMilter(script: Script, run: (conn: MilterConnection, seen: RawPacket[]) => Promise<void>): Promise<void> {
  const path = join(await mkdtemp(join(tmpdir(), 'milter-unit-')), 's');
  const seen: RawPacket[] = [];
  const sockets: Socket[] = [];
  const server: Server = createServer((s) => {
    sockets.push(s);
    const reader = new PacketReader();
    s.on('data', (d: Buffer) => {
      for (const p of reader.push(d)) {
        seen.push(p);
        // Macros get no reply (libmilter); the scripts answer the rest.
        if (p.cmd !== 'D') script(p, (out) => s.write(out));
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  const conn = await MilterConnection.open(`unix:${path}`, 2000);
  try {
    await run(conn, seen);
  } finally {
    conn.close();
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
}

const optneg = (actions: number, protocol: number) => packet('O', uint32(6), uint32(actions), uint32(protocol));

test('the whole transaction is replayed in order; body in chunks of at most 65535 bytes; edits then the verdict at end of message', async () => {
  await withMilter(
    (p, send) => {
      if (p.cmd === 'O') send(optneg(Action.addHeaders, 0));
      else if (p.cmd === 'E') {
        send(packet('p'));
        send(packet('h', cstr('X-Milter'), cstr('yes')));
        send(packet('c'));
      } else send(packet('c'));
    },
    async (conn, seen) => {
      const r = await converse(conn, TX, 2000);
      assert.deepEqual(r, { verdict: { kind: 'continue' }, stage: 'eom', edits: [{ kind: 'addheader', name: 'X-Milter', value: 'yes' }] });
      assert.deepEqual(seen.map((p) => p.cmd).join(''), 'ODCHDMRRTLLNBBE');
      const connect = seen[2]?.data as Buffer;
      assert.deepEqual(connect, Buffer.concat([cstr('[192.0.2.1]'), Buffer.from('4'), Buffer.from([0x09, 0xdd]), cstr('192.0.2.1')]));
      assert.deepEqual(seen[4]?.data, Buffer.from('{mail_addr}\0a@b.test\0'.replace(/^/, 'M'), 'latin1'));
      assert.deepEqual(seen.filter((p) => p.cmd === 'B').map((p) => p.data.length), [65535, 70_000 - 65535]);
    },
  );
});

test('steps the milter opts out of (NO_*) are not sent, and NR_* steps are not waited for; SKIP ends the body', async () => {
  await withMilter(
    (p, send) => {
      if (p.cmd === 'O') send(optneg(0, Proto.noConnect | Proto.noHelo | Proto.noReplyMail | Proto.noRcpt | Proto.noHeaders | Proto.skip));
      else if (p.cmd === 'B') send(packet('s'));
      else if (['T', 'N', 'E'].includes(p.cmd)) send(packet('c'));
    },
    async (conn, seen) => {
      const r = await converse(conn, TX, 2000);
      assert.equal(r.verdict.kind, 'continue');
      assert.deepEqual(seen.map((p) => p.cmd).join(''), 'ODMTNBE');
    },
  );
});

test('a reject at RCPT ends the conversation there; a milter asking for actions Baton does not offer is refused', async () => {
  await withMilter(
    (p, send) => send(p.cmd === 'O' ? optneg(0, 0) : p.cmd === 'R' ? packet('y', cstr('550 5.1.1 no such user')) : packet('c')),
    async (conn) => {
      const r = await converse(conn, TX, 2000);
      assert.deepEqual(r, { verdict: { kind: 'replycode', code: 550, status: '5.1.1', lines: ['no such user'] }, stage: 'rcpt', edits: [] });
    },
  );
  await withMilter(
    (p, send) => send(p.cmd === 'O' ? optneg(Action.changeBody | Action.addHeaders, 0) : packet('c')),
    async (conn) => {
      await assert.rejects(converse(conn, TX, 2000), /wants actions 0x3/);
    },
  );
});

test('a silent milter times out; a modification before end of message is a protocol error', async () => {
  await withMilter(
    (p, send) => { if (p.cmd === 'O') send(optneg(0, 0)); },
    async (conn) => {
      await assert.rejects(converse(conn, TX, 200), /no reply within 200 ms/);
    },
  );
  await withMilter(
    (p, send) => send(p.cmd === 'O' ? optneg(Action.addHeaders, 0) : p.cmd === 'M' ? packet('h', cstr('X'), cstr('1')) : packet('c')),
    async (conn) => {
      await assert.rejects(converse(conn, TX, 2000), /unexpected addheader reply at mail/);
    },
  );
});

test('inet:host:port sockets connect over TCP; a bad target is a clear error', async () => {
  const server = createServer((s) => {
    const reader = new PacketReader();
    s.on('data', (d: Buffer) => {
      for (const p of reader.push(d)) if (p.cmd !== 'D') s.write(p.cmd === 'O' ? optneg(0, 0) : packet('a'));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const conn = await MilterConnection.open(`inet:127.0.0.1:${port}`, 2000);
  try {
    assert.deepEqual(await converse(conn, TX, 2000), { verdict: { kind: 'accept' }, stage: 'connect', edits: [] });
  } finally {
    conn.close();
    server.close();
  }
  assert.throws(() => MilterConnection.open('inet:nohost', 2000), /not "inet:host:port"/);
});
