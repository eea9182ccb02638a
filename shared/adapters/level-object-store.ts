import { mkdirSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { ConcurrencyError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { FolderStarts } from './folder-starts';
import { checkKey, contentTypeOf } from './object-keys';

export interface LevelObjectStoreOptions {
  /** LevelDB's block cache (uncompressed blocks recently read), in bytes. Default 8 MiB. */
  cacheBytes?: number;
  /**
   * LevelDB's memtable; up to two are held while one is written out. Default 16 MiB: large enough that
   * most of a document's record updates replace each other in memory instead of reaching the tables.
   */
  writeBufferBytes?: number;
  /**
   * Table files kept open, each with its block index and Bloom filter in memory and the file mapped for
   * reading (the pages read count in the resident memory, as page cache). Default 200.
   */
  maxOpenFiles?: number;
  /** Objects recently written or read, kept for the steps that read them next, in bytes. Default 16 MiB. */
  recentBytes?: number;
  /** `fsync` the write-ahead log before acknowledging a write (survives a power loss, costs a flush each). */
  sync?: boolean;
}

const MIB = 1024 * 1024;

/**
 * The memory options for `bytes` in all (`EINVOICE_STORE_CACHE_MB`): two sevenths for the objects used
 * last, one seventh for the block cache and two sevenths for each write buffer (at least 1 MiB, LevelDB's
 * smallest useful one). The defaults are this split of 56 MiB: 16, 8 and twice 16 MiB.
 */
export function levelStoreMemory(
  bytes: number,
): Required<Pick<LevelObjectStoreOptions, 'recentBytes' | 'cacheBytes' | 'writeBufferBytes'>> {
  const seventh = Math.floor(bytes / 7);
  return { recentBytes: 2 * seventh, cacheBytes: seventh, writeBufferBytes: Math.max(2 * seventh, MIB) };
}

const DEFAULT_MEMORY = levelStoreMemory(56 * MIB);

/*
 * Value layout: u8 format | u8 content-type length | f64 sequence number (little-endian) | content type | body.
 * The sequence number is the ETag; it lives in the value so that one LevelDB put replaces object and ETag
 * together.
 */
const FORMAT = 1;
const HEADER = 10;

/** Where the sequence high-water mark is kept: `!` is not a key character, so no listing ever meets it. */
const SEQUENCE_KEY = '!sequence';
/**
 * Sequence numbers are reserved on disk this many at a time, so that a write needs no second record: after
 * a restart numbering resumes past the reservation, and an ETag is never handed out twice for one key.
 */
const SEQUENCE_BLOCK = 1_000_000;
/** Larger objects are not kept among the recent ones: one would push out many small ones. */
const MAX_RECENT_OBJECT_BYTES = 1024 * 1024;

type Operation = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };
type ChainedBatch = ReturnType<ClassicLevel<string, Buffer>['batch']>;

interface Waiter {
  resolve: () => void;
  reject: (error: unknown) => void;
}

function etagOf(seq: number): string {
  return `"l${seq.toString(36)}"`;
}

function encode(seq: number, contentType: string, body: Buffer | string): Buffer {
  const typeLength = Buffer.byteLength(contentType, 'utf8');
  const bodyLength = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  // its own memory, not a slice of the shared pool: it may be kept among the recent objects
  const value = Buffer.allocUnsafeSlow(HEADER + typeLength + bodyLength);
  value.writeUInt8(FORMAT, 0);
  value.writeUInt8(typeLength, 1);
  value.writeDoubleLE(seq, 2);
  value.write(contentType, HEADER, 'utf8');
  if (typeof body === 'string') value.write(body, HEADER + typeLength, 'utf8');
  else body.copy(value, HEADER + typeLength);
  return value;
}

/** The object in `value`; `copy` when the value is kept (callers may change the body they are given). */
function decode(value: Buffer, copy = false): StoredObject {
  const typeEnd = HEADER + value.readUInt8(1);
  return {
    body: copy ? Buffer.from(value.subarray(typeEnd)) : value.subarray(typeEnd),
    etag: etagOf(value.readDoubleLE(2)),
    contentType: value.toString('utf8', HEADER, typeEnd),
  };
}

/**
 * The first key past every key that starts with `folder` (which ends in `/`): keys use only characters
 * above `/` or below it by a little (`+`, `-`, `.`), and `0` is the character right after `/`.
 */
function pastFolder(folder: string): string {
  return `${folder.slice(0, -1)}0`;
}

/** What a remembered entry costs besides its key and value: the map's slot and the objects. */
const ENTRY_OVERHEAD = 100;

/**
 * Values of recently used keys, least recently used first, up to a number of bytes; `null` remembers that
 * a key has no object (keys that are looked up before they are written, such as circuit states).
 */
class RecentValues {
  private readonly values = new Map<string, Buffer | null>();
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** The value, `null` for a key known to have none, undefined when not remembered. */
  get(key: string): Buffer | null | undefined {
    const value = this.values.get(key);
    if (value !== undefined) {
      this.values.delete(key);
      this.values.set(key, value);
    }
    return value;
  }

  set(key: string, value: Buffer | null): void {
    this.delete(key);
    if (value && value.length > Math.min(MAX_RECENT_OBJECT_BYTES, this.maxBytes)) return;
    this.values.set(key, value);
    this.bytes += costOf(key, value);
    for (const [oldKey] of this.values) {
      if (this.bytes <= this.maxBytes) break;
      this.delete(oldKey);
    }
  }

  delete(key: string): void {
    const value = this.values.get(key);
    if (value === undefined) return;
    this.values.delete(key);
    this.bytes -= costOf(key, value);
  }
}

function costOf(key: string, value: Buffer | null): number {
  return key.length + (value?.length ?? 0) + ENTRY_OVERHEAD;
}

/**
 * An `ObjectStore` on LevelDB (`classic-level`), for the embedded runtime with a long history: keys and
 * bodies live in LevelDB's sorted tables on disk, so the process holds no per-object state and opening the
 * folder reads only LevelDB's manifest and write-ahead log, not the history.
 *
 * Memory is bounded by the options, not by the number of objects: the block cache (`cacheBytes`), at most
 * two memtables (`writeBufferBytes` each), the open tables' indexes and Bloom filters (`maxOpenFiles`
 * tables of at most 2 MiB each; their index and filter take about 2 % of that), and the objects recently
 * used (`recentBytes`), which the next steps of a document read without looking in LevelDB. With
 * the defaults that is some 60 MB. LevelDB also maps the open tables into memory for reading: the pages
 * read show in the resident memory (at most `maxOpenFiles` × 2 MiB), but they are the kernel's page
 * cache, shared and taken back under pressure, not memory of the process.
 *
 * Every write goes to LevelDB's write-ahead log first; `sync` flushes it before the write is acknowledged.
 * Writes are group-committed: those made while a batch is being written go out together in the next one
 * (one trip to LevelDB's thread, one log write, one flush with `sync`), in the order they were made.
 * One process owns the folder (the runtime locks its data folder, and LevelDB takes its own `LOCK`), so a
 * conditional write's read-check-write only has to be ordered against this process's other writes of the
 * key: writes are serialised per key in memory (which also keeps two plain writes of a key in call order,
 * as LevelDB runs them on a thread pool).
 */
export class LevelObjectStore implements ObjectStore {
  private readonly db: ClassicLevel<string, Buffer>;
  private readonly writeOptions: { sync: boolean };
  /** The last write of each key still in flight; entries leave as they settle, so the map stays small. */
  private readonly writing = new Map<string, Promise<unknown>>();
  private readonly opened: Promise<void>;
  private ready = false;
  private seq = 0;
  /** Sequence numbers up to this one are reserved on disk. */
  private reserved = 0;
  private reserving: Promise<void> | undefined;
  /**
   * The next group commit and its callers. A chained batch: each operation goes into LevelDB's write
   * batch as it is made, which costs the main thread a fraction of handing over an array of them.
   */
  private group: ChainedBatch | undefined;
  private groupWaiters: Waiter[] = [];
  private committing = false;
  /** Objects recently written or read. Writes update it in each key's commit order. */
  private readonly recent: RecentValues;
  /** Where listings start, past the deletion markers of a folder's deleted first keys. */
  private readonly folderStarts = new FolderStarts();

  /** The memory it was given: the objects used last, LevelDB's block cache and its write buffer. */
  readonly memory: ReturnType<typeof levelStoreMemory>;

  constructor(dir: string, options: LevelObjectStoreOptions = {}) {
    mkdirSync(dir, { recursive: true });
    this.memory = {
      recentBytes: options.recentBytes ?? DEFAULT_MEMORY.recentBytes,
      cacheBytes: options.cacheBytes ?? DEFAULT_MEMORY.cacheBytes,
      writeBufferBytes: options.writeBufferBytes ?? DEFAULT_MEMORY.writeBufferBytes,
    };
    this.db = new ClassicLevel<string, Buffer>(dir, {
      keyEncoding: 'utf8',
      valueEncoding: 'buffer',
      cacheSize: this.memory.cacheBytes,
      writeBufferSize: this.memory.writeBufferBytes,
      maxOpenFiles: options.maxOpenFiles ?? 200,
    });
    this.writeOptions = { sync: options.sync ?? false };
    this.recent = new RecentValues(this.memory.recentBytes);
    this.opened = this.open();
    // a failed open is reported by the first operation, which awaits `opened`
    this.opened.catch(() => undefined);
  }

  private async open(): Promise<void> {
    await this.db.open();
    const mark = await this.db.get(SEQUENCE_KEY);
    this.seq = this.reserved = mark ? Number(mark.toString('utf8')) : 0;
    this.ready = true;
  }

  async get(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    if (!this.ready) await this.opened;
    const recent = this.recent.get(key);
    if (recent !== undefined) return recent ? decode(recent, true) : undefined;
    // Read on this thread: a read served from LevelDB's caches or the page cache takes a few microseconds,
    // where a trip to the thread pool costs the main thread more than that (measured: 7 against 17 to 30 µs),
    // and nothing can commit between the read and remembering it.
    const value = this.db.getSync(key);
    this.recent.set(key, value ?? null);
    return value && decode(value, true);
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    if (!this.ready) await this.opened;
    this.folderStarts.writing(key);
    return this.serialised(key, async () => {
      if (options.ifMatch !== undefined || options.ifNoneMatch === '*') this.check(key, options);
      const seq = this.seq < this.reserved ? ++this.seq : await this.nextReservedSeq();
      const value = encode(seq, options.contentType ?? contentTypeOf(key), body);
      await this.commit({ type: 'put', key, value });
      this.recent.set(key, value);
      return etagOf(seq);
    });
  }

  private check(key: string, options: PutOptions): void {
    const recent = this.recent.get(key);
    const current = recent !== undefined ? recent : this.db.getSync(key);
    if (
      (options.ifNoneMatch === '*' && current) ||
      (options.ifMatch !== undefined && (!current || decode(current).etag !== options.ifMatch))
    ) {
      throw new ConcurrencyError(key);
    }
  }

  /** The next sequence number once a new block is reserved on disk (one writer reserves, others wait). */
  private async nextReservedSeq(): Promise<number> {
    while (this.seq >= this.reserved) {
      this.reserving ??= this.reserve().finally(() => (this.reserving = undefined));
      await this.reserving;
    }
    return ++this.seq;
  }

  /** Always flushed: it is rare, and a lost reservation would let a restart hand out ETags again. */
  private async reserve(): Promise<void> {
    const reserved = this.reserved + SEQUENCE_BLOCK;
    await this.db.put(SEQUENCE_KEY, Buffer.from(String(reserved)), { sync: true });
    this.reserved = reserved;
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    if (!this.ready) await this.opened;
    await this.serialised(key, async () => {
      await this.commit({ type: 'del', key });
      this.recent.set(key, null);
    });
  }

  /** Queues `operation` for the next group commit; resolves once it is in LevelDB's log. */
  private commit(operation: Operation): Promise<void> {
    this.group ??= this.db.batch();
    if (operation.type === 'put') this.group.put(operation.key, operation.value);
    else this.group.del(operation.key);
    const done = new Promise<void>((resolve, reject) => this.groupWaiters.push({ resolve, reject }));
    if (!this.committing) {
      this.committing = true;
      // the rest of this turn of the event loop joins the group
      setImmediate(() => void this.writeGroups());
    }
    return done;
  }

  /** Writes groups one after the other (so they land in order) until none is waiting. */
  private async writeGroups(): Promise<void> {
    while (this.group) {
      const batch = this.group;
      const waiters = this.groupWaiters;
      this.group = undefined;
      this.groupWaiters = [];
      try {
        await batch.write(this.writeOptions);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    this.committing = false;
  }

  /**
   * Scans the folder's key range. A sub-folder is named once and skipped by seeking past its range, so
   * the cost is one step per child, not per key beneath the folder; the scan starts at the folder's first
   * live key as far as it is known (`FolderStarts`), past the markers of deleted ones.
   */
  async list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    checkKey(prefix, true);
    if (!this.ready) await this.opened;
    const folder = prefix.endsWith('/') ? prefix : `${prefix}/`;
    const limit = options.limit ?? Infinity;
    const names: string[] = [];
    if (limit <= 0) return names;
    const { after } = options;
    const scan = after === undefined ? this.folderStarts.begin(folder, this.writing.keys()) : undefined;
    const keys = this.db.keys({ ...this.rangeStart(folder, after, scan?.from), lt: pastFolder(folder) });
    let first = scan === undefined;
    try {
      for (let key = await keys.next(); key !== undefined; key = await keys.next()) {
        if (!first) {
          scan!.found(key);
          first = true;
        }
        const slash = key.indexOf('/', folder.length);
        const name = slash === -1 ? key.slice(folder.length) : key.slice(folder.length, slash + 1);
        if (slash !== -1) keys.seek(pastFolder(key.slice(0, slash + 1)));
        if (after !== undefined && name <= after) continue; // an `after` that names no child exactly
        names.push(name);
        if (names.length >= limit) break;
      }
      if (!first) {
        scan!.found(pastFolder(folder)); // no live key at all
        first = true;
      }
    } finally {
      if (!first) scan!.abandon();
      await keys.close();
    }
    return names;
  }

  /** Where a listing of `folder` starts: after `after`, and never before the folder's known start. */
  private rangeStart(
    folder: string,
    after: string | undefined,
    from?: string,
  ): { gte: string } | { gt: string } {
    const floor = from ?? this.folderStarts.lowerBound(folder);
    if (after === undefined) return { gte: floor };
    if (after.endsWith('/')) {
      const past = pastFolder(folder + after);
      return { gte: past >= floor ? past : floor };
    }
    return folder + after >= floor ? { gt: folder + after } : { gte: floor };
  }

  /** Waits for the writes in flight, then closes the database (and releases its lock). */
  async close(): Promise<void> {
    await this.opened.catch(() => undefined);
    await Promise.all([...this.writing.values()]);
    await this.db.close();
  }

  private async serialised<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.writing.get(key);
    const next = previous ? previous.then(work, work) : work();
    const settled = next.catch(() => undefined);
    this.writing.set(key, settled);
    try {
      return await next;
    } finally {
      if (this.writing.get(key) === settled) this.writing.delete(key);
    }
  }
}
