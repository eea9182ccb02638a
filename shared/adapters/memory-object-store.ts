import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { checkKey, listChildren } from './object-keys';

/** An `ObjectStore` in memory, for tests and benchmarks. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private version = 0;

  get(key: string): Promise<StoredObject | undefined> {
    try {
      checkKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const found = this.objects.get(key);
    return Promise.resolve(found && { ...found, body: Buffer.from(found.body) });
  }

  put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    try {
      checkKey(key);
    } catch (error) {
      return Promise.reject(error);
    }
    const current = this.objects.get(key);
    if ((options.ifNoneMatch === '*' && current) || (options.ifMatch && current?.etag !== options.ifMatch)) {
      return Promise.reject(new ConcurrencyError(key));
    }
    const etag = `"m${++this.version}"`;
    this.objects.set(key, {
      body: Buffer.from(body),
      etag,
      contentType: options.contentType ?? 'application/octet-stream',
    });
    return Promise.resolve(etag);
  }

  delete(key: string): Promise<void> {
    this.objects.delete(key);
    return Promise.resolve();
  }

  list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    return Promise.resolve(listChildren(this.objects.keys(), prefix, options));
  }
}
