import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/**
 * A document id that sorts by creation time (10 characters of milliseconds, then 16 random characters),
 * so listings come out in creation order and a time range is a key range.
 */
export function newDocumentId(now: number = Date.now()): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (const byte of random) tail += ALPHABET[byte % 32]!;
  return time + tail;
}

/** The smallest id that could have been created at `time`: the lower bound of a time range. */
export function documentIdFloor(time: number): string {
  return newDocumentId(time).slice(0, 10);
}

export const DOCUMENT_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
