/** The API's flow shapes (issue 15, part D: tag `flows`). Times are ms epoch. */
import type { SegmentFilter } from '../segments/types';

export type FlowTrigger =
  | { readonly type: 'list-joined'; readonly list: number }
  | { readonly type: 'attribute-changed'; readonly attr: string; readonly value?: unknown }
  | { readonly type: 'event'; readonly name: string };

export type FlowStep =
  | { readonly type: 'wait'; readonly duration: string }
  | { readonly type: 'send'; readonly template: number; readonly from: string; readonly stream?: string }
  | { readonly type: 'branch'; readonly if: SegmentFilter; readonly then: readonly FlowStep[]; readonly else: readonly FlowStep[] }
  | { readonly type: 'update'; readonly attr: string; readonly value: unknown }
  | { readonly type: 'exit' };

export type RunState = 'waiting' | 'running' | 'completed' | 'exited';

export interface FlowView {
  readonly id: number;
  readonly name: string;
  readonly trigger: FlowTrigger;
  readonly steps: readonly FlowStep[];
  readonly active: boolean;
  /** The API key whose identity, domains and quotas the flow's mail goes out under. */
  readonly apiKey?: string;
  readonly counts: { readonly running: number; readonly waiting: number; readonly completed: number; readonly exited: number };
  readonly createdAt: number;
  readonly updatedAt: number;
}

export interface FlowRun {
  readonly id: number;
  readonly contact: number;
  readonly address: string;
  /** Where the contact is in the steps (a step index, or a path into branches). */
  readonly position: unknown;
  readonly state: RunState;
  readonly nextAt?: number | null;
  readonly exitReason?: string | null;
  readonly startedAt: number;
}

/** "joins list 3", "attribute plan changes to pro", "event signed-up". */
export function triggerText(t: FlowTrigger): string {
  switch (t.type) {
    case 'list-joined':
      return `Joins list ${t.list}`;
    case 'attribute-changed':
      return `Attribute ${t.attr} changes${t.value !== undefined ? ` to ${JSON.stringify(t.value)}` : ''}`;
    case 'event':
      return `Event "${t.name}"`;
    default:
      return JSON.stringify(t);
  }
}

/** A new flow's JSON: a welcome series on list 1. */
export const EXAMPLE_FLOW = {
  name: 'Welcome series',
  trigger: { type: 'list-joined', list: 1 },
  steps: [
    { type: 'send', template: 1, from: 'news@example.com' },
    { type: 'wait', duration: '2d' },
    { type: 'branch', if: { all: [{ attr: 'plan', op: 'eq', value: 'pro' }] }, then: [{ type: 'exit' }], else: [{ type: 'send', template: 2, from: 'news@example.com' }] },
  ],
  active: true,
};

/**
 * A run's position as people count: the API's path of the step ("2.then.0",
 * 0-based, into branches) → "3 › then › 1"; a bare index → its number + 1.
 */
export function positionText(position: unknown): string {
  if (typeof position === 'number') return String(position + 1);
  if (typeof position !== 'string') return JSON.stringify(position);
  if (position === '') return 'end';
  return position
    .split('.')
    .map((p) => (/^\d+$/.test(p) ? String(Number(p) + 1) : p))
    .join(' › ');
}
