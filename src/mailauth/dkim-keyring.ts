import type { KeyObject } from 'node:crypto';
import type { DkimKeyRecord, DkimKeyStore } from './dkim-key-store.js';
import { loadPrivateKey } from './dkim-keys.js';
import type { SigningKey } from './dkim-signer.js';
import { sealContext } from './dkim-key-admin.js';
import type { KeySealer } from './key-seal.js';

/**
 * The keys that sign now: every active key, decrypted once and held in
 * memory, looked up per message without touching the store. `refresh()`
 * reloads from the store (the publication checker calls it after each round,
 * since the switch to a new key happens there).
 */
export class DkimKeyring {
  private byDomain = new Map<string, SigningKey[]>();
  /** Decrypted keys by domain/selector/public key, so a refresh decrypts only new ones. */
  private readonly decrypted = new Map<string, KeyObject>();
  private version = 0;

  constructor(private readonly deps: { readonly store: DkimKeyStore; readonly sealer: KeySealer }) {}

  /** Changes whenever the set of signing keys does (the signature cache keys on it). */
  get generation(): number {
    return this.version;
  }

  /** Any key signs at all: without one, messages are not even looked at. */
  get hasKeys(): boolean {
    return this.byDomain.size > 0;
  }

  /** Throws when an active key cannot be decrypted (a wrong secret): at start that stops Baton. */
  async refresh(): Promise<void> {
    const active = (await this.deps.store.list()).filter((k) => k.state === 'active');
    const next = new Map<string, SigningKey[]>();
    const kept = new Set<string>();
    for (const k of active) {
      const id = `${k.domain}/${k.selector}/${k.publicKey}`;
      kept.add(id);
      const privateKey = this.decrypted.get(id) ?? this.decrypt(k);
      this.decrypted.set(id, privateKey);
      const list = next.get(k.domain) ?? [];
      // RSA first: the signature every verifier reads comes on top (RFC 8463 §1: sign with both).
      list.push({ domain: k.domain, selector: k.selector, algorithm: k.algorithm, privateKey });
      list.sort((a, b) => (a.algorithm === b.algorithm ? 0 : a.algorithm === 'ed25519' ? 1 : -1));
      next.set(k.domain, list);
    }
    for (const id of this.decrypted.keys()) if (!kept.has(id)) this.decrypted.delete(id);
    if (!sameKeys(this.byDomain, next)) {
      this.byDomain = next;
      this.version++;
    }
  }

  /**
   * The keys for an author domain: its own, else those of its nearest parent
   * (mail from news.example.com signed d=example.com aligns under DMARC's
   * relaxed mode, RFC 7489 §3.1.1). Empty: the message goes unsigned.
   */
  keysFor(domain: string): readonly SigningKey[] {
    for (let d = domain; d.includes('.'); d = d.slice(d.indexOf('.') + 1)) {
      const keys = this.byDomain.get(d);
      if (keys) return keys;
    }
    return [];
  }

  private decrypt(k: DkimKeyRecord): KeyObject {
    if (!k.sealedKey) throw new Error(`the DKIM key ${k.selector} of ${k.domain} has no private key`);
    const der = this.deps.sealer.open(k.sealedKey, sealContext(k.domain, k.selector));
    try {
      return loadPrivateKey(der, k.publicKey);
    } finally {
      der.fill(0);
    }
  }
}

function sameKeys(a: ReadonlyMap<string, readonly SigningKey[]>, b: ReadonlyMap<string, readonly SigningKey[]>): boolean {
  if (a.size !== b.size) return false;
  for (const [domain, keys] of a) {
    const other = b.get(domain);
    if (!other || other.length !== keys.length || keys.some((k, i) => k.selector !== other[i]?.selector)) return false;
  }
  return true;
}
