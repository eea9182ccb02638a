import { ConcurrencyError, EInvoiceError } from '../errors';
import type { ObjectStore } from '../ports/object-store';
import { sha256Hex } from './document-store';

/**
 * Numbers handed out in order per tenant and counter (a transmitter's file names, say), each to one owner: the
 * same owner asking again gets the same number (a step that runs twice numbers its document once). Stored as
 * objects with optimistic concurrency, so that several processes share a counter; a number lost between
 * taking it and recording its owner (a crash in between) leaves a gap, never a number given twice.
 */
export class Counters {
  constructor(
    private readonly objects: ObjectStore,
    private readonly attempts = 50,
  ) {}

  private folder(tenantId: string, counter: string): string {
    return `tenants/${tenantId}/counters/${sha256Hex(counter)}/`;
  }

  /** The number of `owner` on `counter`, taken now (the next one) if it has none; the first is 1. */
  async take(tenantId: string, counter: string, owner: string): Promise<number> {
    const folder = this.folder(tenantId, counter);
    const ownerKey = `${folder}owners/${sha256Hex(owner)}`;
    const held = await this.objects.get(ownerKey);
    if (held) return Number(held.body.toString('utf8'));
    for (let attempt = 0; attempt < this.attempts; attempt++) {
      const current = await this.objects.get(`${folder}next`);
      const next = current ? Number((JSON.parse(current.body.toString('utf8')) as { next: number }).next) : 1;
      try {
        await this.objects.put(`${folder}next`, JSON.stringify({ counter, next: next + 1 }), {
          contentType: 'application/json',
          ...(current ? { ifMatch: current.etag } : { ifNoneMatch: '*' as const }),
        });
      } catch (error) {
        if (error instanceof ConcurrencyError) continue;
        throw error;
      }
      try {
        await this.objects.put(ownerKey, String(next), { ifNoneMatch: '*' });
        return next;
      } catch (error) {
        // the owner took one meanwhile (the same step run twice at once): that one is its number
        if (!(error instanceof ConcurrencyError)) throw error;
        const won = await this.objects.get(ownerKey);
        if (won) return Number(won.body.toString('utf8'));
      }
    }
    throw new EInvoiceError('counter.busy', `Counter ${counter} is too busy to take a number`, {
      retryable: true,
    });
  }
}

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** `number` written in `width` characters, decimal or alphanumeric (base 36, upper case), zero-padded. */
export function formatNumber(number: number, width: number, alphabet: 'decimal' | 'alphanumeric'): string {
  let text = '';
  const base = alphabet === 'decimal' ? 10 : 36;
  for (let rest = number; rest > 0; rest = Math.floor(rest / base)) text = ALPHANUMERIC[rest % base]! + text;
  if (text.length > width)
    throw new EInvoiceError(
      'counter.exhausted',
      `Number ${number} does not fit in ${width} ${alphabet} characters: the counter is used up`,
    );
  return text.padStart(width, '0');
}
