import { createHash } from 'node:crypto';
import { ConcurrencyError, EInvoiceError } from '../errors';
import type { ArtifactInfo, DocumentRecord, DocumentStatus } from '../model/record';
import { isTerminal } from '../model/record';
import type { ObjectStore } from '../ports/object-store';
import { documentIdFloor, documentIdTime } from '../util/ids';
import { cloneJson } from '../util/json';

export interface VersionedRecord {
  record: DocumentRecord;
  etag: string;
}

export interface ListQuery {
  status?: DocumentStatus;
  /** Inclusive lower bound of `createdAt` (ms since epoch). */
  from?: number;
  /** Exclusive upper bound of `createdAt` (ms since epoch). */
  to?: number;
  /** The last id of the previous page. */
  cursor?: string;
  limit?: number;
  /** `asc` (default): oldest first; `desc`: newest first, the cursor continuing downwards. */
  order?: 'asc' | 'desc';
  /** Only the records it accepts (after `status`). */
  match?: (record: DocumentRecord) => boolean;
  /**
   * At most this many records are read for one page (default 10,000): a filter that matches few records
   * returns a shorter page with `next`, rather than reading the whole history in one request.
   */
  scanLimit?: number;
}

export interface ListPage {
  records: DocumentRecord[];
  /** The cursor of the following page; absent on the last one. */
  next?: string;
}

export interface DueEntry {
  marker: string;
  dueAt: number;
  tenantId: string;
  documentId: string;
}

const MAX_UPDATE_TRIES = 20;
/**
 * Stage-timeout markers are rounded up to this step, so that a document moving through its steps within
 * the step keeps one marker instead of rewriting it on every update. Retry times stay exact.
 */
export const DUE_GRANULARITY_MS = 60_000;
const DUE_PREFIX = 'due/';
/** The newest-first listing's first window of time; each next one is twice as long. */
const FIRST_WINDOW_MS = 60_000;
/**
 * A window with more ids than this is halved: finding the newest of a batch of many thousands reads a few
 * times this many names, not the batch.
 */
const WINDOW_IDS = 100;

/** A bound of a window of ids: the key (undefined: no bound) and the time it stands for. */
interface Window {
  key: string | undefined;
  time: number;
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Document records, their artifacts and the indexes the service needs, on any `ObjectStore`:
 *
 * - `tenants/{tenant}/documents/{id}/record.json` and `.../artifacts/{name}`;
 * - `tenants/{tenant}/client-keys/{sha256(clientKey)}`: the id created for a client key (idempotent intake);
 * - `due/{dueAtMs}_{tenant}_{id}`: when an unfinished document next needs attention (a retry that is due,
 *   or a stage that took longer than its timeout). The record is the truth: a marker is a hint that the
 *   timer checks against the record and removes when stale.
 */
export class DocumentStore {
  constructor(
    private readonly objects: ObjectStore,
    private readonly stageTimeoutMs: number,
  ) {}

  private recordKey(tenantId: string, id: string): string {
    return `tenants/${tenantId}/documents/${id}/record.json`;
  }

  private artifactKey(tenantId: string, id: string, name: string): string {
    return `tenants/${tenantId}/documents/${id}/artifacts/${name}`;
  }

  /** When the record next needs the timer, or undefined when it is finished. */
  dueAt(record: DocumentRecord): number | undefined {
    if (isTerminal(record.status)) return undefined;
    if (record.status === 'waiting' && record.nextAttemptAt) return Date.parse(record.nextAttemptAt);
    const silentUntil = record.lease
      ? Date.parse(record.lease.until)
      : Date.parse(record.updatedAt) + this.stageTimeoutMs;
    return Math.ceil(silentUntil / DUE_GRANULARITY_MS) * DUE_GRANULARITY_MS;
  }

  private dueMarker(record: DocumentRecord): string | undefined {
    const due = this.dueAt(record);
    if (due === undefined) return undefined;
    return `${DUE_PREFIX}${String(due).padStart(15, '0')}_${record.tenantId}_${record.id}`;
  }

