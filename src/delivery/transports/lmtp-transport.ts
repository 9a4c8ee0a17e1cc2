import type { MessageParts } from '../../core/index.js';
import type { Logger } from '../../log/index.js';
import type { ConnectionPool } from '../connection-pool.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import type { Outcome } from '../outcome.js';
import type { ConnectOptions } from '../smtp-client.js';
import { sendOnPool } from './pooled-send.js';
import type { Transport } from './transport.js';

export interface LmtpTransportDeps {
  readonly pool: ConnectionPool;
  readonly logger: Logger;
  readonly heloName: string;
  readonly connectTimeout: number;
  readonly commandTimeout: number;
}

/**
 * Final delivery to a mailbox server over LMTP (RFC 2033), such as Dovecot,
 * which answers for each recipient after the data. Same transaction code as
 * SMTP (client/transaction.ts), with LHLO and per-recipient replies.
 */
export class LmtpTransport implements Transport {
  constructor(private readonly deps: LmtpTransportDeps) {}

  async send(job: DeliveryJob, message: MessageParts): Promise<RecipientVerdict[]> {
    const route = job.route;
    if (route.kind !== 'lmtp') throw new Error(`the LMTP transport cannot send on a ${route.kind} route`);
    const address = `${route.host}:${route.port}`;
    const options: ConnectOptions = {
      host: route.host,
      ip: route.host,
      port: route.port,
      heloName: this.deps.heloName,
      connectTimeout: this.deps.connectTimeout,
      commandTimeout: this.deps.commandTimeout,
      // LMTP runs on a trusted local link (RFC 2033 §1: not for use over the open internet).
      tls: 'none',
      lmtp: true,
      log: this.deps.logger,
    };
    const tried = await sendOnPool(this.deps.pool, options, job, message);
    if (tried.kind === 'sent') return tried.outcomes.map((o) => ({ ...o, remoteMta: address }));
    // A mailbox server that refuses us is a local problem: never bounce for it.
    const outcome: Outcome = tried.failure.verdict === 'bounced' ? { ...tried.failure, verdict: 'deferred' } : tried.failure;
    return job.recipients.map((row) => ({ row, outcome, remoteMta: address }));
  }
}
