import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startApiBaton, type ApiBaton } from '../helpers/api.js';
import { activeKey, DKIM_SECRET, DkimDns, verifyWithDkimpy, waitForReceived } from '../helpers/dkim.js';
import { startScriptedSink, type ScriptedSink } from '../helpers/scripted-sink.js';

/**
 * Mail sent over HTTP is signed at delivery like SMTP mail (DKIM is an
 * outbound transform: nothing API-specific). dnsmasq serves the key, dkimpy
 * verifies the message the next hop received.
 */

let dns: DkimDns;
let sink: ScriptedSink;
let api: ApiBaton;

before(async () => {
  dns = await DkimDns.start();
  sink = await startScriptedSink({ extensions: ['PIPELINING', '8BITMIME', 'ENHANCEDSTATUSCODES'] });
  api = await startApiBaton({
    config: {
      routes: [{ domains: ['*'], smarthost: `127.0.0.1:${sink.port}`, tls: 'none' }],
      dns: { servers: [dns.server], timeout: '500ms' },
      dkim: { secret: DKIM_SECRET, checkInterval: '200ms' },
    },
  });
  await activeKey({ baton: api.baton, sink, dns, stop: async () => {} }, 'shop.test', 'ed25519', 'api1');
});
after(async () => {
  try {
    await api?.stop();
  } finally {
    await sink?.stop();
    await dns?.stop();
  }
});

test('a JSON message sent over the API arrives DKIM-signed by its domain, and dkimpy verifies the signature', { timeout: 60_000 }, async () => {
  const r = await api.curl('/api/v1/messages', {
    json: { from: { name: 'Shop ✓', address: 'orders@shop.test' }, to: 'ann@rcpt.test', subject: 'Signed över HTTP', text: 'Thanks', html: '<b>Thanks</b>', attachments: [{ filename: 'a.txt', content: Buffer.from('attached').toString('base64') }] },
  });
  assert.equal(r.status, 202, r.text);
  const [copy] = (await waitForReceived(sink, 1)) as [Buffer];
  const [sig, ...more] = await verifyWithDkimpy(copy, dns);
  assert.equal(more.length, 0);
  assert.equal(sig?.ok, true, JSON.stringify(sig));
  assert.equal(sig?.d, 'shop.test');
  const signed = (sig?.h ?? '').toLowerCase().split(':');
  for (const f of ['from', 'to', 'subject', 'date', 'message-id', 'mime-version', 'content-type']) assert.ok(signed.includes(f), `${f} in h=${sig?.h}`);
});