  /**
   * Reserves `clientKey` for `documentId` within the tenant. Returns the id that holds the key: `documentId`
   * when the reservation succeeded, the earlier document's id otherwise.
   */
  async reserveClientKey(tenantId: string, clientKey: string, documentId: string): Promise<string> {
    const key = `tenants/${tenantId}/client-keys/${sha256Hex(clientKey)}`;
    try {
      await this.objects.put(key, documentId, { ifNoneMatch: '*', contentType: 'text/plain' });
      return documentId;
    } catch (error) {
      if (!(error instanceof ConcurrencyError)) throw error;
      const existing = await this.objects.get(key);
      if (!existing) throw error;
      return existing.body.toString('utf8');
    }
  }

  /** Creates the record; returns false when a record with this id exists already. */
  async create(record: DocumentRecord): Promise<boolean> {
    const marker = this.dueMarker(record);
    if (marker) await this.objects.put(marker, '', { contentType: 'text/plain' });
    try {
      await this.objects.put(this.recordKey(record.tenantId, record.id), JSON.stringify(record), {
        ifNoneMatch: '*',
        contentType: 'application/json',
      });
      return true;
    } catch (error) {
      if (error instanceof ConcurrencyError) return false;
      throw error;
    }
  }

  async get(tenantId: string, id: string): Promise<VersionedRecord | undefined> {
    const stored = await this.objects.get(this.recordKey(tenantId, id));
    if (!stored) return undefined;
    return { record: JSON.parse(stored.body.toString('utf8')) as DocumentRecord, etag: stored.etag };
  }

  /**
   * Applies `mutate` to the current record and writes it with If-Match, retrying on concurrent updates
   * (`known`, when given, is tried first).
   * `mutate` returns the new record, or undefined to leave the record unchanged (then the current record is
   * returned with `changed: false`). `updatedAt` is set here.
   */
  async update(
    tenantId: string,
    id: string,
    mutate: (current: DocumentRecord) => DocumentRecord | undefined,
    now: () => Date = () => new Date(),
    known?: VersionedRecord,
  ): Promise<{ record: DocumentRecord; changed: boolean; etag: string } | undefined> {
    let candidate = known; // a record just read saves one read; a stale one costs one retry
    for (let i = 0; i < MAX_UPDATE_TRIES; i++) {
      const current = candidate ?? (await this.get(tenantId, id));
      candidate = undefined;
      if (!current) return undefined;
      const next = mutate(cloneJson(current.record));
      if (!next) return { record: current.record, changed: false, etag: current.etag };
      next.updatedAt = now().toISOString();
      const oldMarker = this.dueMarker(current.record);
      const newMarker = this.dueMarker(next);
      if (newMarker && newMarker !== oldMarker)
        await this.objects.put(newMarker, '', { contentType: 'text/plain' });
      let etag: string;
      try {
        etag = await this.objects.put(this.recordKey(tenantId, id), JSON.stringify(next), {
          ifMatch: current.etag,
          contentType: 'application/json',
        });
      } catch (error) {
        if (error instanceof ConcurrencyError) continue;
        throw error;
      }
      if (oldMarker && oldMarker !== newMarker) await this.objects.delete(oldMarker);
      return { record: next, changed: true, etag };
    }
    throw new EInvoiceError('store.contention', `Too many concurrent updates of document ${id}`, {
      status: 503,
      retryable: true,
    });
  }

  /** Stores an artifact (overwriting one of the same name: steps are re-runnable) and describes it. */
  async putArtifact(
    tenantId: string,
    id: string,
    name: string,
    content: Buffer,
    contentType: string,
    now: Date = new Date(),
  ): Promise<ArtifactInfo> {
    await this.objects.put(this.artifactKey(tenantId, id, name), content, { contentType });
    return {
      name,
      contentType,
      size: content.length,
      sha256: sha256Hex(content),
      createdAt: now.toISOString(),
    };
  }

  async getArtifact(tenantId: string, id: string, name: string): Promise<Buffer | undefined> {
    return (await this.objects.get(this.artifactKey(tenantId, id, name)))?.body;
  }

