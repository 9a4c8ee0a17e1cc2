import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePath, type Mailbox } from '../../core/index.js';
import { matchesDomain } from '../../core/index.js';
import { classifyDomain, decideRelay, hasSenderRouting, senderAllowed, type ClientStanding, type RelayDomains } from './relay-access.js';

const DOMAINS: RelayDomains = { localDomains: ['example.com', '*.example.org'], relayDomains: ['partner.net'] };
const STRANGER: ClientStanding = { authenticated: false, trusted: false };
const TRUSTED: ClientStanding = { authenticated: false, trusted: true };
const AUTHED: ClientStanding = { authenticated: true, trusted: false };

/** Parse as the session does (RFC 5321 path, SMTPUTF8 allowed); undefined = refused at syntax. */
function mailbox(addr: string): Mailbox | undefined {
  const r = parsePath(`<${addr}>`, { utf8: true, allowNull: false });
  return r.ok && r.mailbox ? r.mailbox : undefined;
}

/** Would this recipient get through from this client? Syntax refusal counts as refused. */
function accepted(addr: string, who: ClientStanding): boolean {
  const m = mailbox(addr);
  return m !== undefined && decideRelay(m, who, DOMAINS).accept;
}

test('matchesDomain: exact names, and "*.x" for subdomains only', () => {
  assert.ok(matchesDomain('example.com', ['example.com']));
  assert.ok(matchesDomain('a.example.org', ['*.example.org']));
  assert.ok(matchesDomain('b.a.example.org', ['*.example.org']));
  assert.equal(matchesDomain('example.org', ['*.example.org']), false, 'the parent is not a subdomain');
  assert.equal(matchesDomain('evilexample.org', ['*.example.org']), false);
  assert.equal(matchesDomain('example.org.evil.net', ['*.example.org']), false);
  assert.equal(matchesDomain('sub.example.com', ['example.com']), false);
  assert.equal(matchesDomain('example.com', []), false);
});

test('classifyDomain', () => {
  assert.equal(classifyDomain('example.com', DOMAINS), 'local');
  assert.equal(classifyDomain('x.example.org', DOMAINS), 'local');
  assert.equal(classifyDomain('partner.net', DOMAINS), 'relay-domain');
  assert.equal(classifyDomain('gmail.com', DOMAINS), 'foreign');
});

test('strangers may send to local and relay domains', () => {
  for (const a of ['user@example.com', 'User@EXAMPLE.COM', 'a.b+c@x.example.org', 'bob@partner.net']) assert.ok(accepted(a, STRANGER), a);
  const v = decideRelay({ local: 'bob', domain: 'partner.net' }, STRANGER, DOMAINS);
  assert.deepEqual(v, { accept: true, class: 'relay-domain' });
});

test('every open-relay trick from an untrusted client is refused', () => {
  const tricks = [
    'victim@gmail.com', // plain foreign domain
    'victim@GMAIL.COM',
    'victim%gmail.com@example.com', // percent hack
    'gmail.com!victim@example.com', // bang path
    '"victim@gmail.com"@example.com', // quoted local part carrying an @
    '"victim%gmail.com"@example.com',
    '"victim"@example.com', // any quoted local part: some MTAs unquote and re-route
    'victim@[192.0.2.1]', // address literal
    'victim@[IPv6:2001:db8::1]',
    'victim@example.com.', // trailing dot
    'victim@example.com.gmail.com',
    'victim@gmail.com.example.com', // not a listed subdomain
    '@example.com:victim@gmail.com', // source route
    '@gmail.com:victim@example.com',
    'victim@example.org', // parent of a "*." pattern
    'victim@evilexample.org',
    'victim@gmail.com@example.com', // lastIndexOf("@") must not make this local
    'victim\\@gmail.com@example.com',
  ];
  for (const t of tricks) assert.equal(accepted(t, STRANGER), false, t);
});

test('trusted networks and authenticated clients may relay anywhere', () => {
  for (const who of [TRUSTED, AUTHED, { authenticated: true, trusted: true }]) {
    assert.deepEqual(decideRelay({ local: 'v', domain: 'gmail.com' }, who, DOMAINS), { accept: true, class: 'foreign' });
    assert.deepEqual(decideRelay({ local: 'v', domain: '[192.0.2.1]' }, who, DOMAINS), { accept: true, class: 'foreign' });
    assert.deepEqual(decideRelay({ local: 'user', domain: 'example.com' }, who, DOMAINS), { accept: true, class: 'local' });
    assert.ok(accepted('"quoted"@gmail.com', who));
  }
});

test('a refusal carries a reason for the logs', () => {
  const v = decideRelay({ local: 'a%b', domain: 'example.com' }, STRANGER, DOMAINS);
  assert.equal(v.accept, false);
  assert.ok(!v.accept && v.reason.length > 0);
});

test('hasSenderRouting', () => {
  for (const l of ['a%b', 'a!b', '"a@b"', '"plain"', 'a@b']) assert.ok(hasSenderRouting(l), l);
  for (const l of ['plain', 'first.last', 'a+tag', 'a-b_c']) assert.equal(hasSenderRouting(l), false, l);
});

test('senderAllowed: own domains, wildcard subdomains, "*", never the null sender', () => {
  const mine = { local: 'alice', domain: 'example.com' };
  assert.ok(senderAllowed(mine, ['example.com']));
  assert.ok(senderAllowed({ local: 'a', domain: 'mail.example.org' }, ['*.example.org']));
  assert.equal(senderAllowed({ local: 'a', domain: 'example.org' }, ['*.example.org']), false);
  assert.equal(senderAllowed({ local: 'a', domain: 'evil.com' }, ['example.com']), false);
  assert.ok(senderAllowed({ local: 'a', domain: 'evil.com' }, ['*']));
  assert.equal(senderAllowed(null, ['example.com']), false);
  assert.equal(senderAllowed(null, ['*']), false);
  assert.equal(senderAllowed(mine, []), false);
});
