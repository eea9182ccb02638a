import { closeSync, ftruncateSync, mkdirSync, openSync, read, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { ConcurrencyError, EInvoiceError } from '../errors';
import type { ListOptions, ObjectStore, PutOptions, StoredObject } from '../ports/object-store';
import { AppendLog } from './append-log';
import { numberedFiles } from './numbered-files';
import { checkKey, contentTypeOf, pageOf } from './object-keys';

export interface JournalObjectStoreOptions {
  /** A segment is closed and a new one started past this size. Default 64 MiB. */
  segmentBytes?: number;
  /** Bodies of recently written or read objects kept in memory, in bytes. Default 64 MiB. */
  cacheBytes?: number;
  /** Objects larger than this are not cached. Default 1 MiB. */
  maxCachedObjectBytes?: number;
  /** `fdatasync` every group of writes (survives a power loss, costs a disk flush per group). */
  sync?: boolean;
}

/*
 * Entry layout, little-endian:
 *   u32 crc32 of everything after it | u32 entry length | u8 kind | u8 content-type length |
 *   u16 key length | f64 sequence number | key | content type | body
 */
const HEADER = 20;
const PUT = 1;
const DELETE = 2;
const SEGMENT_NAME = /^(\d{8})\.log$/;

interface Segment {
  id: number;
  file: string;
  /** Read handle; the active segment is written through `log`. */
  fd: number;
  log?: AppendLog;
  size: number;
  liveBytes: number;
  readers: number;
  retired: boolean;
}

interface Location {
  segment: Segment;
  /** Offset of the entry's first byte. */
  offset: number;
  entryBytes: number;
  bodyOffset: number;
  bodyBytes: number;
  seq: number;
  contentType: string;
  /** The body, while cached (always while its write is outstanding). */
  body?: Buffer;
  pendingWrite: boolean;
}

function etagOf(seq: number): string {
  return `"j${seq.toString(36)}"`;
}

function encode(kind: number, seq: number, key: string, contentType: string, body: Buffer | string): Buffer {
  const keyLength = Buffer.byteLength(key, 'utf8');
  const typeLength = Buffer.byteLength(contentType, 'utf8');
  const bodyLength = typeof body === 'string' ? Buffer.byteLength(body, 'utf8') : body.length;
  const length = HEADER + keyLength + typeLength + bodyLength;
  const entry = Buffer.allocUnsafeSlow(length);
  entry.writeUInt32LE(length, 4);
  entry.writeUInt8(kind, 8);
  entry.writeUInt8(typeLength, 9);
  entry.writeUInt16LE(keyLength, 10);
  entry.writeDoubleLE(seq, 12);
  entry.write(key, HEADER, 'utf8');
  entry.write(contentType, HEADER + keyLength, 'utf8');
  if (typeof body === 'string') entry.write(body, HEADER + keyLength + typeLength, 'utf8');
  else body.copy(entry, HEADER + keyLength + typeLength);
  entry.writeUInt32LE(crc32(entry.subarray(4)), 0);
  return entry;
}

/**
 * The embedded runtime's `ObjectStore`: a log-structured store in a folder of segment files. Every write
 * is appended to the active segment (group-committed, see `AppendLog`); an in-memory index maps each key to
 * its latest entry, and recent bodies are cached. Opening the folder replays the segments; a torn entry
 * at the end of the last one (a crash mid-write) is cut off, damage anywhere else stops the start with
 * the file and offset. Since the log is replayed in order, a crash always leaves a prefix of the history.
 *
 * Space is reclaimed by compaction: when dead bytes outweigh live ones, the oldest segment's live entries
 * are copied to the head and the segment is deleted. Only the oldest segment is ever compacted, so a
 * deletion can never be undone by an older entry surviving it.
 *
 * One process owns the folder (the runtime locks its data folder). Conditional writes are checked and
 * ordered synchronously against the index, so no per-key locking is needed.
 */
export class JournalObjectStore implements ObjectStore {
  private readonly segments: Segment[] = [];
  private readonly index = new Map<string, Location>();
  /** Children of each folder (`''` is the root): name (with `/` for a sub-folder) → keys beneath it. */
  private readonly folders = new Map<string, Map<string, number>>();
  /** Cached locations in least-recently-used order. */
  private readonly cache = new Map<string, Location>();
  private cachedBytes = 0;
  private seq = 0;
  private liveBytes = 0;
  private deadBytes = 0;
  private compacting = false;
  private closed = false;
  /** Set when a write failed: the index may be ahead of the disk, so nothing is served until a restart. */
  private failure: Error | undefined;
  private readonly segmentBytes: number;
  /** How many bytes of bodies it keeps in memory. */
  readonly cacheBytes: number;
  private readonly maxCachedObjectBytes: number;

  constructor(
    private readonly dir: string,
    private readonly options: JournalObjectStoreOptions = {},
  ) {
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.cacheBytes = options.cacheBytes ?? 64 * 1024 * 1024;
    this.maxCachedObjectBytes = options.maxCachedObjectBytes ?? 1024 * 1024;
    mkdirSync(dir, { recursive: true });
    const ids = numberedFiles(dir, SEGMENT_NAME);
    ids.forEach((id, i) => this.replay(id, i === ids.length - 1));
    const last = this.segments[this.segments.length - 1];
    if (last) last.log = new AppendLog(last.file, { sync: options.sync });
    else this.startSegment(1);
  }

  private segmentFile(id: number): string {
    return join(this.dir, `${String(id).padStart(8, '0')}.log`);
  }

  private replay(id: number, isLast: boolean): void {
    const file = this.segmentFile(id);
    const data = readFileSync(file);
    const segment: Segment = {
      id,
      file,
      fd: -1,
      size: 0,
      liveBytes: 0,
      readers: 0,
      retired: false,
    };
    let offset = 0;
    while (offset < data.length) {
      const damage = this.checkEntry(data, offset);
      if (damage) {
        if (!isLast) {
          throw new EInvoiceError(
            'store.corrupt',
            `${file} is damaged at byte ${offset} (${damage}); restore it from a backup or move it away`,
            { status: 500 },
          );
        }
        const fd = openSync(file, 'r+');
        ftruncateSync(fd, offset); // a write cut short by a crash was never acknowledged
        closeSync(fd);
        break;
      }
      const length = data.readUInt32LE(offset + 4);
      const kind = data.readUInt8(offset + 8);
      const typeLength = data.readUInt8(offset + 9);
      const keyLength = data.readUInt16LE(offset + 10);
      const seq = data.readDoubleLE(offset + 12);
      const key = data.toString('utf8', offset + HEADER, offset + HEADER + keyLength);
      const contentType = data.toString(
        'utf8',
        offset + HEADER + keyLength,
        offset + HEADER + keyLength + typeLength,
      );
      this.seq = Math.max(this.seq, seq);
      if (kind === PUT) {
        const bodyOffset = offset + HEADER + keyLength + typeLength;
        this.setLocation(key, {
          segment,
          offset,
          entryBytes: length,
          bodyOffset,
          bodyBytes: length - (bodyOffset - offset),
          seq,
          contentType,
          pendingWrite: false,
        });
      } else {
        this.removeLocation(key);
        this.deadBytes += length;
      }
      offset += length;
    }
    segment.size = offset;
    segment.fd = openSync(file, 'r');
    this.segments.push(segment);
  }

  /** Why the entry at `offset` cannot be trusted, or undefined when it is whole. */
  private checkEntry(data: Buffer, offset: number): string | undefined {
    if (data.length - offset < HEADER) return 'incomplete header';
    const length = data.readUInt32LE(offset + 4);
    if (length < HEADER || offset + length > data.length) return 'incomplete entry';
    const kind = data.readUInt8(offset + 8);
    if (kind !== PUT && kind !== DELETE) return 'unknown entry kind';
    if (crc32(data.subarray(offset + 4, offset + length)) !== data.readUInt32LE(offset)) return 'checksum';
    return undefined;
  }

  private startSegment(id: number): Segment {
    const file = this.segmentFile(id);
    const log = new AppendLog(file, { sync: this.options.sync });
    const segment: Segment = {
      id,
      file,
      fd: openSync(file, 'r'),
      log,
      size: log.size,
      liveBytes: 0,
      readers: 0,
      retired: false,
    };
    this.segments.push(segment);
    return segment;
  }

  private active(): Segment {
    let head = this.segments[this.segments.length - 1]!;
    if (head.log!.size >= this.segmentBytes) {
      const full = head;
      head = this.startSegment(full.id + 1);
      void full.log!.close().then(() => delete full.log);
    }
    return head;
  }

  private indexFolders(key: string, delta: 1 | -1): void {
    let folder = '';
    let from = 0;
    for (;;) {
      const slash = key.indexOf('/', from);
      const child = slash === -1 ? key.slice(from) : key.slice(from, slash + 1);
      let children = this.folders.get(folder);
      if (!children) {
        children = new Map();
        this.folders.set(folder, children);
      }
      const count = (children.get(child) ?? 0) + delta;
      if (count > 0) children.set(child, count);
      else {
        children.delete(child);
        if (children.size === 0) this.folders.delete(folder);
      }
      if (slash === -1) return;
      folder = key.slice(0, slash + 1);
      from = slash + 1;
    }
  }

  /** Points `key` at `location`, accounting the entry it replaces as dead. */
  private setLocation(key: string, location: Location): void {
    const previous = this.index.get(key);
    if (previous) this.retire(key, previous);
    else this.indexFolders(key, 1);
    this.index.set(key, location);
    location.segment.liveBytes += location.entryBytes;
    this.liveBytes += location.entryBytes;
  }

  private removeLocation(key: string): void {
    const previous = this.index.get(key);
    if (!previous) return;
    this.retire(key, previous);
    this.index.delete(key);
    this.indexFolders(key, -1);
  }

  private retire(key: string, location: Location): void {
    location.segment.liveBytes -= location.entryBytes;
    this.liveBytes -= location.entryBytes;
    this.deadBytes += location.entryBytes;
    this.uncache(key, location);
  }

  private remember(key: string, location: Location): void {
    if (!location.body || location.body.length > this.maxCachedObjectBytes) {
      if (!location.pendingWrite) delete location.body;
      return;
    }
    if (this.cache.get(key) === location) this.cache.delete(key);
    else this.cachedBytes += location.body.length;
    this.cache.set(key, location);
    for (const [oldKey, old] of this.cache) {
      if (this.cachedBytes <= this.cacheBytes) break;
      if (old.pendingWrite) continue;
      this.uncache(oldKey, old);
    }
  }

  private uncache(key: string, location: Location): void {
    if (this.cache.get(key) !== location) return;
    this.cache.delete(key);
    this.cachedBytes -= location.body?.length ?? 0;
    if (!location.pendingWrite) delete location.body;
  }

  private append(kind: number, key: string, body: Buffer | string, contentType: string, seq: number) {
    const entry = encode(kind, seq, key, contentType, body);
    const segment = this.active();
    const { offset, written } = segment.log!.append(entry);
    segment.size = offset + entry.length;
    return { segment, offset, entry, written };
  }

  private checkOpen(): void {
    if (this.failure) throw this.failure;
    if (this.closed) throw new Error('The store is closed');
  }

  async get(key: string): Promise<StoredObject | undefined> {
    checkKey(key);
    this.checkOpen();
    const location = this.index.get(key);
    if (!location) return undefined;
    const body = location.body ?? (await this.readBody(location));
    if (this.index.get(key) === location) {
      location.body ??= body;
      this.remember(key, location);
    }
    return { body: Buffer.from(body), etag: etagOf(location.seq), contentType: location.contentType };
  }

  private readBody(location: Location): Promise<Buffer> {
    const { segment } = location;
    const buffer = Buffer.allocUnsafe(location.bodyBytes);
    segment.readers++;
    return new Promise<Buffer>((resolve, reject) => {
      read(segment.fd, buffer, 0, buffer.length, location.bodyOffset, (error, bytesRead) => {
        segment.readers--;
        this.closeIfRetired(segment);
        if (error) reject(error);
        else if (bytesRead !== buffer.length) reject(new Error(`Short read in ${segment.file}`));
        else resolve(buffer);
      });
    });
  }

  async put(key: string, body: Buffer | string, options: PutOptions = {}): Promise<string> {
    checkKey(key);
    this.checkOpen();
    const current = this.index.get(key);
    if (
      (options.ifNoneMatch === '*' && current) ||
      (options.ifMatch !== undefined && (!current || etagOf(current.seq) !== options.ifMatch))
    ) {
      throw new ConcurrencyError(key);
    }
    const seq = ++this.seq;
    const contentType = options.contentType ?? contentTypeOf(key);
    await this.write(key, body, contentType, seq);
    return etagOf(seq);
  }

  private async write(key: string, data: Buffer | string, contentType: string, seq: number): Promise<void> {
    const { segment, offset, entry, written } = this.append(PUT, key, data, contentType, seq);
    const bodyBytes = entry.length - HEADER - entry.readUInt16LE(10) - entry.readUInt8(9);
    const location: Location = {
      segment,
      offset,
      entryBytes: entry.length,
      bodyOffset: offset + entry.length - bodyBytes,
      bodyBytes,
      seq,
      contentType,
      // the body as it sits in the entry: a view, no copy (the entry is kept until written anyway)
      body: entry.subarray(entry.length - bodyBytes),
      pendingWrite: true,
    };
    this.setLocation(key, location);
    this.remember(key, location);
    try {
      await this.settled(written);
    } finally {
      location.pendingWrite = false;
      if (this.cache.get(key) !== location) delete location.body;
    }
    this.maybeCompact();
  }

  private async settled(written: Promise<void>): Promise<void> {
    try {
      await written;
    } catch (error) {
      this.failure ??= error as Error;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    this.checkOpen();
    if (!this.index.has(key)) return;
    const { entry, written } = this.append(DELETE, key, Buffer.alloc(0), '', ++this.seq);
    this.removeLocation(key);
    this.deadBytes += entry.length;
    await this.settled(written);
    this.maybeCompact();
  }

  list(prefix: string, options: ListOptions = {}): Promise<string[]> {
    checkKey(prefix, true);
    this.checkOpen();
    const children = this.folders.get(prefix.endsWith('/') ? prefix : `${prefix}/`);
    return Promise.resolve(children ? pageOf([...children.keys()], options) : []);
  }

  /** Live and dead bytes, and segment count: for tests and operators. */
  stats(): { liveBytes: number; deadBytes: number; segments: number; objects: number } {
    return {
      liveBytes: this.liveBytes,
      deadBytes: this.deadBytes,
      segments: this.segments.length,
      objects: this.index.size,
    };
  }

  private maybeCompact(): void {
    if (this.compacting || this.closed || this.segments.length < 2) return;
    if (this.deadBytes <= Math.max(this.liveBytes, this.segmentBytes)) return;
    this.compacting = true;
    void this.compactOldest()
      .catch(() => undefined) // a failed copy leaves the segment in place; the next write tries again
      .finally(() => {
        this.compacting = false;
        this.maybeCompact();
      });
  }

  /** Copies the oldest segment's live entries to the head, then deletes the segment. */
  async compactOldest(): Promise<void> {
    const oldest = this.segments[0];
    if (!oldest || this.segments.length < 2) return;
    const copies: Array<Promise<void>> = [];
    for (const [key, location] of this.index) {
      if (location.segment !== oldest) continue;
      const body = location.body ?? (await this.readBody(location));
      if (this.closed) return;
      if (this.index.get(key) !== location) continue; // overwritten or deleted meanwhile
      copies.push(this.write(key, body, location.contentType, location.seq));
    }
    await Promise.all(copies);
    // every entry of the oldest segment is now dead: tombstones need no copy, nothing older exists
    this.deadBytes -= oldest.size - oldest.liveBytes;
    this.segments.shift();
    oldest.retired = true;
    this.closeIfRetired(oldest);
    rmSync(oldest.file, { force: true });
  }

  private closeIfRetired(segment: Segment): void {
    if (segment.retired && segment.readers === 0 && segment.fd >= 0) {
      closeSync(segment.fd);
      segment.fd = -1;
    }
  }

  /** Waits for outstanding writes and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const segment of this.segments) {
      await segment.log?.close();
      if (segment.fd >= 0) closeSync(segment.fd);
      segment.fd = -1;
    }
  }
}
