/**
 * The DKIM key store (DESIGN §9 Store): signing keys per sending domain, their
 * selectors and rotation states. Every backend passes
 * `dkim-key-store.contract.ts`; callers never see SQL. Private keys arrive
 * already sealed (key-seal.ts): a backend stores opaque bytes and never sees
 * the secret.
 */

export const DKIM_ALGORITHMS = ['rsa-2048', 'ed25519'] as const;
export type DkimAlgorithm = (typeof DKIM_ALGORITHMS)[number];

/**
 * A key's life (docs/deliverability.md#dkim):
 * - pending-dns: made, waiting until DNS publishes its public key; never signs;
 * - active: signs its domain's mail (one per domain and algorithm);
 * - retiring: replaced, no longer signs, but its DNS record must stay published
 *   so that mail signed before the switch still verifies;
 * - retired: done; its private key is erased and its record may be removed.
 */
export const DKIM_KEY_STATES = ['pending-dns', 'active', 'retiring', 'retired'] as const;
export type DkimKeyState = (typeof DKIM_KEY_STATES)[number];

export interface NewDkimKey {
  /** Lower-case A-labels (RFC 5890), no trailing dot. */
  readonly domain: string;
  /** One or more DNS labels (RFC 6376 §3.1), lower case. */
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  /**
   * The p= value (RFC 6376 §3.6.1): base64 of the public key, for RSA its
   * SubjectPublicKeyInfo DER, for Ed25519 the raw 32 bytes (RFC 8463 §4.2).
   */
  readonly publicKey: string;
  /** The private key sealed with the configured secret. */
  readonly sealedKey: Buffer;
  readonly createdAt: number;
}

export interface DkimKeyRecord extends Omit<NewDkimKey, 'sealedKey'> {
  readonly state: DkimKeyState;
  /** When it entered `state`. */
  readonly stateSince: number;
  /** Absent once retired: the private key is erased then. */
  readonly sealedKey?: Buffer;
}

/** One state change a store operation made. */
export interface DkimKeyChange {
  readonly domain: string;
  readonly selector: string;
  readonly algorithm: DkimAlgorithm;
  readonly from: DkimKeyState;
  readonly to: DkimKeyState;
}

export interface DkimKeyStore {
  /** A new key in state pending-dns. Fails with DkimKeyStoreError 'exists' when the domain has the selector already. */
  add(key: NewDkimKey): Promise<void>;
  /** Every key (of one domain, when given), by domain then age, oldest first. */
  list(domain?: string): Promise<DkimKeyRecord[]>;
  /**
   * The switch, in one commit: this pending key becomes active; the domain's
   * other active keys of the same algorithm become retiring; its older pending
   * keys of that algorithm are retired (superseded). Returns the changes; none
   * when the key was not pending any more (another node made the switch).
   */
  activate(domain: string, selector: string, at: number): Promise<DkimKeyChange[]>;
  /** Retiring becomes retired and the private key is erased; false when the key was not retiring. */
  retire(domain: string, selector: string, at: number): Promise<boolean>;
  close(): Promise<void>;
}

export class DkimKeyStoreError extends Error {
  override readonly name = 'DkimKeyStoreError';
  constructor(
    message: string,
    readonly code: 'exists' | 'invalid',
  ) {
    super(message);
  }
}
