import type { BatonEvent } from '../../events/index.js';
import type { ClaimOptions, RecipientUpdate } from '../store.js';

/** Messages between the store (main thread) and its writer worker. */

export interface EnqueueRecipient {
  readonly local: string;
  readonly domain: string;
  readonly notify: string | null;
  readonly orcpt: string | null;
}

export type WriteRequest =
  | {
      readonly op: 'enqueue';
      readonly id: string;
      readonly sender: string | null;
      readonly params: string;
      readonly origin: string;
      /** A private copy, transferred (not cloned) to the worker. */
      readonly body: Uint8Array;
      readonly receivedAt: number;
      readonly expiresAt: number;
      readonly firstAttemptAt: number;
      readonly recipients: readonly EnqueueRecipient[];
      /** Insert the message held (EnqueueRequest.held). */
      readonly held?: boolean;
      /** Lease the recipients to this owner until `until` (enqueueClaimed); the reply is then the row ids. */
      readonly lease?: { readonly owner: string; readonly until: number };
      readonly events?: readonly BatonEvent[];
      /** EnqueueRequest.sendLog. */
      readonly sendLog?: { readonly scope: string; readonly key: string };
    }
  | ({ readonly op: 'claim' } & ClaimOptions)
  | { readonly op: 'renew'; readonly rowIds: readonly number[]; readonly owner: string; readonly now: number; readonly leaseMs: number }
  | { readonly op: 'record'; readonly updates: readonly RecipientUpdate[]; readonly owner: string; readonly now: number }
  | { readonly op: 'release-leases'; readonly rowIds: readonly number[]; readonly owner: string; readonly now: number }
  | { readonly op: 'release-owners'; readonly owners: readonly string[] }
  | { readonly op: 'delete'; readonly id: string; readonly events: readonly BatonEvent[] }
  | { readonly op: 'hold'; readonly id: string; readonly held: boolean; readonly now: number; readonly events: readonly BatonEvent[] }
  | { readonly op: 'append-events'; readonly events: readonly BatonEvent[] }
  | { readonly op: 'prune-events'; readonly before: number }
  | {
      readonly op: 'retry';
      readonly target: { readonly id: string } | { readonly domain: string } | { readonly all: true };
      readonly now: number;
    };

export interface RequestMessage {
  readonly seq: number;
  readonly req: WriteRequest;
}

export type ReplyMessage =
  | { readonly seq: number; readonly ok: true; readonly value: unknown }
  | { readonly seq: number; readonly ok: false; readonly message: string; readonly code?: string };

/** Worker → main thread. */
export type WorkerMessage =
  | { readonly type: 'ready' }
  | { readonly type: 'fatal'; readonly message: string }
  | { readonly type: 'replies'; readonly replies: readonly ReplyMessage[] };

/** Main thread → worker. */
export type MainMessage = { readonly type: 'requests'; readonly requests: readonly RequestMessage[] } | { readonly type: 'close' };
