/**
 * Key/value storage of documents, artifacts and configuration, with optimistic concurrency.
 * Keys are `/`-separated paths; a key ending in `/` is a folder. Implemented by `LevelObjectStore` and
 * `JournalObjectStore` (embedded runtime), `FileObjectStore`, `BlobObjectStore` (Azure Blob Storage) and
 * `MemoryObjectStore` (tests).
 */
export interface StoredObject {
  body: Buffer;
  etag: string;
  contentType: string;
}

export interface PutOptions {
  contentType?: string;
  /** Write only if the current object has this ETag; otherwise throw `ConcurrencyError`. */
  ifMatch?: string;
  /** `*`: write only if no object exists; otherwise throw `ConcurrencyError`. */
  ifNoneMatch?: '*';
}

export interface ListOptions {
  /** Return only names that sort after this one (exclusive). */
  after?: string;
  /** At most this many names (default: all). */
  limit?: number;
}

export interface ObjectStore {
  get(key: string): Promise<StoredObject | undefined>;
  /** Stores `body` atomically (readers see the old or the new object, never a mix) and returns the new ETag. */
  put(key: string, body: Buffer | string, options?: PutOptions): Promise<string>;
  /** Removes the object; a missing object is not an error. */
  delete(key: string): Promise<void>;
  /**
   * The names directly under folder `prefix` (which ends in `/`), in ascending byte order. Sub-folders are
   * returned with a trailing `/`.
   */
  list(prefix: string, options?: ListOptions): Promise<string[]>;
  /** Waits for outstanding writes and releases files or connections, where the adapter holds any. */
  close?(): Promise<void>;
}
