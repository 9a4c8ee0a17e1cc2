#!/usr/bin/env node
// Per-message cost of the VERP return path on delivery (docs/deliverability.md
// "Return path (VERP)"): what the engine adds per claimed message when a stream
// asks for VERP (one HMAC-SHA256 and a 40-character token), and, for a bounce
// arriving later, what verifying its token costs at RCPT. Also the classifier's
// cost per failure reply (deliveries are not classified). Single-threaded, after
// a warm-up; compare with the relay benchmark's per-message budget.
//   npm run build && node bench/verp.mjs [--messages N]
import { performance } from 'node:perf_hooks';
import { verpReturnPath, VerpTokens } from '../dist/src/bounces/index.js';
import { newQueueId, makeReply } from '../dist/src/core/index.js';
import { BounceClassifier } from '../dist/src/delivery/index.js';

const i = process.argv.indexOf('--messages');
const n = i > 0 ? Number(process.argv[i + 1]) : 200_000;
const clock = { now: () => Date.now() };
const tokens = new VerpTokens([{ id: 'k1', secret: 'bench secret of sixteen+ chars' }]);
const returnPath = verpReturnPath({ suppressScope: 'global', domain: 'bounces.example.com', secrets: [], verp: { bulk: true, transactional: false } }, tokens);
const messages = Array.from({ length: 1000 }, () => ({
  id: newQueueId(clock),
  envelope: { mailFrom: { local: 'news', domain: 'example.com' }, recipients: [], params: {} },
  origin: { kind: 'smtp', stream: 'bulk' },
}));
const plain = messages.map((m) => ({ ...m, origin: { kind: 'smtp' } }));

function time(label, fn) {
  for (let k = 0; k < 20_000; k++) fn(k); // warm-up
  const start = performance.now();
  let sink = 0;
  for (let k = 0; k < n; k++) sink += fn(k) ? 1 : 0;
  const us = ((performance.now() - start) * 1000) / n;
  console.log(`${label.padEnd(48)} ${us.toFixed(2)} µs per message (${n} runs)${sink < 0 ? '' : ''}`);
  return us;
}

time('return path, bulk (VERP on: HMAC + token)', (k) => returnPath(messages[k % 1000]));
time('return path, transactional (VERP off)', (k) => returnPath(plain[k % 1000]));
const signed = messages.map((m) => tokens.sign(m.id));
time('token verification (a bounce at RCPT)', (k) => tokens.verify(signed[k % 1000]));
const classifier = new BounceClassifier();
const replies = [
  makeReply(550, '5.1.1', 'The email account that you tried to reach does not exist.'),
  makeReply(421, '4.7.0', '[TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints'),
  makeReply(554, '5.0.0', 'Transaction failed'),
];
time('classification of a failure reply (mixed)', (k) => classifier.classify(replies[k % 3]));
