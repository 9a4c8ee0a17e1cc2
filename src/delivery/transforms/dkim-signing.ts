import type { DkimConfig } from '../../config/index.js';
import type { Clock, HeaderEdits } from '../../core/index.js';
import { messageAuthorDomain, signMessage, splitMessage, type SigningKey } from '../../mailauth/index.js';
import type { OutboundTransform, OutboundView } from './outbound.js';

export interface DkimSigningOptions {
  /** The active keys (mailauth/DkimKeyring). */
  readonly keyring: { readonly generation: number; readonly hasKeys: boolean; keysFor(domain: string): readonly SigningKey[] };
  readonly clock: Clock;
  /** `timestamp` (t=) and `expiry` (x=). */
  readonly config: Pick<DkimConfig, 'timestamp' | 'expiry'>;
  /** Messages whose signatures are kept (default 1000). */
  readonly cacheSize?: number;
}

/** A signature is reused this long: a message split over several jobs goes out within it; a retry later signs afresh. */
const REUSE_MS = 5 * 60_000;

interface Signed {
  readonly generation: number;
  readonly at: number;
  /** The header as signed and the body's length: a job whose earlier transforms changed either signs again. */
  readonly header: Buffer;
  readonly bodyLength: number;
  readonly fields: Promise<string[]>;
}

/**
 * DKIM signing (RFC 6376), the last outbound transform, so it signs what is
 * sent: mail whose From domain (or a parent of it) has an active key gets a
 * DKIM-Signature per key (an RSA and an Ed25519 key: both, RFC 8463). A
 * message goes out once per destination, so its signature is made once per
 * queue id and kept in a small bounded cache; mail without a single From
 * domain, or of a domain without a key, goes out as it is.
 */
export function dkimSigningTransform(opts: DkimSigningOptions): OutboundTransform {
  const cache = new Map<string, Signed>();
  const max = opts.cacheSize ?? 1000;
  const { timestamp, expiry } = opts.config;
  return {
    name: 'dkim-signing',
    async edit(view: OutboundView): Promise<HeaderEdits> {
      if (!opts.keyring.hasKeys) return {};
      const message = splitMessage(view.parts);
      const domain = messageAuthorDomain(message);
      if (domain === undefined) return {};
      const keys = opts.keyring.keysFor(domain);
      if (keys.length === 0) return {};
      const now = opts.clock.now();
      const bodyLength = message.body.reduce((n, p) => n + p.length, 0);
      const id = view.message.id;
      const hit = cache.get(id);
      if (hit && hit.generation === opts.keyring.generation && now - hit.at < REUSE_MS && hit.bodyLength === bodyLength && hit.header.equals(message.header)) {
        return { prepend: await hit.fields };
      }
      const fields = signMessage(message, keys, { now, timestamp, ...(expiry !== undefined ? { expiryMs: expiry } : {}) });
      cache.delete(id);
      cache.set(id, { generation: opts.keyring.generation, at: now, header: message.header, bodyLength, fields });
      // Oldest first out: Map keeps insertion order.
      if (cache.size > max) cache.delete(cache.keys().next().value as string);
      fields.catch(() => {
        if (cache.get(id)?.fields === fields) cache.delete(id);
      });
      return { prepend: await fields };
    },
  };
}
