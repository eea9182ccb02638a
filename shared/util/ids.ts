import { randomFillSync } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

/** Random bytes drawn in blocks: one call into the generator per 128 ids (as `randomUUID` does). */
const pool = Buffer.alloc(16 * 128);
let pooled = pool.length;

/** The 10 characters of milliseconds an id starts with. */
function timePart(now: number): string {
  let time = '';
  let t = now;
  for (let i = 0; i < 10; i++) {
    time = ALPHABET[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  return time;
}

/**
 * A document id that sorts by creation time (10 characters of milliseconds, then 16 random characters),
 * so listings come out in creation order and a time range is a key range.
 */
export function newDocumentId(now: number = Date.now()): string {
  if (pooled === pool.length) {
    randomFillSync(pool);
    pooled = 0;
  }
  let tail = '';
  for (let i = pooled; i < pooled + 16; i++) tail += ALPHABET[pool[i]! % 32]!;
  pooled += 16; // bytes used once, never again
  return timePart(now) + tail;
}

/** The smallest id that could have been created at `time`: the lower bound of a time range. */
export function documentIdFloor(time: number): string {
  return timePart(time);
}

/** The creation time an id (or a time floor) starts with, or undefined for a string that has none. */
export function documentIdTime(id: string): number | undefined {
  if (!/^[0-9a-hjkmnp-tv-z]{10}/.test(id)) return undefined;
  let time = 0;
  for (let i = 0; i < 10; i++) time = time * 32 + ALPHABET.indexOf(id[i]!);
  return time;
}

export const DOCUMENT_ID_PATTERN = /^[0-9a-hjkmnp-tv-z]{26}$/;
export const TENANT_ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
