import type { DkimAlgorithm, DkimKeyRecord } from './dkim-key-store.js';
import type { Publication } from './dkim-record.js';

/**
 * The staged rotation (docs/deliverability.md#rotation) as a pure function:
 * from the stored keys, what DNS says about the pending ones, and the time,
 * the steps to take now. The publication checker carries them out.
 *
 *   pending-dns --(DNS publishes exactly this key)--> active
 *   active      --(a newer key of its algorithm became active)--> retiring
 *   retiring    --(retireAfter elapsed)--> retired
 *
 * A pending key whose record is missing, wrong or unknown stays pending: a
 * key DNS does not publish would make every signature fail, so the old key
 * keeps signing.
 */
export type RotationStep =
  | { readonly kind: 'activate'; readonly domain: string; readonly selector: string }
  | { readonly kind: 'retire'; readonly domain: string; readonly selector: string }
  /** Start a rotation: the active key is older than `rotateEvery` and none is under way. */
  | { readonly kind: 'rotate'; readonly domain: string; readonly algorithm: DkimAlgorithm };

export interface RotationPolicy {
  readonly retireAfterMs: number;
  /** Absent: rotations start only by hand. */
  readonly rotateEveryMs?: number;
}

/** `keys` oldest first (as the store lists them); `published` answers for pending keys. */
export function rotationSteps(
  keys: readonly DkimKeyRecord[],
  published: (key: DkimKeyRecord) => Publication | undefined,
  now: number,
  policy: RotationPolicy,
): RotationStep[] {
  const steps: RotationStep[] = [];
  for (const group of groupByDomainAndAlgorithm(keys)) {
    let newestPublished: DkimKeyRecord | undefined;
    let pending = false;
    let dueForRotation: DkimKeyRecord | undefined;
    for (const key of group) {
      switch (key.state) {
        case 'pending-dns':
          pending = true;
          if (published(key)?.status === 'published') newestPublished = key;
          break;
        case 'active':
          if (policy.rotateEveryMs !== undefined && now - key.stateSince >= policy.rotateEveryMs) dueForRotation = key;
          break;
        case 'retiring':
          if (now - key.stateSince >= policy.retireAfterMs) steps.push({ kind: 'retire', domain: key.domain, selector: key.selector });
          break;
        case 'retired':
          break;
      }
    }
    if (newestPublished) steps.push({ kind: 'activate', domain: newestPublished.domain, selector: newestPublished.selector });
    else if (dueForRotation && !pending) steps.push({ kind: 'rotate', domain: dueForRotation.domain, algorithm: dueForRotation.algorithm });
  }
  return steps;
}

function groupByDomainAndAlgorithm(keys: readonly DkimKeyRecord[]): DkimKeyRecord[][] {
  const groups = new Map<string, DkimKeyRecord[]>();
  for (const k of keys) {
    const id = `${k.domain} ${k.algorithm}`;
    const g = groups.get(id);
    if (g) g.push(k);
    else groups.set(id, [k]);
  }
  return [...groups.values()];
}
