import { createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import type { Clock } from '../../core/index.js';

/**
 * Signed double opt-in confirmation tokens: (key id, issued day, contact id,
 * list id) and a 128-bit truncated HMAC-SHA256 over them, keyed with the
 * `unsubscribe.secrets` (the same keys sign the unsubscribe links, so one
 * rotation covers both). A distinct context string keeps a confirmation MAC
 * from ever being valid as an unsubscribe MAC. No lookup table: any node with
 * the keys checks it; nobody without them makes one.
 */

export interface ConfirmKey {
  readonly id: string;
  readonly secret: string;
}

export interface ConfirmRequest {
  readonly contactId: number;
  readonly listId: number;
  readonly issuedDay: number;
}

export type ConfirmCheck = { readonly ok: true; readonly request: ConfirmRequest } | { readonly ok: false; readonly problem: 'malformed' | 'unknown-key' | 'forged' | 'expired' };

const VERSION = 3;
const MAC_BYTES = 16;
const DAY_MS = 86_400_000;
const CONTEXT = 'baton-confirm\0';

export class ConfirmTokens {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly signingId: string;

  constructor(private readonly opts: { readonly keys: readonly ConfirmKey[]; readonly clock: Clock; readonly maxAgeMs: number }) {
    const first = opts.keys[0];
    if (!first) throw new Error('confirmation tokens need at least one key');
    if (Buffer.byteLength(first.id, 'latin1') > 255) throw new Error('a key id must be at most 255 characters');
    this.signingId = first.id;
    this.keys = new Map(opts.keys.map((k) => [k.id, createSecretKey(Buffer.from(k.secret, 'utf8'))]));
  }

  issue(contactId: number, listId: number): string {
    const body = this.body(this.signingId, Math.floor(this.opts.clock.now() / DAY_MS), contactId, listId);
    return Buffer.concat([body, this.mac(this.signingId, body)]).toString('base64url');
  }

  verify(token: string): ConfirmCheck {
    if (token.length > 512 || !/^[A-Za-z0-9_-]+$/.test(token)) return { ok: false, problem: 'malformed' };
    const all = Buffer.from(token, 'base64url');
    const idLength = all[1];
    if (all[0] !== VERSION || idLength === undefined || all.length !== 2 + idLength + 2 + 6 + 6 + MAC_BYTES) return { ok: false, problem: 'malformed' };
    const keyId = all.toString('latin1', 2, 2 + idLength);
    if (!this.keys.has(keyId)) return { ok: false, problem: 'unknown-key' };
    const body = all.subarray(0, all.length - MAC_BYTES);
    if (!timingSafeEqual(this.mac(keyId, body), all.subarray(all.length - MAC_BYTES))) return { ok: false, problem: 'forged' };
    const at = 2 + idLength;
    const issuedDay = all.readUInt16BE(at);
    const today = Math.floor(this.opts.clock.now() / DAY_MS);
    if ((today - issuedDay) * DAY_MS > this.opts.maxAgeMs) return { ok: false, problem: 'expired' };
    return { ok: true, request: { issuedDay, contactId: all.readUIntBE(at + 2, 6), listId: all.readUIntBE(at + 8, 6) } };
  }

  private body(keyId: string, day: number, contactId: number, listId: number): Buffer {
    const id = Buffer.from(keyId, 'latin1');
    const b = Buffer.alloc(2 + id.length + 2 + 6 + 6);
    b[0] = VERSION;
    b[1] = id.length;
    id.copy(b, 2);
    b.writeUInt16BE(day, 2 + id.length);
    b.writeUIntBE(contactId, 4 + id.length, 6);
    b.writeUIntBE(listId, 10 + id.length, 6);
    return b;
  }

  private mac(keyId: string, body: Buffer): Buffer {
    return createHmac('sha256', this.keys.get(keyId) as KeyObject).update(CONTEXT).update(body).digest().subarray(0, MAC_BYTES);
  }
}
