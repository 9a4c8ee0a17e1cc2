#!/usr/bin/env node
// CPU cost of the bulk stream's per-message work, apart from the relay benchmark:
// the stream decision at intake (every message pays the X-Baton-Stream look-up)
// and the List-Unsubscribe outbound transform (bulk mail: two HMACs, one
// header parse, two fields), with DKIM signing beside it for scale: a bulk
// message is signed once per recipient, since each copy's header differs.
//   npm run build && node bench/list-unsubscribe.mjs [--messages N] [--size KiB]
import { generateKeyPairSync } from 'node:crypto';
import { dkimSigningTransform, listUnsubscribeTransform } from '../dist/src/delivery/index.js';
import { OutboundTransforms } from '../dist/src/delivery/transforms/index.js';
import { decideStream } from '../dist/src/intake/stream.js';
import { UnsubscribeTokens } from '../dist/src/unsubscribe/index.js';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const messages = arg('messages', 20000);
const sizeKiB = arg('size', 10);

const line = 'x'.repeat(76) + '\r\n';
const head = 'From: News <news@example.com>\r\nTo: list@example.com\r\nSubject: bench\r\nMessage-ID: <1@example.com>\r\nDate: Mon, 30 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\n';
const body = `\r\n${line.repeat(Math.ceil((sizeKiB * 1024) / line.length))}`;
const plain = Buffer.from(head + body);
const withHeader = Buffer.from(`X-Baton-Stream: bulk\r\n${head}${body}`);

const clock = { now: () => Date.now() };
const tokens = new UnsubscribeTokens({ keys: [{ id: 'k1', secret: 'a bench secret, long enough' }], clock });
const lu = listUnsubscribeTransform({ tokens, baseUrl: 'https://news.example.com', mailtoDomain: 'unsub.example.com' });
const rsa = { domain: 'example.com', selector: 'r', algorithm: 'rsa-sha256', privateKey: generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey };
const ring = { generation: 1, hasKeys: true, keysFor: () => [rsa] };
const dkim = dkimSigningTransform({ keyring: ring, clock, config: { timestamp: true } });

const origin = (stream) => ({ kind: 'smtp', clientIp: '127.0.0.1', ...(stream ? { stream } : {}) });
const summary = (id, stream) => ({ id, origin: origin(stream), envelope: { mailFrom: { local: 'news', domain: 'example.com' }, recipients: [], params: {} } });
const rows = Array.from({ length: 1000 }, (_, i) => [{ rowId: i, address: { local: `user${i}`, domain: 'example.org' } }]);
const sub = (content) => ({ mailFrom: null, recipients: [], params: {}, origin: origin(), content, isSubmission: true, mayChooseStream: true });

/** CPU time of this process per call (user + system), the best of 3 runs: the machine is shared, wall time is not ours. */
async function time(label, n, fn) {
  for (let i = 0; i < Math.min(2000, n); i++) await fn(i); // warm-up
  let best = Infinity;
  for (let rep = 0; rep < 3; rep++) {
    const t = process.cpuUsage();
    for (let i = 0; i < n; i++) await fn(i);
    const used = process.cpuUsage(t);
    best = Math.min(best, (used.user + used.system) / n);
  }
  console.log(`${label.padEnd(76)} ${best.toFixed(2).padStart(8)} µs CPU/message`);
  return best;
}

console.log(`${sizeKiB} KiB message, ${messages} iterations`);
await time('intake: stream decision, no X-Baton-Stream (every message)', messages, () => decideStream(sub(plain), { bulkNeedsOwnUnsubscribe: false }));
await time('intake: stream decision, X-Baton-Stream: bulk (decide + remove edit)', messages, () => decideStream(sub(withHeader), { bulkNeedsOwnUnsubscribe: false }));
const only = new OutboundTransforms([lu]);
await time('outbound: list-unsubscribe on transactional mail (no edit)', messages, (i) => only.apply({ message: summary(`T${i}`), recipients: rows[i % 1000], route: { kind: 'mx' } }, plain));
await time('outbound: list-unsubscribe on bulk mail (tokens, parse, two fields)', messages, (i) => only.apply({ message: summary(`B${i}`, 'bulk'), recipients: rows[i % 1000], route: { kind: 'mx' } }, plain));
const signing = new OutboundTransforms([dkim]);
const signed = new OutboundTransforms([lu, dkim]);
const n = Math.min(messages, 3000);
await time('outbound: DKIM RSA-2048 alone, a new message each time (for scale)', n, (i) => signing.apply({ message: summary(`D${i}`), recipients: rows[i % 1000], route: { kind: 'mx' } }, plain));
await time('outbound: list-unsubscribe + DKIM RSA-2048, bulk, a new recipient each time', n, (i) => signed.apply({ message: summary(`S${i}`, 'bulk'), recipients: rows[i % 1000], route: { kind: 'mx' } }, plain));
