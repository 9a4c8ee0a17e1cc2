import assert from 'node:assert/strict';
import { test } from 'node:test';
import Fastify from 'fastify';
import type { StatsDelta } from './campaign-store.js';
import { CampaignTracking, trackingMount } from './tracking.js';

const tracking = new CampaignTracking({ opens: true, clicks: true, baseUrl: 'https://t.test', secret: 'a tracking secret for tests' });
const html = '<html><body><p><a href="https://shop.test/sale?a=1&amp;b=2">Sale</a> <a href="https://t.test/u/UNSUB">Unsubscribe</a> <a href="mailto:x@y.test">Mail</a></p></body></html>';

test('links become signed redirects (not the unsubscribe link, not mailto), and a pixel is added before </body>', () => {
  const out = tracking.rewrite(html, 4, 9, ['https://t.test/u/UNSUB']);
  const click = /href="https:\/\/t\.test\/c\/([^"]+)"/.exec(out)?.[1] as string;
  assert.deepEqual(tracking.verify(click), { kind: 'c', campaignId: 4, contactId: 9, url: 'https://shop.test/sale?a=1&b=2' });
  assert.ok(out.includes('href="https://t.test/u/UNSUB"'));
  assert.ok(out.includes('href="mailto:x@y.test"'));
  const open = /src="https:\/\/t\.test\/o\/([^"]+)"/.exec(out)?.[1] as string;
  assert.deepEqual(tracking.verify(open), { kind: 'o', campaignId: 4, contactId: 9 });
  assert.match(out, /<img [^>]+><\/body>/);
  assert.equal(new CampaignTracking({ opens: false, clicks: false, baseUrl: 'https://t.test', secret: 's' }).rewrite(html, 1, 1), html);
});

test('the endpoint counts hits and redirects only to the URL signed in the token (no open redirect)', async () => {
  const counted: StatsDelta[] = [];
  const activity: string[] = [];
  const app = Fastify();
  trackingMount(tracking, {
    store: { addStats: async (d) => void counted.push(...d) },
    recordActivity: async (id, event) => void activity.push(`${id}:${event}`),
    now: () => 1,
    onError: (err) => assert.fail(String(err)),
  })(app);
  const out = tracking.rewrite(html, 4, 9, ['https://t.test/u/UNSUB']);
  const click = /href="https:\/\/t\.test(\/c\/[^"]+)"/.exec(out)?.[1] as string;
  const open = /src="https:\/\/t\.test(\/o\/[^"]+)"/.exec(out)?.[1] as string;
  const r = await app.inject({ method: 'GET', url: click });
  assert.equal(r.statusCode, 302);
  assert.equal(r.headers.location, 'https://shop.test/sale?a=1&b=2');
  const p = await app.inject({ method: 'GET', url: open });
  assert.equal(p.statusCode, 200);
  assert.equal(p.headers['content-type'], 'image/gif');
  // A token with another URL in it but the old MAC: refused, nothing counted.
  const [body, mac] = click.slice(3).split('.') as [string, string];
  const parts = JSON.parse(Buffer.from(body, 'base64url').toString()) as string[];
  parts[3] = 'https://evil.test/';
  const forged = `/c/${Buffer.from(JSON.stringify(parts)).toString('base64url')}.${mac}`;
  assert.equal((await app.inject({ method: 'GET', url: forged })).statusCode, 404);
  assert.equal((await app.inject({ method: 'GET', url: '/c/garbage' })).statusCode, 404);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(counted, [{ campaignId: 4, counts: { clicked: 1 } }, { campaignId: 4, counts: { opened: 1 } }]);
  assert.deepEqual(activity, ['9:clicked', '9:opened']);
  await app.close();
});
