import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { badName, decodeReply, encodeQuery, type DnsMessage, type Question } from './message.js';
import type { DnsServer } from './servers.js';
import { tcpExchange, udpExchange } from './transport.js';
import type { DnsFailure, RecordType } from './types.js';

/**
 * A stub resolver client (RFC 1035 §7): asks the configured recursive resolvers one
 * question, over UDP with EDNS0, over TCP when the answer was truncated, retrying
 * across servers within one time budget. Only NOERROR and NXDOMAIN are answers;
 * everything else is a temporary failure, never a reason to bounce mail.
 */

export type QueryOutcome = { readonly ok: true; readonly message: DnsMessage } | { readonly ok: false; readonly error: DnsFailure };

/** The seam between the cache and the network; unit tests pass a fake. */
export interface DnsQuerier {
  /** `name` is normalised (lower case, no trailing dot). */
  query(name: string, type: RecordType): Promise<QueryOutcome>;
}

export interface ClientOptions {
  /** In order of preference; the first is asked first (as resolv.conf's nameservers). */
  readonly servers: readonly DnsServer[];
  /** Budget for one lookup in ms, all tries together (config `dns.timeout`). */
  readonly timeout: number;
}

/** No try waits less than this: a reply from a resolver on the LAN takes a few ms. */
const MIN_TRY_MS = 50;

export class DnsClient implements DnsQuerier {
  private readonly servers: readonly DnsServer[];
  private readonly timeout: number;

  constructor(opts: ClientOptions) {
    if (opts.servers.length === 0) throw new Error('DnsClient needs at least one server');
    this.servers = opts.servers;
    this.timeout = opts.timeout;
  }

  async query(name: string, type: RecordType): Promise<QueryOutcome> {
    const bad = badName(name);
    // A name that cannot exist in the DNS is as final as NXDOMAIN (c-ares' EBADNAME).
    if (bad) return failure('nxdomain', 'EBADNAME', `${name}: ${bad}`);
    // Wall time, not the injected Clock: this bounds real waiting on sockets.
    const deadline = performance.now() + this.timeout;
    // Two tries at least (one lost datagram is not an outage), each server once at
    // least; a silent server costs half the budget, a quick SERVFAIL almost nothing.
    const tries = Math.max(2, this.servers.length);
    const perTry = Math.max(MIN_TRY_MS, this.timeout / 2);
    let last: QueryOutcome = failure('temporary', 'ETIMEOUT', `${type} ${name}: no server answered in ${this.timeout} ms`);
    for (let i = 0; i < tries; i++) {
      const left = deadline - performance.now();
      if (left < 1) break;
      const server = this.servers[i % this.servers.length] as DnsServer;
      last = await this.ask(server, { id: randomInt(0x10000), name, type }, Math.ceil(Math.min(perTry, left)), deadline);
      if (last.ok) return last;
    }
    return last;
  }

  private async ask(server: DnsServer, q: Question, tryMs: number, deadline: number): Promise<QueryOutcome> {
    const query = encodeQuery(q);
    const accept = (reply: Buffer) => decodeReply(reply, q);
    let message: DnsMessage;
    try {
      message = await udpExchange(server, query, tryMs, accept);
      if (message.truncated) {
        // RFC 7766 §5: a truncated answer is asked again over TCP, same id and question.
        const tcpMs = Math.max(MIN_TRY_MS, Math.min(tryMs, deadline - performance.now()));
        message = await tcpExchange(server, query, Math.ceil(tcpMs), accept);
      }
    } catch (err) {
      const code = typeof (err as { code?: unknown }).code === 'string' ? (err as { code: string }).code : 'EUNKNOWN';
      return failure('temporary', code, `${q.type} ${q.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
    switch (message.rcode) {
      case 'NOERROR':
      case 'NXDOMAIN':
        return { ok: true, message };
      default:
        // SERVFAIL (also what a validating resolver says for bogus DNSSEC data),
        // REFUSED, FORMERR, NOTIMP and anything newer: try elsewhere, then defer.
        return failure('temporary', message.rcode, `${q.type} ${q.name}: the server answered ${message.rcode}`);
    }
  }
}

function failure(kind: DnsFailure['kind'], code: string, message: string): QueryOutcome {
  return { ok: false, error: { kind, code, message } };
}
