import type { MessageParts } from '../../core/index.js';
import type { DeliveryJob, RecipientVerdict } from '../job.js';
import { deliverToMaildir } from '../local/maildir.js';
import type { Outcome } from '../outcome.js';
import type { Transport } from './transport.js';

export interface MaildirTransportDeps {
  /** The data directory (config `dataDir`): relative templates start there. */
  readonly baseDir: string;
  readonly hostname: string;
}

/** Final delivery for `localDomains` into a Maildir per recipient (DESIGN §3 step 10). */
export class MaildirTransport implements Transport {
  constructor(private readonly deps: MaildirTransportDeps) {}

  async send(job: DeliveryJob, message: MessageParts): Promise<RecipientVerdict[]> {
    const route = job.route;
    if (route.kind !== 'maildir') throw new Error(`the Maildir transport cannot deliver on a ${route.kind} route`);
    // The file is written with LF line ends, a copy anyway: parts can be joined first.
    const bytes = message.length === 1 ? (message[0] as Buffer) : Buffer.concat(message);
    const verdicts: RecipientVerdict[] = [];
    for (const row of job.recipients) {
      const result = await deliverToMaildir(
        { template: route.template, baseDir: this.deps.baseDir, hostname: this.deps.hostname },
        { sender: job.message.envelope.mailFrom, recipient: row.address, message: bytes },
      );
      const outcome: Outcome =
        result.verdict === 'delivered'
          ? { verdict: 'delivered', scope: 'recipient', stage: 'dot', reply: result.reply }
          : { verdict: result.verdict, scope: 'recipient', stage: 'dot', reply: result.reply, error: result.error };
      verdicts.push({ row, outcome, remoteMta: 'maildir' });
    }
    return verdicts;
  }
}
