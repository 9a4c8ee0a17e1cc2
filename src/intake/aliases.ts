import type { Mailbox } from '../core/index.js';
import { formatMailbox, parseMailbox } from '../core/index.js';

/**
 * Alias expansion (config `aliases`) and the RCPT-time check for unknown local
 * users. Keys are "user@domain" or "@domain" (catch-all for the domain); both
 * match case-insensitively, because the Maildir of a user is chosen
 * case-insensitively too (maildir.ts) — "Postmaster@" must reach the same place
 * as "postmaster@".
 */

export type AliasConfig = Readonly<Record<string, readonly string[]>>;

export interface AliasTable {
  /** "user@domain" (lower case) → targets. */
  readonly exact: ReadonlyMap<string, readonly Mailbox[]>;
  /** "domain" (lower case) → targets of the "@domain" catch-all. */
  readonly catchAll: ReadonlyMap<string, readonly Mailbox[]>;
  /** Domains that have at least one alias key. */
  readonly domains: ReadonlySet<string>;
}

/** The comparison key of an address: case-insensitive in both parts. */
export function addressKey(m: Mailbox): string {
  return `${m.local}@${m.domain}`.toLowerCase();
}

/** Parse the config once. Throws on a key or target that is not an address, naming it. */
export function compileAliases(config: AliasConfig): AliasTable {
  const exact = new Map<string, Mailbox[]>();
  const catchAll = new Map<string, Mailbox[]>();
  const domains = new Set<string>();
  for (const [key, list] of Object.entries(config)) {
    const targets = list.map((t) => {
      const m = parseMailbox(t.trim());
      if (!m) throw new SyntaxError(`aliases["${key}"]: "${t}" is not an address (user@domain)`);
      return m;
    });
    if (key.startsWith('@')) {
      const domain = key.slice(1).toLowerCase();
      if (!parseMailbox(`x${key}`)) throw new SyntaxError(`aliases: key "${key}" is not "@domain"`);
      catchAll.set(domain, [...(catchAll.get(domain) ?? []), ...targets]);
      domains.add(domain);
    } else {
      const m = parseMailbox(key.trim());
      if (!m) throw new SyntaxError(`aliases: key "${key}" is not "user@domain" or "@domain"`);
      const k = addressKey(m);
      exact.set(k, [...(exact.get(k) ?? []), ...targets]);
      domains.add(m.domain);
    }
  }
  return { exact, catchAll, domains };
}

/** Direct targets of an address: its own key first, then its domain's catch-all. */
export function lookupAlias(table: AliasTable, m: Mailbox): readonly Mailbox[] | undefined {
  return table.exact.get(addressKey(m)) ?? table.catchAll.get(m.domain.toLowerCase());
}

export type ExpandResult =
  | { readonly ok: true; readonly addresses: readonly Mailbox[] }
  | { readonly ok: false; readonly problem: 'loop' | 'too-deep' | 'too-many'; readonly detail: string };

export interface ExpandLimits {
  /** Nesting of aliases. Postfix virtual_alias_recursion_limit is 1000; real tables need a handful. */
  readonly maxDepth?: number;
  /** Final addresses from one recipient. Postfix virtual_alias_expansion_limit: 1000. */
  readonly maxAddresses?: number;
}

/**
 * Expand one recipient to its final addresses, recursively. An alias that lists
 * itself ends there and is delivered as is (Postfix virtual(5) semantics): this
 * is how "alice@x: [alice@x, archive@y]" keeps a copy, and why a catch-all
 * "@x: [admin@x]" does not loop on admin@x. Any other cycle is a configuration
 * error ('loop'); the caller should defer (451 4.3.0), not bounce, since the
 * fix is ours to make. Results are de-duplicated case-insensitively.
 */
