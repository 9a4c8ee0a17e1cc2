import type { EventStore } from '../events/index.js';
import type { QueueStore } from '../queue/index.js';
import type { UserStore } from '../users/index.js';

export interface ReleaseUserStores {
  readonly queue: QueueStore;
  readonly events: EventStore;
  readonly users: Pick<UserStore, 'getUser' | 'updateSettings'>;
}

export interface ReleasedUser {
  readonly released: number;
  /** The user was contained, and is no longer. */
  readonly lifted: boolean;
}

/**
 * `baton queue release --user NAME` (docs/deliverability.md#containment):
 * lift the user's containment first, so its next message is no longer held,
 * then release every held message it sent, then record `containment-lifted`.
 * The lift forgives the evidence of this hour and day (containment-model.ts).
 * A message whose containment check ran just before the lift and that is
 * queued after the listing below stays held: run the command again.
 */
export async function releaseUser(stores: ReleaseUserStores, name: string, now: number): Promise<ReleasedUser> {
  const user = await stores.users.getUser(name);
  if (!user) throw new Error(`no user ${name} (see "baton user list")`);
  const lifted = user.settings.contained !== undefined;
  // Only a real lift forgives the window's evidence; releasing a user who was not contained changes nothing else.
  if (lifted) await stores.users.updateSettings(name, { contained: null, containmentLiftedAt: now });
  let released = 0;
  for (const m of await stores.queue.list({ held: true })) {
    if (m.origin.user === name && (await stores.queue.release(m.id))) released++;
  }
  if (lifted || released > 0) await stores.events.append([{ type: 'containment-lifted', at: now, user: name, released }]);
  return { released, lifted };
}
