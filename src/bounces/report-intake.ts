import { newQueueId, type Clock, type QueueId } from '../core/index.js';
import type { Intake, Submission } from '../intake/index.js';
import type { ReportAddresses, ReportTarget } from './report-addresses.js';
import type { ReportProcessor } from './report-processor.js';

/**
 * The seam where reports leave the mail flow (docs/deliverability.md
 * "Return path (VERP)"): an Intake in front of the queue's. Recipients that
 * are report addresses (the bounce domain, `complaints.addresses`) are not
 * queued: the message is processed for them (events, suppressions) before
 * `submit` resolves, so the session answers 250 only once that is durable,
 * and a failure there is our problem (451 4.3.0, the sender tries again),
 * never a bounce. The message's other recipients, if any, are queued as usual.
 *
 * Why here and not as a transport after queueing: a report is consumed, not
 * delivered, and it is small; processing it in the session costs one parse
 * and two commits, keeps no copy of mail addressed only to a machine, and
 * needs no queue routing by address (the engine routes by domain).
 */
export class ReportIntake implements Intake {
  constructor(
    private readonly inner: Intake,
    private readonly addresses: ReportAddresses,
    private readonly processor: ReportProcessor,
    private readonly clock: Clock,
  ) {}

  async submit(sub: Submission): Promise<QueueId> {
    if (this.addresses.empty) return this.inner.submit(sub);
    const targets: ReportTarget[] = [];
    const rest: Submission['recipients'][number][] = [];
    for (const r of sub.recipients) {
      const target = this.addresses.target(r.address);
      if (target) targets.push(target);
      else rest.push(r);
    }
    if (targets.length === 0) return this.inner.submit(sub);
    await this.processor.process({ content: sub.content, targets, ...(sub.origin.clientIp ? { clientIp: sub.origin.clientIp } : {}) });
    if (rest.length > 0) return this.inner.submit({ ...sub, recipients: rest });
    // Nothing was queued: the id names this report in the session's reply and log only.
    return newQueueId(this.clock);
  }
}
