import { splitHostPort, type Config } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { ConnectionPool } from './connection-pool.js';
import { deliverToMaildir } from './local/maildir.js';
import { classify, type Outcome } from './outcome.js';
import type { DeliveryJob, RecipientVerdict } from './remote-delivery.js';
import type { ConnectOptions } from './smtp-client.js';

export interface LocalDeliveryDeps {
  readonly config: Config;
  readonly pool: ConnectionPool;
  readonly logger: Logger;
}

/** Where local mail goes when the config names neither Maildir nor LMTP. */
export const DEFAULT_MAILDIR = 'mail/{domain}/{user}';

/**
 * Final delivery for recipients of `localDomains` (DESIGN §3 step 10): to a
 * Maildir per recipient, or over LMTP (RFC 2033) to a mailbox server such as
 * Dovecot, which answers for each recipient after the data.
 */
export async function deliverLocal(job: DeliveryJob, body: Buffer, deps: LocalDeliveryDeps): Promise<RecipientVerdict[]> {
  const { local } = deps.config;
  if (local.lmtp) return deliverLmtp(job, body, local.lmtp, deps);
  const verdicts: RecipientVerdict[] = [];
  for (const row of job.recipients) {
    const result = await deliverToMaildir(
      { template: local.maildir ?? DEFAULT_MAILDIR, baseDir: deps.config.dataDir, hostname: deps.config.hostname },
      { sender: job.message.envelope.mailFrom, recipient: row.address, message: body },
    );
    const outcome: Outcome =
      result.verdict === 'delivered'
        ? { verdict: 'delivered', scope: 'recipient', stage: 'dot', reply: result.reply }
        : { verdict: result.verdict, scope: 'recipient', stage: 'dot', reply: result.reply, error: result.error };
    verdicts.push({ row, outcome, remoteMta: 'maildir' });
  }
  return verdicts;
}

async function deliverLmtp(job: DeliveryJob, body: Buffer, address: string, deps: LocalDeliveryDeps): Promise<RecipientVerdict[]> {
  const { host, port } = splitHostPort(address) as { host: string; port: number };
  const options: ConnectOptions = {
    host,
    ip: host,
    port,
    heloName: deps.config.delivery.heloName ?? deps.config.hostname,
    connectTimeout: deps.config.delivery.connectTimeout,
    commandTimeout: deps.config.delivery.commandTimeout,
    // LMTP runs on a trusted local link (RFC 2033 §1: not for use over the open internet).
    tls: 'none',
    lmtp: true,
    log: deps.logger,
  };
  const conn = await deps.pool.acquire(options);
  if (!conn.ok) {
    const c = classify(conn.failure);
    const outcome: Outcome = c.verdict === 'continue' ? { verdict: 'deferred', scope: 'site', stage: 'connect', error: 'LMTP connection failed' } : c;
    // A mailbox server that refuses us is a local problem: never bounce for it.
    const deferred: Outcome = outcome.verdict === 'bounced' ? { ...outcome, verdict: 'deferred' } : outcome;
    return job.recipients.map((row) => ({ row, outcome: deferred, remoteMta: address }));
  }
  const result = await conn.connection.send({
    mailFrom: job.message.envelope.mailFrom,
    recipients: job.recipients.map((r) => ({ address: r.address })),
    params: job.message.envelope.params,
    message: body,
  });
  deps.pool.release(options, conn.connection, result.reusable);
  return job.recipients.map((row, i) => {
    const r = result.recipients[i];
    const c = r ? classify(r.result) : undefined;
    const outcome: Outcome =
      c && c.verdict !== 'continue' ? c : { verdict: 'deferred', scope: 'connection', stage: 'dot', error: 'no LMTP reply for this recipient' };
    return { row, outcome, remoteMta: address };
  });
}
