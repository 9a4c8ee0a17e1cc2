import { applyHeaderEdits, type HeaderEdits, type MessageParts } from '../../core/index.js';
import type { MessageSummary, RecipientRow } from '../../queue/index.js';
import type { Route } from '../route.js';

/** What an outbound transform sees: the message as the transforms before it left it. */
export interface OutboundView {
  readonly message: MessageSummary;
  readonly recipients: readonly RecipientRow[];
  readonly route: Route;
  /** The message with the earlier transforms' edits applied (slices of the stored bytes). */
  readonly parts: MessageParts;
}

/**
 * A change to the message on its way out (DESIGN §9 Transform): header fields
 * added or replaced per attempt, never stored, the body never copied. DKIM
 * signing will be the last one, so that it signs what is sent.
 */
export interface OutboundTransform {
  readonly name: string;
  edit(view: OutboundView): HeaderEdits | Promise<HeaderEdits>;
  /** Edits that differ per recipient (List-Unsubscribe): the engine sends this message one recipient per transaction. */
  perRecipient?(message: MessageSummary): boolean;
}

/** The configured outbound transforms, in order; with none, the stored bytes go out as they are. */
export class OutboundTransforms {
  private readonly perRecipientTests: readonly ((message: MessageSummary) => boolean)[];

  constructor(private readonly list: readonly OutboundTransform[]) {
    this.perRecipientTests = list.flatMap((t) => (t.perRecipient ? [t.perRecipient.bind(t)] : []));
  }

  /** Must each recipient of this message get its own copy? */
  perRecipient(message: MessageSummary): boolean {
    return this.perRecipientTests.some((test) => test(message));
  }

  /** Synchronous when there is no transform: no promise on the hot path of plain relaying. */
  apply(view: Omit<OutboundView, 'parts'>, stored: Buffer): MessageParts | Promise<MessageParts> {
    if (this.list.length === 0) return [stored];
    return this.edit(view, stored);
  }

  private async edit(view: Omit<OutboundView, 'parts'>, stored: Buffer): Promise<MessageParts> {
    let parts: MessageParts = [stored];
    const edits: HeaderEdits[] = [];
    for (const transform of this.list) {
      edits.push(await transform.edit({ ...view, parts }));
      parts = applyHeaderEdits(stored, edits);
    }
    return parts;
  }
}
