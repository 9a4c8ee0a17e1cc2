import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';

/** Our identifier for an accepted message: time-sortable, 20 characters, URL- and log-safe. */
export type QueueId = string & { readonly __brand: 'QueueId' };

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'; // Crockford base32: no I, L, O, U

/** 10 chars of milliseconds since the epoch (sortable) + 10 chars of randomness. */
export function newQueueId(clock: Clock): QueueId {
  let time = clock.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = ALPHABET.charAt(time % 32) + head;
    time = Math.floor(time / 32);
  }
  const rnd = randomBytes(10);
  let tail = '';
  for (const byte of rnd) tail += ALPHABET.charAt(byte % 32);
  return (head + tail) as QueueId;
}

export function isQueueId(text: string): text is QueueId {
  return /^[0-9A-HJKMNP-TV-Z]{20}$/.test(text);
}
