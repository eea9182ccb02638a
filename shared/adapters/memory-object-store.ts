import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { checkKey, listChildren } from './object-keys';

/** An `ObjectStore` in memory, for tests and benchmarks. Errors are rejections, as with the real stores. */
export class MemoryObjectStore implements ObjectStore {
  private readonly objects = new Map<string, StoredObject>();
  private version = 0;

  get(key: string): Promise<StoredObject | undefined> {
    return new Promise((resolve) => {
      checkKey(key);
      const found = this.objects.get(key);
      resolve(found && { ...found, body: Buffer.from(found.body) });
    });
  }

  put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    return new Promise((resolve) => {
      checkKey(key);
      const current = this.objects.get(key);
      if (
        (options.ifNoneMatch === '*' && current) ||
        (options.ifMatch && current?.etag !== options.ifMatch)
      ) {
        throw new ConcurrencyError(key);
      }
      const etag = `"m${++this.version}"`;
      this.objects.set(key, {
        body: Buffer.from(body),
        etag,
        contentType: options.contentType ?? 'application/octet-stream',
      });
      resolve(etag);
    });
  }

  delete(key: string): Promise<void> {
    return new Promise((resolve) => {
      checkKey(key);
      this.objects.delete(key);
      resolve();
    });
  }

  list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    return new Promise((resolve) => {
      checkKey(prefix, true);
      resolve(listChildren(this.objects.keys(), prefix, options));
    });
  }
}
