import dgram from 'node:dgram';
import net from 'node:net';
import * as packet from 'dns-packet';

/**
 * A scripted DNS server for tests: on 127.0.0.1 it
 * answers UDP and TCP on one port with whatever the test's script says, so the
 * client's handling of truncation, spoofed ids and odd RCODEs can be driven exactly.
 *
 *   const srv = await startScriptedDnsServer((q, via) => [answer(q, { answers: [...] })]);
 *   // srv.server === '127.0.0.1:PORT'; srv.queries lists what arrived
 */

export type Via = 'udp' | 'tcp';
export type DecodedQuery = packet.DecodedPacket;
/** The replies to send, in order (over TCP only the first); [] = stay silent. */
export type Script = (query: DecodedQuery, via: Via) => packet.Packet[];

export interface ScriptedDnsServer {
  readonly server: string;
  readonly queries: { readonly via: Via; readonly query: DecodedQuery }[];
  stop(): Promise<void>;
}

/** A response to `q` echoing its id and question; `extra` overrides any field. */
export function answer(q: DecodedQuery, extra: Partial<packet.Packet> = {}): packet.Packet {
  return { type: 'response', id: q.id ?? 0, flags: packet.RECURSION_AVAILABLE, questions: q.questions ?? [], ...extra };
}

/** RCODE into the header flags (RFC 1035 §4.1.1), beside any other flags. */
export function withRcode(rcode: number, flags = packet.RECURSION_AVAILABLE): number {
  return flags | (rcode & 0xf);
}

export async function startScriptedDnsServer(script: Script): Promise<ScriptedDnsServer> {
  // The kernel picks a free UDP port; the same TCP port may be taken: try again.
  for (let attempt = 0; attempt < 5; attempt++) {
    const started = await tryStart(script);
    if (started) return started;
  }
  throw new Error('scripted DNS server: no port free for both UDP and TCP');
}

async function tryStart(script: Script): Promise<ScriptedDnsServer | undefined> {
  const queries: { via: Via; query: DecodedQuery }[] = [];
  const udp = dgram.createSocket('udp4');
  udp.on('message', (msg, rinfo) => {
    const query = packet.decode(msg);
    queries.push({ via: 'udp', query });
    for (const reply of script(query, 'udp')) udp.send(packet.encode(reply), rinfo.port, rinfo.address);
  });
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  const port = udp.address().port;
  const tcp = net.createServer((socket) => {
    let buf = Buffer.alloc(0);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 2 || buf.length < 2 + buf.readUInt16BE(0)) return;
      const query = packet.decode(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      queries.push({ via: 'tcp', query });
      const reply = script(query, 'tcp')[0];
      if (reply) socket.end(packet.streamEncode(reply));
      else socket.destroy();
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, '127.0.0.1', resolve);
    });
  } catch {
    udp.close();
    return undefined;
  }
  return {
    server: `127.0.0.1:${port}`,
    queries,
    stop: async () => {
      await new Promise<void>((resolve) => udp.close(() => resolve()));
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
    },
  };
}
