import type { Config } from '../config/index.js';
import type { Clock } from '../core/index.js';
import { createResolver } from '../dns/index.js';
import type { DkimKeyEvent } from '../events/index.js';
import type { Logger } from '../log/index.js';
import type { DkimKeyStore } from './dkim-key-store.js';
import { sealContext } from './dkim-key-admin.js';
import { DkimKeyring } from './dkim-keyring.js';
import { DnsPublicationChecker } from './dns-publication-checker.js';
import { KeySealer, readDkimSecret } from './key-seal.js';

export interface DkimSigningSetup {
  /** The keys that sign now, for the outbound transform. */
  readonly keyring: DkimKeyring;
  /** Switches and retires keys as DNS and time say; started and stopped by main.ts. */
  readonly checker: DnsPublicationChecker;
}

/**
 * DKIM for a node that delivers: undefined (no signing) when no secret is
 * configured and no key is stored. Refuses to start with stored keys but no
 * secret, or with a secret that does not open every one of them, rather than
 * send mail unsigned without a word.
 */
export async function setUpDkimSigning(
  config: Pick<Config, 'dkim' | 'dns'>,
  deps: { readonly store: DkimKeyStore; readonly clock: Clock; readonly logger: Logger; readonly onEvent: (e: DkimKeyEvent) => void },
): Promise<DkimSigningSetup | undefined> {
  const { store, clock } = deps;
  const secret = readDkimSecret(config.dkim);
  const live = (await store.list()).filter((k) => k.state !== 'retired');
  if (secret === undefined) {
    if (live.length === 0) return undefined;
    const names = live.slice(0, 3).map((k) => `${k.selector}._domainkey.${k.domain}`);
    throw new Error(
      `${live.length} DKIM key(s) are stored (${names.join(', ')}) but neither dkim.secret nor dkim.secretFile is set: Baton needs the secret they were stored with to sign`,
    );
  }
  const sealer = new KeySealer(secret);
  // Every key that may sign one day must open now, not at its switch weeks later.
  for (const k of live) if (k.sealedKey) sealer.open(k.sealedKey, sealContext(k.domain, k.selector)).fill(0);
  const keyring = new DkimKeyring({ store, sealer });
  await keyring.refresh();
  const { dkim } = config;
  const checker = new DnsPublicationChecker({
    store,
    sealer,
    keyring,
    clock,
    // A resolver of its own: the checker clears its cache every round.
    dns: createResolver(config.dns, clock),
    intervalMs: dkim.checkInterval,
    policy: { retireAfterMs: dkim.retireAfter, ...(dkim.rotateEvery !== undefined ? { rotateEveryMs: dkim.rotateEvery } : {}) },
    onEvent: deps.onEvent,
    logger: deps.logger,
  });
  return { keyring, checker };
}

/** The sealer for the CLI's key commands, which need the secret too. */
export function requireSealer(config: Pick<Config, 'dkim'>): KeySealer {
  const secret = readDkimSecret(config.dkim);
  if (secret === undefined) throw new Error('set dkim.secret or dkim.secretFile in the config first: private keys are stored encrypted with it');
  return new KeySealer(secret);
}
