import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UnsubscribeTokens } from '../../unsubscribe/index.js';
import type { RenderedMessage, RenderFailure } from '../types.js';
import { TemplateRenderer } from './renderer.js';
import { unsubscribeUrlFor } from './unsubscribe-url.js';

const renderer = () => new TemplateRenderer({ renderTimeoutMs: 1000, maxOutput: 1024 * 1024 });
const tpl = (t: { subject: string; html?: string; text?: string; defaults?: Record<string, unknown> }) => ({ defaults: {}, ...t });
const ok = (r: RenderedMessage | RenderFailure): RenderedMessage => {
  assert.ok(!('kind' in r), `render failed: ${JSON.stringify(r)}`);
  return r;
};
const failed = (r: RenderedMessage | RenderFailure): RenderFailure => {
  assert.ok('kind' in r, `rendered when it should have failed: ${JSON.stringify(r)}`);
  return r;
};

test('an attribute carrying markup comes out escaped in HTML, as it is in the subject and the text part', async () => {
  const attributes = { name: '<script>alert(1)</script>', bio: '"><img src=x onerror=alert(1)>' };
  const r = ok(await renderer().render(tpl({ subject: 'Hi {{ name }}', html: '<p title="{{ bio }}">Hello {{ name }} {{ contact.bio }}</p>', text: 'Hello {{ name }}' }), { address: 'a@x.test', attributes }));
  assert.equal(r.html, '<p title="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">Hello &lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(1)&gt;</p>');
  assert.ok(!r.html?.includes('<script>') && !r.html?.includes('<img'), 'no markup from an attribute survives');
  assert.equal(r.subject, 'Hi <script>alert(1)</script>', 'the subject is not HTML: not escaped');
  assert.equal(r.text, 'Hello <script>alert(1)</script>');
});

test('the raw filter, the way around escaping, does not exist: a template using it does not parse', async () => {
  const r = renderer();
  const fault = r.check({ subject: 's', html: '<p>\n{{ name | raw }}</p>' });
  assert.equal(fault?.part, 'html');
  assert.equal(fault?.line, 2);
  assert.match(fault?.reason ?? '', /undefined filter: raw/);
  assert.equal(failed(await r.render(tpl({ subject: 's', html: '{{ name | raw }}' }), { address: 'a@x.test', attributes: { name: '<b>' } })).part, 'html');
});

test('a template cannot read files: include, render and layout are refused when parsed', async () => {
  const r = renderer();
  for (const src of ["{% include '/etc/passwd' %}", "{% render '/etc/passwd' %}", "{% layout '/etc/passwd' %}", "{%- include '../../../etc/hostname' -%}"]) {
    const fault = r.check({ subject: 'x', text: src });
    assert.equal(fault?.part, 'text', src);
    assert.match(fault?.reason ?? '', /not available: templates cannot read files/, src);
  }
  const f = failed(await r.render(tpl({ subject: "{% include '/etc/passwd' %}", text: 'x' }), { address: 'a@x.test', attributes: {} }));
  assert.equal(f.part, 'subject');
  assert.doesNotMatch(f.reason, /root:/);
});

test('a loop over a huge range stops at the limits with a clear reason, and so does nested looping', async () => {
  const r = new TemplateRenderer({ renderTimeoutMs: 200, maxOutput: 64 * 1024 });
  const huge = failed(await r.render(tpl({ subject: 's', text: '{% for i in (1..100000000) %}x{% endfor %}' }), { address: 'a@x.test', attributes: {} }));
  assert.equal(huge.part, 'text');
  assert.match(huge.reason, /limit exceeded/);
  const started = performance.now();
  const nested = failed(await r.render(tpl({ subject: 's', text: '{% for i in (1..1000) %}{% for j in (1..1000) %}{% for k in (1..1000) %}{% endfor %}{% endfor %}{% endfor %}' }), { address: 'a@x.test', attributes: {} }));
  assert.match(nested.reason, /render limit exceeded/);
  assert.ok(performance.now() - started < 5000, 'stopped near the render time limit');
  // Its own renderer with time to spare: this case is about size, not time (a busy machine is slow).
  const sized = new TemplateRenderer({ renderTimeoutMs: 10_000, maxOutput: 64 * 1024 });
  const big = failed(await sized.render(tpl({ subject: 's', html: '{% for i in (1..2000) %}<p>{{ filler }}</p>{% endfor %}' }), { address: 'a@x.test', attributes: { filler: 'y'.repeat(100) } }));
  assert.match(big.reason, /more than the limit of 65536 \(campaigns\.templates\.maxOutput\)/);
});

