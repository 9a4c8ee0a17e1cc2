import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flowStepsSchema, flowTriggerSchema, shortWaits, type FlowStep } from './flow-definition.js';
import { branchPosition, nextPosition, stepAt } from './flow-position.js';

const send = (template: number): FlowStep => ({ type: 'send', template, from: 'a@b.test' });
const branch = (then: FlowStep[], els: FlowStep[] = []): FlowStep => ({ type: 'branch', if: { all: [] }, then, else: els });

test('positions walk into branches and out of them at their end', () => {
  const steps: FlowStep[] = [send(1), branch([send(2), branch([send(3)])], []), { type: 'exit' }];
  assert.equal(nextPosition(steps, '0'), '1');
  assert.equal(branchPosition(steps, '1', 'then'), '1.then.0');
  assert.equal(branchPosition(steps, '1', 'else'), '2', 'an empty arm goes past the branch');
  assert.deepEqual(stepAt(steps, '1.then.1.then.0'), send(3));
  assert.equal(nextPosition(steps, '1.then.1.then.0'), '2', 'out of two branches at once');
  assert.equal(nextPosition(steps, '2'), undefined, 'the end');
  for (const bad of ['', '9', '1.x.0', '0.then.0', '1.then', 'a']) assert.equal(stepAt(steps, bad), undefined, bad);
});

test('steps are checked: shape, nesting depth, step count, durations, From; triggers by type; short waits', () => {
  const nest = (d: number): FlowStep[] => (d === 0 ? [send(1)] : [branch(nest(d - 1))]);
  assert.equal(flowStepsSchema.safeParse(nest(5)).success, true);
  assert.match(JSON.stringify(flowStepsSchema.safeParse(nest(6)).error?.issues), /nest at most 5/);
  assert.match(JSON.stringify(flowStepsSchema.safeParse([branch(Array.from({ length: 100 }, () => send(1)))]).error?.issues), /at most 100 steps/);
  assert.equal(flowStepsSchema.safeParse([]).success, false);
  const bad = flowStepsSchema.safeParse([{ type: 'wait', duration: '2 days' }, { type: 'send', template: 1, from: 'nobody' }, { type: 'jump' }]);
  assert.deepEqual(bad.error?.issues.map((i) => i.path.join('.')), ['0.duration', '1.from', '2.type']);
  assert.equal(flowStepsSchema.safeParse([{ type: 'send', template: 1, from: 'News <n@news.test>', stream: 'transactional' }]).success, true);
  assert.equal(flowStepsSchema.safeParse([branch([], [])].map((b) => ({ ...b, if: { all: [], any: [] } }))).success, false, 'a filter has one of all/any');
  assert.equal(flowTriggerSchema.safeParse({ type: 'list-joined', list: 3 }).success, true);
  assert.equal(flowTriggerSchema.safeParse({ type: 'event' }).success, false);
  assert.deepEqual(shortWaits([{ type: 'wait', duration: '2s' }, branch([{ type: 'wait', duration: '30s' }])], 60_000).map((e) => e.path), ['body.steps.0.duration', 'body.steps.1.then.0.duration']);
});
