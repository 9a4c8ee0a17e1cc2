import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatMailbox, type Mailbox } from '../core/index.js';
import { compileAliases, compileLocalRecipients, expandAliases, isKnownLocalRecipient, type AliasConfig } from './aliases.js';

const mb = (text: string): Mailbox => {
  const at = text.lastIndexOf('@');
  return { local: text.slice(0, at), domain: text.slice(at + 1).toLowerCase() };
};
const expand = (cfg: AliasConfig, addr: string, limits = {}) => {
  const r = expandAliases(mb(addr), compileAliases(cfg), limits);
  return r.ok ? r.addresses.map(formatMailbox) : `${r.problem}: ${r.detail}`;
};

describe('expandAliases', () => {
  test('an address without an alias is its own result', () => {
    assert.deepEqual(expand({}, 'bob@x.test'), ['bob@x.test']);
  });

  test('expands recursively and de-duplicates case-insensitively', () => {
    const cfg = {
      'postmaster@x.test': ['admins@x.test'],
      'admins@x.test': ['alice@x.test', 'Bob@x.test'],
      'ALICE@X.TEST': ['alice@home.test', 'bob@x.test'],
    };
    assert.deepEqual(expand(cfg, 'Postmaster@X.test'), ['alice@home.test', 'bob@x.test']);
  });

  test('the catch-all "@domain" applies when no exact key matches', () => {
    const cfg = { '@x.test': ['catch@y.test'], 'sales@x.test': ['s@y.test'] };
    assert.deepEqual(expand(cfg, 'whoever@x.test'), ['catch@y.test']);
    assert.deepEqual(expand(cfg, 'SALES@x.test'), ['s@y.test']);
    assert.deepEqual(expand(cfg, 'other@y.test'), ['other@y.test']);
  });

  test('an alias that lists itself keeps a copy there instead of looping', () => {
    assert.deepEqual(expand({ 'alice@x.test': ['alice@x.test', 'archive@y.test'] }, 'alice@x.test'), ['alice@x.test', 'archive@y.test']);
    // A catch-all that points into its own domain.
    assert.deepEqual(expand({ '@x.test': ['admin@x.test'] }, 'nobody@x.test'), ['admin@x.test']);
  });

  test('a cycle is reported as a loop', () => {
    const r = expand({ 'a@x.test': ['b@x.test'], 'b@x.test': ['c@x.test'], 'c@x.test': ['a@x.test'] }, 'a@x.test');
    assert.equal(r, 'loop: alias loop: a@x.test -> b@x.test -> c@x.test -> a@x.test');
    assert.match(String(expand({ 'a@x.test': ['b@x.test'], '@x.test': ['a@x.test'] }, 'a@x.test')), /^loop/);
  });

  test('nesting beyond the depth bound is refused', () => {
    const cfg: Record<string, string[]> = {};
    for (let i = 0; i < 30; i++) cfg[`u${i}@x.test`] = [`u${i + 1}@x.test`];
    assert.match(String(expand(cfg, 'u0@x.test')), /^too-deep/);
    assert.deepEqual(expand(cfg, 'u25@x.test'), ['u30@x.test']);
    assert.deepEqual(expand(cfg, 'u0@x.test', { maxDepth: 40 }), ['u30@x.test']);
  });

  test('too many addresses, or an exponential diamond, is refused within the bound', () => {
    const wide = { 'list@x.test': Array.from({ length: 50 }, (_, i) => `m${i}@y.test`) };
    assert.equal(expand(wide, 'list@x.test').length, 50);
    assert.match(String(expand(wide, 'list@x.test', { maxAddresses: 10 })), /^too-many/);
    const diamond: Record<string, string[]> = {};
    for (let i = 0; i < 40; i++) diamond[`d${i}@x.test`] = [`d${i + 1}@x.test`, `e${i + 1}@x.test`];
    for (let i = 0; i < 40; i++) diamond[`e${i}@x.test`] = [`d${i + 1}@x.test`, `e${i + 1}@x.test`];
    assert.match(String(expand(diamond, 'd0@x.test', { maxDepth: 100 })), /^too-many/);
  });

  test('compileAliases names a bad key or target', () => {
    assert.throws(() => compileAliases({ 'not an address': ['a@b.test'] }), /key "not an address"/);
    assert.throws(() => compileAliases({ 'a@b.test': ['nope'] }), /aliases\["a@b.test"\]: "nope"/);
  });
});

describe('isKnownLocalRecipient', () => {
  const base = { localDomains: ['local.test', 'open.test', 'users.test'], mailboxes: ['alice@local.test', 'Bob@Local.test'], aliases: { 'postmaster@local.test': ['alice@local.test'] } };

  test('a domain with mailboxes or aliases rejects unknown users', () => {
    assert.equal(isKnownLocalRecipient(mb('alice@local.test'), base), true);
    assert.equal(isKnownLocalRecipient(mb('ALICE@local.test'), base), true);
    assert.equal(isKnownLocalRecipient(mb('bob@local.test'), base), true);
    assert.equal(isKnownLocalRecipient(mb('PostMaster@local.test'), base), true);
    assert.equal(isKnownLocalRecipient(mb('mallory@local.test'), base), false);
  });

  test('a local domain nobody listed users for accepts everyone', () => {
    assert.equal(isKnownLocalRecipient(mb('anyone@open.test'), base), true);
  });

  test('a domain with only an alias key is checked; a catch-all accepts all', () => {
    const cfg = { ...base, mailboxes: [], aliases: { 'info@open.test': ['alice@local.test'] } };
    assert.equal(isKnownLocalRecipient(mb('info@open.test'), cfg), true);
    assert.equal(isKnownLocalRecipient(mb('x@open.test'), cfg), false);
    const catchAll = { ...cfg, aliases: { ...cfg.aliases, '@open.test': ['alice@local.test'] } };
    assert.equal(isKnownLocalRecipient(mb('x@open.test'), catchAll), true);
  });

  test('a user database makes every local domain checked', () => {
    const check = compileLocalRecipients({ ...base, userExists: (m) => m.local === 'carol' });
    assert.equal(check(mb('carol@users.test')), true);
    assert.equal(check(mb('dave@users.test')), false);
    assert.equal(check(mb('alice@local.test')), true);
  });

  test('foreign domains are not judged here', () => {
    assert.equal(isKnownLocalRecipient(mb('anyone@elsewhere.test'), base), true);
  });

  test('a compiled alias table can be passed in', () => {
    const check = compileLocalRecipients({ ...base, aliases: compileAliases(base.aliases) });
    assert.equal(check(mb('postmaster@local.test')), true);
    assert.equal(check(mb('nobody@local.test')), false);
  });
});