test('context: attributes at the top and under contact, defaults under them, email and unsubscribe_url ours', async () => {
  const t = tpl({ subject: 'Hello {{ first_name }}, plan {{ contact.plan }}', text: '{{ email }} {{ contact.email }} {{ unsubscribe_url }} {{ city }}', defaults: { first_name: 'there', city: 'Paris' } });
  const r = ok(await renderer().render(t, { address: 'ann@x.test', attributes: { plan: 'pro', city: 'Lyon', email: 'spoof@evil.test', unsubscribe_url: 'https://evil.test' }, unsubscribeUrl: 'https://u.test/u/TOKEN' }));
  assert.equal(r.subject, 'Hello there, plan pro');
  assert.equal(r.text, 'ann@x.test ann@x.test https://u.test/u/TOKEN Lyon');
  assert.equal(r.html, undefined);
});

test('the text part is made from the HTML when none is given; a subject is one line', async () => {
  const r = ok(await renderer().render(tpl({ subject: 'A\r\nBcc: x@evil.test {{ n }}', html: '<h1>Welcome</h1><p>Read <a href="https://x.test/a">this</a>, {{ n }}.</p>' }), { address: 'a@x.test', attributes: { n: 'Ann' } }));
  assert.match(r.text, /WELCOME/);
  assert.match(r.text, /Read this \[https:\/\/x\.test\/a\], Ann\./);
  assert.equal(r.subject, 'A Bcc: x@evil.test Ann');
});

test('parsed templates are cached per (id, updatedAt): a new updatedAt parses the new source', async () => {
  const r = renderer();
  const a = ok(await r.render(tpl({ subject: 'one', text: 'x' }), { address: 'a@x.test', attributes: {} }, { id: 1, updatedAt: 10 }));
  const b = ok(await r.render(tpl({ subject: 'two', text: 'x' }), { address: 'a@x.test', attributes: {} }, { id: 1, updatedAt: 10 }));
  const c = ok(await r.render(tpl({ subject: 'two', text: 'x' }), { address: 'a@x.test', attributes: {} }, { id: 1, updatedAt: 11 }));
  assert.deepEqual([a.subject, b.subject, c.subject], ['one', 'one', 'two']);
});

test('a template cannot reach prototypes, and an unknown filter is a parse fault with its line', async () => {
  const r = ok(await renderer().render(tpl({ subject: '{{ contact.constructor }}|{{ name.size }}|{{ contact.__proto__ }}', text: 'x' }), { address: 'a@x.test', attributes: { name: 'abc' } }));
  assert.equal(r.subject, '|3|');
  assert.deepEqual(renderer().check({ subject: 'ok', text: 'a\nb\n{{ x | nosuch }}' }), { part: 'text', line: 3, reason: 'undefined filter: nosuch, line:3, col:1' });
});

test('unsubscribeUrlFor is the List-Unsubscribe URL: base/u/token, the token verifying for the lower-cased address and domain', () => {
  const tokens = new UnsubscribeTokens({ keys: [{ id: 'k1', secret: 'a secret of enough length' }], clock: { now: () => Date.UTC(2026, 11, 1) } });
  const url = unsubscribeUrlFor({ tokens, baseUrl: 'https://u.example.com' }, 'Ann@X.test', 'news.example.com');
  assert.equal(url, `https://u.example.com/u/${tokens.issueBoth('ann@x.test', 'news.example.com').url}`);
  const check = tokens.verify(url.slice('https://u.example.com/u/'.length));
  assert.ok(check.ok);
});

test('the render time limit is per render: renders in a row for three times the limit all succeed', async () => {
  const r = new TemplateRenderer({ renderTimeoutMs: 300, maxOutput: 1024 * 1024 });
  const t = tpl({ subject: 'Hi {{ n }}', html: '{% for i in (1..20) %}<p>{{ i }} {{ n }}</p>{% endfor %}' });
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 900) ok(await r.render(t, { address: 'a@x.test', attributes: { n: n++ } }, { id: 1, updatedAt: 1 }));
  assert.ok(n > 10, `${n} renders`);
});