  /** A page of the tenant's records, oldest (or newest) first, filtered. `next` is the following page's cursor. */
  async list(tenantId: string, query: ListQuery): Promise<ListPage> {
    const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
    const scanLimit = Math.max(query.scanLimit ?? 10_000, 1);
    const floor = query.from === undefined ? undefined : documentIdFloor(query.from);
    const ceiling = query.to === undefined ? undefined : documentIdFloor(query.to);
    const ids =
      query.order === 'desc'
        ? this.idsDescending(tenantId, query.cursor, floor, ceiling)
        : this.idsAscending(tenantId, query.cursor, floor, ceiling);
    const records: DocumentRecord[] = [];
    let scanned = 0;
    let read: string | undefined;
    for await (const id of ids) {
      // More to read, but this request has read its share: the next page goes on after the last one read.
      if (scanned === scanLimit) return { records, next: read! };
      scanned++;
      read = id;
      const found = await this.get(tenantId, id);
      if (!found) continue;
      if (query.status && found.record.status !== query.status) continue;
      if (query.match && !query.match(found.record)) continue;
      records.push(found.record);
      if (records.length === limit) return { records, next: id };
    }
    return { records };
  }

  /** The tenant's document ids after `cursor`, from `floor` (inclusive) to `ceiling` (exclusive), ascending. */
  private async *idsAscending(
    tenantId: string,
    cursor: string | undefined,
    floor: string | undefined,
    ceiling: string | undefined,
  ): AsyncGenerator<string> {
    const prefix = `tenants/${tenantId}/documents/`;
    let after = cursor;
    if (floor !== undefined && (after === undefined || after < floor)) after = floor;
    for (;;) {
      const names = await this.objects.list(prefix, {
        after: after === undefined ? undefined : `${after}/`,
        limit: 200,
      });
      if (names.length === 0) return;
      for (const name of names) {
        const id = name.replace(/\/$/, '');
        if (ceiling !== undefined && id >= ceiling) return;
        yield id;
        after = id;
      }
    }
  }

  /**
   * The same ids, newest first, below `cursor`. The object stores list in ascending order only (Blob
   * Storage cannot list backwards), and ids sort by creation time, so the folder is read in windows of time
   * going back from now: a minute, twice as long after a window with few ids, half as long after one with
   * many. A window with more than `WINDOW_IDS` ids is halved, the later half first, until its parts hold
   * fewer. A page reads the windows it needs, not the whole history.
   */
  private async *idsDescending(
    tenantId: string,
    cursor: string | undefined,
    floor: string | undefined,
    ceiling: string | undefined,
  ): AsyncGenerator<string> {
    const prefix = `tenants/${tenantId}/documents/`;
    const first = await this.objects.list(prefix, { limit: 1 });
    if (first.length === 0) return;
    const oldest = first[0]!.replace(/\/$/, '');
    const floorTime = (floor !== undefined ? documentIdTime(floor) : undefined) ?? 0;
    // the last window reaches down to the floor, or to the oldest id (ids of no time format: to the start)
    const bottom: Window = { key: floor, time: Math.max(floorTime, documentIdTime(oldest) ?? 0) };
    const upperKey = cursor !== undefined && (ceiling === undefined || cursor < ceiling) ? cursor : ceiling;
    let upper: Window = {
      key: upperKey,
      time: (upperKey !== undefined ? documentIdTime(upperKey) : undefined) ?? Date.now() + FIRST_WINDOW_MS,
    };
    let span = FIRST_WINDOW_MS;
    for (;;) {
      const time = upper.time - span;
      const last = time <= bottom.time || documentIdFloor(time) <= oldest;
      const lower: Window = last ? bottom : { key: documentIdFloor(time), time };
      let count = 0;
      for await (const id of this.windowDescending(prefix, lower, upper)) {
        count++;
        yield id;
      }
      if (last) return;
      upper = lower;
      if (count < WINDOW_IDS / 4) span *= 2;
      else if (count > WINDOW_IDS) span = Math.max(Math.floor(span / 2), 1);
    }
  }

