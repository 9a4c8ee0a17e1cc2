import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { pino } from 'pino';
import { prettyStream } from './index.js';

test('pretty logs are one readable line per event, the queue id first, other fields kept, no colour off a terminal', async () => {
  const out = new PassThrough();
  const chunks: string[] = [];
  out.on('data', (c: Buffer) => chunks.push(c.toString()));
  const stream = prettyStream(false, out);
  const logger = pino({ name: 'baton', base: { pid: 1 } }, stream);
  logger.info({ queueId: 'Q7ABC', rcpt: 'a@b.test' }, 'delivered');
  logger.warn('listening');
  stream.end();
  await new Promise((r) => out.once('end', r));
  const lines = chunks.join('').trimEnd().split('\n');
  assert.equal(lines.length, 2);
  assert.match(lines[0] as string, /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] INFO: \[Q7ABC\] delivered \{"rcpt":"a@b.test"\}$/);
  assert.match(lines[1] as string, /WARN: listening$/);
  assert.doesNotMatch(chunks.join(''), /\x1b\[/);
});
