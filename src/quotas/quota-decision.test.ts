import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breachText, effectiveLimits, messageBreach, recipientBreach } from './quota-decision.js';
import { addCounts, emptyCounts } from './windows.js';

const T = Date.UTC(2027, 0, 15, 13, 20);
const counts = (messages: number, recipients: number) => addCounts(emptyCounts(T), { messages, recipients }, T);

test('MAIL: the hour is full at its limit, not before; the day wins when both are full', () => {
  assert.equal(messageBreach({ messagesPerHour: 100 }, counts(99, 99)), undefined);
  assert.deepEqual(messageBreach({ messagesPerHour: 100 }, counts(100, 100)), { limit: 'messagesPerHour', max: 100, window: 'hour', retryAt: Date.UTC(2027, 0, 15, 14) });
  assert.equal(messageBreach({ messagesPerHour: 100, messagesPerDay: 100 }, counts(100, 100))?.limit, 'messagesPerDay');
  assert.equal(messageBreach(undefined, counts(1e6, 1e6)), undefined);
  assert.equal(messageBreach({ recipientsPerDay: 1 }, counts(5, 5)), undefined, 'recipient limits are for RCPT');
});

test('RCPT: recipients per message count this transaction; per day add it to the day', () => {
  assert.equal(recipientBreach({ recipientsPerMessage: 2 }, counts(0, 0), 1), undefined);
  assert.deepEqual(recipientBreach({ recipientsPerMessage: 2 }, counts(0, 0), 2), { limit: 'recipientsPerMessage', max: 2, window: 'message' });
  assert.equal(recipientBreach({ recipientsPerDay: 10 }, counts(3, 8), 1), undefined);
  assert.deepEqual(recipientBreach({ recipientsPerDay: 10 }, counts(3, 8), 2), { limit: 'recipientsPerDay', max: 10, window: 'day', retryAt: Date.UTC(2027, 0, 16) });
});

test('the reply text names the limit, the user and when to come back', () => {
  assert.equal(breachText({ limit: 'messagesPerHour', max: 100, window: 'hour', retryAt: Date.UTC(2027, 0, 15, 14) }, 'alice'), 'Sending quota exceeded: 100 messages per hour for alice; try again after 14:00 UTC');
  assert.equal(breachText({ limit: 'recipientsPerDay', max: 10, window: 'day', retryAt: Date.UTC(2027, 0, 16) }, 'bob'), 'Sending quota exceeded: 10 recipients per day for bob; try again after 2027-01-16 00:00 UTC');
  assert.equal(breachText({ limit: 'recipientsPerMessage', max: 2, window: 'message' }, 'bob'), 'Sending quota exceeded: 2 recipients per message for bob; send the other recipients in another message');
});

test('config defaults apply field by field where the user has no limit of its own', () => {
  assert.equal(effectiveLimits(undefined, undefined), undefined);
  assert.equal(effectiveLimits({ messagesPerHour: undefined }, undefined), undefined, 'an empty default is no limit');
  assert.deepEqual(effectiveLimits({ messagesPerHour: 100, recipientsPerDay: 1000 }, undefined), { messagesPerHour: 100, recipientsPerDay: 1000 });
  assert.deepEqual(effectiveLimits({ messagesPerHour: 100, recipientsPerDay: 1000 }, { messagesPerHour: 5 }), { messagesPerHour: 5, recipientsPerDay: 1000 });
});