  /** The ids from `lower` (inclusive) to `upper` (exclusive), newest first. */
  private async *windowDescending(prefix: string, lower: Window, upper: Window): AsyncGenerator<string> {
    let ids = await this.idsBetween(prefix, lower.key, upper.key, WINDOW_IDS);
    if (ids.length > WINDOW_IDS) {
      if (upper.time - lower.time > 1) {
        const time = Math.floor((lower.time + upper.time) / 2);
        const middle: Window = { key: documentIdFloor(time), time };
        yield* this.windowDescending(prefix, middle, upper);
        yield* this.windowDescending(prefix, lower, middle);
        return;
      }
      ids = await this.idsBetween(prefix, lower.key, upper.key, Infinity); // one millisecond's ids
    }
    for (let i = ids.length - 1; i >= 0; i--) yield ids[i]!;
  }

  /** The ids from `lower` (inclusive) to `upper` (exclusive), ascending; past `max`, one more and no further. */
  private async idsBetween(
    prefix: string,
    lower: string | undefined,
    upper: string | undefined,
    max: number,
  ): Promise<string[]> {
    const ids: string[] = [];
    let after = lower;
    for (;;) {
      const names = await this.objects.list(prefix, {
        ...(after !== undefined ? { after } : {}),
        limit: Math.min(500, max + 1 - ids.length),
      });
      for (const name of names) {
        const id = name.replace(/\/$/, '');
        if (upper !== undefined && id >= upper) return ids;
        ids.push(id);
      }
      if (names.length === 0 || ids.length > max) return ids;
      after = `${ids.at(-1)!}/`;
    }
  }

  /**
   * Deletes finished documents (record, artifacts, client-key reservation) that last changed before
   * `before` (ms since epoch), oldest first, at most `limit` in one call. A document under legal hold, or
   * not finished, is never deleted. Only documents created before `before` are read: ids sort by creation
   * time, and a document changes after it is created, so the newer ones cannot be due.
   */
  async deleteFinished(before: number, limit: number): Promise<{ deleted: number; held: number }> {
    const ceiling = documentIdFloor(before);
    let deleted = 0;
    let held = 0;
    for (const folder of await this.objects.list('tenants/')) {
      const tenantId = folder.replace(/\/$/, '');
      for await (const id of this.idsAscending(tenantId, undefined, undefined, ceiling)) {
        if (deleted === limit) return { deleted, held };
        const found = await this.get(tenantId, id);
        if (!found || !isTerminal(found.record.status) || Date.parse(found.record.updatedAt) >= before)
          continue;
        if (found.record.legalHold) {
          held++;
          continue;
        }
        await this.deleteDocument(found.record);
        deleted++;
      }
    }
    return { deleted, held };
  }

  /** The record goes last: a deletion cut short leaves a record, which the next sweep deletes again. */
  private async deleteDocument(record: DocumentRecord): Promise<void> {
    const folder = `tenants/${record.tenantId}/documents/${record.id}/artifacts/`;
    for (const name of await this.objects.list(folder)) await this.objects.delete(folder + name);
    if (record.clientKey !== undefined)
      await this.objects.delete(`tenants/${record.tenantId}/client-keys/${sha256Hex(record.clientKey)}`);
    await this.objects.delete(this.recordKey(record.tenantId, record.id));
  }

  /** Markers due at or before `now`, earliest first. */
  async due(now: number, limit = 500): Promise<DueEntry[]> {
    const names = await this.objects.list(DUE_PREFIX, { limit });
    const entries: DueEntry[] = [];
    for (const name of names) {
      const match = /^(\d{15})_([a-z0-9-]+)_([0-9a-z]+)$/.exec(name);
      if (!match) continue;
      const dueAt = Number(match[1]);
      if (dueAt > now) break;
      entries.push({ marker: DUE_PREFIX + name, dueAt, tenantId: match[2]!, documentId: match[3]! });
    }
    return entries;
  }

  /** True when `entry` is still the record's current marker. */
  isCurrentMarker(entry: DueEntry, record: DocumentRecord): boolean {
    return this.dueMarker(record) === entry.marker;
  }

  async removeMarker(entry: DueEntry): Promise<void> {
    await this.objects.delete(entry.marker);
  }
}
