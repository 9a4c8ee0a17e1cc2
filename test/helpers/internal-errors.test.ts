import assert from 'node:assert/strict';
import { test } from 'node:test';
import { internalErrors } from './baton.js';

const line = (level: number, msg: string, extra: Record<string, unknown> = {}) => JSON.stringify({ level, time: 1, name: 'baton', ...extra, msg });

test('internalErrors finds error-level lines and the named internal failures at any level, less the allowed ones', () => {
  const log = [
    line(30, 'listening'),
    line(40, 'delivery deferred', { error: 'internal error during delivery' }),
    line(50, 'claiming due work failed'),
    line(60, 'fatal thing'),
    line(40, 'connection refused by 127.0.0.4'),
    'not json: session step failed',
    '{"level":50,"msg":"cut sho',
    line(50, 'session step failed', { client: '127.0.0.9' }),
  ].join('\n');
  const found = internalErrors(log);
  assert.deepEqual(found.map((l) => (l.startsWith('{"level":50,"msg":"cut') ? 'cut' : (JSON.parse(l) as { msg: string }).msg)), [
    'delivery deferred',
    'claiming due work failed',
    'fatal thing',
    'cut',
    'session step failed',
  ]);
  const allowed = internalErrors(log, [/claiming due work failed/, /"client":"127\.0\.0\.9"/]);
  assert.equal(allowed.length, 3);
});