export function expandAliases(address: Mailbox, table: AliasTable, limits: ExpandLimits = {}): ExpandResult {
  const maxDepth = limits.maxDepth ?? 20;
  const maxAddresses = limits.maxAddresses ?? 1000;
  // Bounds the walk itself: a diamond-shaped table can revisit nodes exponentially often.
  let budget = maxAddresses * 10;
  const out = new Map<string, Mailbox>();
  const path = new Set<string>();

  const walk = (m: Mailbox, depth: number): ExpandResult | undefined => {
    if (--budget < 0) return { ok: false, problem: 'too-many', detail: `expanding ${formatMailbox(address)} took too many steps` };
    const key = addressKey(m);
    const targets = lookupAlias(table, m);
    if (!targets) {
      if (!out.has(key)) out.set(key, m);
      if (out.size > maxAddresses) return { ok: false, problem: 'too-many', detail: `${formatMailbox(address)} expands to more than ${maxAddresses} addresses` };
      return undefined;
    }
    if (depth >= maxDepth) return { ok: false, problem: 'too-deep', detail: `aliases nest deeper than ${maxDepth} at ${formatMailbox(m)}` };
    path.add(key);
    for (const t of targets) {
      const tk = addressKey(t);
      let r: ExpandResult | undefined;
      if (tk === key) {
        if (!out.has(tk)) out.set(tk, t);
        if (out.size > maxAddresses) r = { ok: false, problem: 'too-many', detail: `${formatMailbox(address)} expands to more than ${maxAddresses} addresses` };
      } else if (path.has(tk)) {
        r = { ok: false, problem: 'loop', detail: `alias loop: ${[...path, tk].join(' -> ')}` };
      } else {
        r = walk(t, depth + 1);
      }
      if (r) return r;
    }
    path.delete(key);
    return undefined;
  };

  return walk(address, 0) ?? { ok: true, addresses: [...out.values()] };
}

export interface LocalRecipientOptions {
  readonly localDomains: readonly string[];
  /** Config `local.mailboxes`. */
  readonly mailboxes: readonly string[];
  readonly aliases: AliasConfig | AliasTable;
  /**
   * A user database, when there is one (e.g. an LMTP server's or a directory's).
   * Its presence makes every local domain a checked one.
   */
  readonly userExists?: (m: Mailbox) => boolean;
}

/** Compile the options once for use on every RCPT. */
export function compileLocalRecipients(opts: LocalRecipientOptions): (address: Mailbox) => boolean {
  const local = new Set(opts.localDomains.map((d) => d.toLowerCase()));
  const table = isTable(opts.aliases) ? opts.aliases : compileAliases(opts.aliases);
  const boxes = new Set<string>();
  const checked = new Set<string>(table.domains);
  for (const text of opts.mailboxes) {
    const m = parseMailbox(text.trim());
    if (!m) continue; // the config schema has already refused these
    boxes.add(addressKey(m));
    checked.add(m.domain);
  }
  const userExists = opts.userExists;
  return (address) => {
    const domain = address.domain.toLowerCase();
    // Not ours to judge: relay and foreign domains are decided by relay access.
    if (!local.has(domain)) return true;
    // A local domain with no list of users accepts everything (DESIGN §6: a
    // safe default that does not lose mail for a domain nobody described).
    if (!checked.has(domain) && !userExists) return true;
    if (lookupAlias(table, address)) return true;
    if (boxes.has(addressKey(address))) return true;
    return userExists ? userExists(address) : false;
  };
}

/**
 * Whether RCPT for `address` should be accepted as far as local users go; false
 * means answer 550 5.1.1 (Replies.mailboxUnknown). Only domains with mailboxes,
 * aliases or a user database are checked; others accept every user.
 */
export function isKnownLocalRecipient(address: Mailbox, opts: LocalRecipientOptions): boolean {
  return compileLocalRecipients(opts)(address);
}

function isTable(a: AliasConfig | AliasTable): a is AliasTable {
  return a.exact instanceof Map && a.catchAll instanceof Map && a.domains instanceof Set;
}
