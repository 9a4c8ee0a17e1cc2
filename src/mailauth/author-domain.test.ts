import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authorDomain } from './author-domain.js';

const latin1 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');

test('the author domain is read from the forms a From field takes (RFC 5322 §3.4, §3.6.2)', () => {
  const cases: [string, string | undefined][] = [
    [' alice@Example.COM', 'example.com'],
    [' Alice <alice@example.com>', 'example.com'],
    [' "Smith, Alice" <alice@example.com>', 'example.com'],
    [' "fake@other.example" <alice@example.com>', 'example.com'],
    [' alice@example.com (Alice at other.example@evil.example)', 'example.com'],
    [' (comment (nested)) <alice@news.example.com.>', 'news.example.com'],
    [' "odd\\"quote@x.example"@example.com', 'example.com'],
    [' a@example.com, b@EXAMPLE.com', 'example.com'],
    [' Team: a@example.com, b@example.com;', 'example.com'],
    [' a@example.com, b@example.org', undefined],
    [' undisclosed-recipients:;', undefined],
    [' alice', undefined],
    [' alice@[192.0.2.1]', undefined],
    [' ', undefined],
  ];
  for (const [value, want] of cases) assert.equal(authorDomain(value), want, value);
});

test('a UTF-8 domain (SMTPUTF8, RFC 6532) becomes its A-label', () => {
  assert.equal(authorDomain(latin1(' Jürgen <jürgen@bücher.example>')), 'xn--bcher-kva.example');
});
