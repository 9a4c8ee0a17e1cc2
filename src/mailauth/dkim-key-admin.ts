import type { Clock } from '../core/index.js';
import type { DkimKeyEvent } from '../events/index.js';
import { DKIM_ALGORITHMS, DkimKeyStoreError, type DkimAlgorithm, type DkimKeyStore } from './dkim-key-store.js';
import { defaultSelector, dkimRecordName, dkimRecordValue, generateDkimKey, isSelector, normalizeDomain } from './dkim-keys.js';
import type { KeySealer } from './key-seal.js';
import { splitTxt } from './txt-record.js';

/** Making keys: `baton dkim keygen`, `baton dkim rotate`, and the automatic rotation. */

export interface KeyAdminDeps {
  readonly store: DkimKeyStore;
  readonly sealer: KeySealer;
  readonly clock: Clock;
}

/** A new key and the DNS record to publish for it. */
export interface NewKeyRecord {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /** SELECTOR._domainkey.DOMAIN */
  readonly name: string;
  /** "v=DKIM1; k=...; p=..." */
  readonly value: string;
  /** The value as TXT character-strings of at most 255 bytes. */
  readonly strings: readonly string[];
  /** The event that records it (state pending-dns). */
  readonly event: DkimKeyEvent;
}

/** The private key is sealed before it reaches the store; its AAD ties it to this domain and selector. */
export function sealContext(domain: string, selector: string): string {
  return `${domain}/${selector}`;
}

/** Generate a key for a domain; it waits in pending-dns until DNS publishes it. */
export async function createKey(
  deps: KeyAdminDeps,
  req: { readonly domain: string; readonly algorithm: DkimAlgorithm; readonly selector?: string; readonly reason?: string },
): Promise<NewKeyRecord> {
  const domain = normalizeDomain(req.domain);
  if (domain === undefined) throw new DkimKeyStoreError(`not a domain name: ${req.domain}`, 'invalid');
  if (!DKIM_ALGORITHMS.includes(req.algorithm)) throw new DkimKeyStoreError(`unknown algorithm ${req.algorithm} (${DKIM_ALGORITHMS.join(' or ')})`, 'invalid');
  const now = deps.clock.now();
  const taken = new Set((await deps.store.list(domain)).map((k) => k.selector));
  const selector = req.selector?.toLowerCase() ?? defaultSelector(now, req.algorithm, taken);
  if (!isSelector(selector)) throw new DkimKeyStoreError(`not a selector (DNS labels of letters, digits and "-"): ${selector}`, 'invalid');
  const generated = await generateDkimKey(req.algorithm);
  const sealedKey = deps.sealer.seal(generated.privateKey, sealContext(domain, selector));
  generated.privateKey.fill(0);
  await deps.store.add({ domain, selector, algorithm: req.algorithm, publicKey: generated.publicKey, sealedKey, createdAt: now });
  const value = dkimRecordValue(req.algorithm, generated.publicKey);
  return {
    domain,
    selector,
    algorithm: req.algorithm,
    name: dkimRecordName(selector, domain),
    value,
    strings: splitTxt(value),
    event: { type: 'dkim-key', at: now, domain, selector, algorithm: req.algorithm, state: 'pending-dns', ...(req.reason ? { reason: req.reason } : {}) },
  };
}

/**
 * Start a staged rotation (docs/deliverability.md#rotation): a new key for
 * each algorithm the domain signs with now (or the one asked for). The old
 * key keeps signing until DNS publishes the new one.
 */
export async function startRotation(deps: KeyAdminDeps, domainInput: string, algorithm?: DkimAlgorithm, reason = 'rotate'): Promise<NewKeyRecord[]> {
  const domain = normalizeDomain(domainInput);
  if (domain === undefined) throw new DkimKeyStoreError(`not a domain name: ${domainInput}`, 'invalid');
  const keys = await deps.store.list(domain);
  const algorithms = [...new Set(keys.filter((k) => k.state === 'active' && (algorithm === undefined || k.algorithm === algorithm)).map((k) => k.algorithm))];
  if (algorithms.length === 0) {
    const what = algorithm === undefined ? '' : `${algorithm} `;
    throw new DkimKeyStoreError(`${domain} has no active ${what}key to rotate (make one with "baton dkim keygen ${domain}")`, 'invalid');
  }
  const waiting = keys.filter((k) => k.state === 'pending-dns' && algorithms.includes(k.algorithm));
  if (waiting.length > 0) {
    throw new DkimKeyStoreError(`a rotation of ${domain} is under way: ${waiting.map((k) => k.selector).join(', ')} waits for its DNS record (see "baton dkim status")`, 'exists');
  }
  const out: NewKeyRecord[] = [];
  for (const a of algorithms) out.push(await createKey(deps, { domain, algorithm: a, reason }));
  return out;
}
