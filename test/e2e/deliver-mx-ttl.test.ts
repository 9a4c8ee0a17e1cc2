import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { startBaton } from '../helpers/baton.js';
import { sendVia, testMessage, waitFor } from '../helpers/deliver-kit.js';
import { startSinksOnOnePort } from '../helpers/deliver-sinks.js';
import { startDnsmasq, type DnsZone } from '../helpers/dnsmasq.js';
import type { SmtpSinkHandle } from '../helpers/smtp-sink.js';

/**
 * MX answers are cached for their TTL (the seams issue's core fixes): they
 * were once kept a fixed 5 minutes. A real DNS server on loopback serves the
 * MX with a TTL of 1 s, is restarted on the same port with the MX moved to
 * another host, and the next message follows the move once the TTL is over.
 */
describe('MX answers and their TTL', { timeout: 60_000 }, () => {
  test('a changed MX is used for the next message once the old answer\'s TTL has run out', async () => {
    const { port: smtpPort, sinks } = await startSinksOnOnePort(['127.0.0.2', '127.0.0.3']);
    const [first, second] = sinks as [SmtpSinkHandle, SmtpSinkHandle];
    const zone = (mx: string): DnsZone => ({
      ttl: 1,
      mx: { 'moving.test': [{ host: mx, preference: 10 }] },
      hosts: { 'old.moving.test': ['127.0.0.2'], 'new.moving.test': ['127.0.0.3'] },
    });
    let dns = await startDnsmasq(zone('old.moving.test'));
    const b = await startBaton({
      config: {
        listeners: [{ role: 'mx' }],
        delivery: { port: smtpPort, siteBackoff: '0s', tls: 'none' },
        dns: { servers: [dns.server], timeout: '2s' },
      },
    });
    const arrivedAt = async (sink: SmtpSinkHandle, messageId: string) =>
      waitFor(`${messageId} at ${sink.host}`, async () => (await sink.messages()).find((m) => m.data.includes(messageId)), 20_000, 100);
    try {
      const one = testMessage('s@client.test', 'u@moving.test', 'before the move');
      await sendVia(b.ports.mx as number, 's@client.test', ['u@moving.test'], one.text);
      await arrivedAt(first, one.messageId);

      await dns.stop();
      dns = await startDnsmasq({ ...zone('new.moving.test'), port: dns.port });
      // Longer than the 1 s TTL: any pause past it will do, so a slow machine cannot fail this.
      await new Promise((r) => setTimeout(r, 1500));

      const two = testMessage('s@client.test', 'u@moving.test', 'after the move');
      await sendVia(b.ports.mx as number, 's@client.test', ['u@moving.test'], two.text);
      await arrivedAt(second, two.messageId);
      assert.ok(!(await first.messages()).some((m) => m.data.includes(two.messageId)), 'not to the old MX from a stale cache');
    } finally {
      await b.stop();
      await dns.stop();
      for (const s of sinks) await s.stop();
    }
  });
});
