import dgram from 'node:dgram';
import net from 'node:net';
import type { DnsServer } from './servers.js';

/**
 * One query, one reply, over UDP or TCP (RFC 1035 §4.2). `accept` turns a reply into
 * a value, or undefined for one that is not the answer to our query. Failures reject
 * with an Error whose `code` says why (ETIMEOUT, ECONNREFUSED, EBADRESP ...).
 */
export type Accept<T> = (reply: Buffer) => T | undefined;

export function transportError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * UDP: a fresh socket per query, so the kernel picks a random source port (RFC 5452
 * §9.2), connected to the server so datagrams from any other address are dropped.
 * A datagram that `accept` refuses (wrong id or question: a spoof or a stale reply)
 * is ignored and we keep waiting for the real one until the timeout.
 */
export function udpExchange<T>(server: DnsServer, query: Buffer, timeoutMs: number, accept: Accept<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = dgram.createSocket(server.family === 6 ? 'udp6' : 'udp4');
    let done = false;
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      try {
        socket.close();
      } catch {
        // already closed by an error: nothing to release
      }
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(transportError('ETIMEOUT', `no answer from ${where(server)} over UDP in ${timeoutMs} ms`)), timeoutMs);
    socket.on('error', (err) => finish(err));
    socket.on('message', (reply) => {
      const value = accept(reply);
      if (value !== undefined) finish(undefined, value);
    });
    socket.connect(server.port, server.host, () => {
      socket.send(query, (err) => {
        if (err) finish(err);
      });
    });
  });
}

/**
 * TCP (RFC 7766 §8): the message behind a two-byte length, one query per connection.
 * Over a connection a reply that is not ours is a broken server, not a spoof: fail.
 */
export function tcpExchange<T>(server: DnsServer, query: Buffer, timeoutMs: number, accept: Accept<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let done = false;
    let received = Buffer.alloc(0);
    const finish = (err: Error | undefined, value?: T) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as T);
    };
    const timer = setTimeout(() => finish(transportError('ETIMEOUT', `no answer from ${where(server)} over TCP in ${timeoutMs} ms`)), timeoutMs);
    socket.setNoDelay(true);
    socket.on('error', (err) => finish(err));
    socket.on('close', () => finish(transportError('EBADRESP', `${where(server)} closed the TCP connection before answering`)));
    socket.on('connect', () => {
      const length = Buffer.alloc(2);
      length.writeUInt16BE(query.length);
      socket.write(Buffer.concat([length, query]));
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 2) return;
      const size = received.readUInt16BE(0);
      if (received.length < 2 + size) return;
      const value = accept(received.subarray(2, 2 + size));
      if (value === undefined) finish(transportError('EBADRESP', `${where(server)} sent a TCP reply that does not match the query`));
      else finish(undefined, value);
    });
  });
}

function where(server: DnsServer): string {
  return server.family === 6 ? `[${server.host}]:${server.port}` : `${server.host}:${server.port}`;
}
