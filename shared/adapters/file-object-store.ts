import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { checkKey, contentTypeOf, pageOf } from './object-keys';

const TMP_SUFFIX = '.tmp';

function etagOf(body: Buffer): string {
  return `"${createHash('sha1').update(body).digest('base64url')}"`;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

/**
 * An `ObjectStore` on the local file system, for the embedded runtime. Writes go to a temporary file that
 * is renamed over the target, so readers and a crash never see half an object. Conditional writes are
 * serialised per key within the process; one process owns a data folder (the runtime takes a lock file).
 * Content types are not kept: they are derived from the key's extension.
 */
export class FileObjectStore implements ObjectStore {
  private readonly locks = new Map<string, Promise<unknown>>();
  /** ETags this process wrote: the process owns the folder, so a conditional write needs no re-read. */
  private readonly written = new Map<string, string>();

  constructor(private readonly root: string) {}

  private path(key: string): string {
    checkKey(key);
    return join(this.root, ...key.split('/'));
  }

  async get(key: string): Promise<StoredObject | undefined> {
    try {
      const body = await readFile(this.path(key));
      return { body, etag: etagOf(body), contentType: contentTypeOf(key) };
    } catch (error) {
      if (isMissing(error)) return undefined;
      throw error;
    }
  }

  put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    const data = Buffer.isBuffer(body) ? body : Buffer.from(body);
    if (!options.ifMatch && !options.ifNoneMatch) {
      this.written.delete(key);
      return this.write(key, data);
    }
    return this.serialised(key, async () => {
      const known = options.ifMatch !== undefined ? this.written.get(key) : undefined;
      const currentEtag = known ?? (await this.get(key))?.etag;
      if (
        (options.ifNoneMatch === '*' && currentEtag) ||
        (options.ifMatch && currentEtag !== options.ifMatch)
      ) {
        throw new ConcurrencyError(key);
      }
      const etag = await this.write(key, data);
      this.written.set(key, etag);
      return etag;
    });
  }

  async delete(key: string): Promise<void> {
    this.written.delete(key);
    await rm(this.path(key), { force: true });
  }

  async list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    checkKey(prefix, true);
    let entries;
    try {
      entries = await readdir(join(this.root, ...prefix.split('/').filter(Boolean)), { withFileTypes: true });
    } catch (error) {
      if (isMissing(error)) return [];
      throw error;
    }
    const names = entries
      .filter((entry) => !entry.name.endsWith(TMP_SUFFIX))
      .map((entry) => (entry.isDirectory() ? `${entry.name}/` : entry.name));
    return pageOf(names, options);
  }

  private async write(key: string, data: Buffer): Promise<string> {
    const target = this.path(key);
    const temp = `${target}.${randomBytes(6).toString('hex')}${TMP_SUFFIX}`;
    try {
      await writeFile(temp, data);
    } catch (error) {
      if (!isMissing(error)) throw error;
      await mkdir(dirname(target), { recursive: true });
      await writeFile(temp, data);
    }
    await rename(temp, target);
    return etagOf(data);
  }

  private async serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(key) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.catch(() => undefined);
    this.locks.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.locks.get(key) === settled) this.locks.delete(key);
    }
  }
}
