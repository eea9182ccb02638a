import { BlobServiceClient } from '@azure/storage-blob';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BlobObjectStore } from '../shared/adapters/blob-object-store';
import { FileObjectStore } from '../shared/adapters/file-object-store';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { LevelObjectStore, type LevelObjectStoreOptions } from '../shared/adapters/level-object-store';
import { MemoryObjectStore } from '../shared/adapters/memory-object-store';
import { PgConnection } from '../shared/adapters/pg-connection';
import { PgObjectStore } from '../shared/adapters/pg-object-store';
import { ConcurrencyError } from '../shared/errors';
import type { DocumentRecord } from '../shared/model/record';
import type { ObjectStore } from '../shared/ports/object-store';
import { DocumentStore } from '../shared/store/document-store';
import { TenantDirectory } from '../shared/store/tenants';
import { documentIdFloor, newDocumentId } from '../shared/util/ids';
import { startAzurite, type Azurite } from './support/azurite';
import { postgresBinaries, startPostgres } from './support/postgres';
import { onTeardown, tempDir } from './support/temp';

let azurite: Azurite;
let blobStore: BlobObjectStore;

beforeAll(async () => {
  azurite = await startAzurite();
  const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(
    'einvoice-test',
  );
  await container.createIfNotExists();
  blobStore = new BlobObjectStore(container);
}, 30_000);

afterAll(() => azurite?.stop());

// PostgreSQL from Debian's package, when installed (a notice otherwise; CI installs it).
const pgBin = postgresBinaries('the PostgreSQL store in the object store contract');
let pgStore: PgObjectStore;

beforeAll(async () => {
  if (!pgBin) return;
  const server = await startPostgres(pgBin);
  const db = new PgConnection({ url: server.url, schema: server.schema('contract') });
  onTeardown(() => db.end());
  pgStore = new PgObjectStore(db);
}, 60_000);

/** A LevelDB store closed (its lock released) before its folder is removed. */
function levelStore(dir: string, options?: LevelObjectStoreOptions): LevelObjectStore {
  const store = new LevelObjectStore(dir, options);
  onTeardown(() => store.close());
  return store;
}

const adapters: Array<[string, () => ObjectStore]> = [
  ['MemoryObjectStore', () => new MemoryObjectStore()],
  ['JournalObjectStore', () => new JournalObjectStore(tempDir())],
  ['FileObjectStore', () => new FileObjectStore(tempDir())],
  ['LevelObjectStore', () => levelStore(tempDir())],
  ['BlobObjectStore (Azurite)', () => blobStore],
  ...(pgBin ? [['PgObjectStore (PostgreSQL)', () => pgStore] as [string, () => ObjectStore]] : []),
];

describe.each(adapters)('%s', (_name, make) => {
  let store: ObjectStore;
  let prefix: string;
  beforeEach(() => {
    store = make();
    prefix = `t${Math.random().toString(36).slice(2, 10)}`;
  });

  it('stores, reads and deletes an object, with its ETag', async () => {
    const etag = await store.put(`${prefix}/a/b.json`, '{"x":1}', { contentType: 'application/json' });
    const found = await store.get(`${prefix}/a/b.json`);
    expect(found?.body.toString()).toBe('{"x":1}');
    expect(found?.etag).toBe(etag);
    expect(found?.contentType).toBe('application/json');
    await store.delete(`${prefix}/a/b.json`);
    expect(await store.get(`${prefix}/a/b.json`)).toBeUndefined();
    await expect(store.delete(`${prefix}/a/b.json`)).resolves.toBeUndefined();
  });

  it('refuses a write whose If-Match ETag is stale, and a create over an existing object', async () => {
    const key = `${prefix}/record.json`;
    const first = await store.put(key, 'v1', { ifNoneMatch: '*' });
    await expect(store.put(key, 'v0', { ifNoneMatch: '*' })).rejects.toBeInstanceOf(ConcurrencyError);
    const second = await store.put(key, 'v2', { ifMatch: first });
    await expect(store.put(key, 'v3', { ifMatch: first })).rejects.toBeInstanceOf(ConcurrencyError);
    expect((await store.get(key))?.body.toString()).toBe('v2');
    expect(second).not.toBe(first);
  });

  it('lets exactly one of many concurrent conditional writers win', async () => {
    const key = `${prefix}/race.json`;
    const etag = await store.put(key, 'start');
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => store.put(key, `w${i}`, { ifMatch: etag })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(
      results.filter((r) => r.status === 'rejected').every((r) => r.reason instanceof ConcurrencyError),
    ).toBe(true);
  });

  it("lists a folder's children in order, with sub-folders, after a name and up to a limit", async () => {
    for (const name of ['c', 'a', 'b/x', 'b/y', 'd']) await store.put(`${prefix}/list/${name}`, name);
    expect(await store.list(`${prefix}/list/`)).toEqual(['a', 'b/', 'c', 'd']);
    expect(await store.list(`${prefix}/list/`, { after: 'b/', limit: 1 })).toEqual(['c']);
    expect(await store.list(`${prefix}/nothing/`)).toEqual([]);
  });

  it('rejects keys that could leave the store', async () => {
    await expect(store.put(`${prefix}/../escape`, 'x')).rejects.toMatchObject({ code: 'store.invalid-key' });
    await expect(store.get('/etc/passwd')).rejects.toMatchObject({ code: 'store.invalid-key' });
  });
});

function record(tenantId: string, id: string, overrides: Partial<DocumentRecord> = {}): DocumentRecord {
  const now = new Date().toISOString();
  return {
    id,
    tenantId,
    context: { tenantId },
    flowId: 'f',
    flowVersion: 1,
    status: 'processing',
    stepId: 's',
    attempt: 1,
    createdAt: now,
    updatedAt: now,
    correlationId: 'c',
    history: [],
    artifacts: [],
    ...overrides,
  };
}

describe.each(adapters)('DocumentStore on %s', (_name, make) => {
  it('keeps records apart per tenant and pages through them in creation order', async () => {
    const store = new DocumentStore(make(), 60_000);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    const ids = [0, 1, 2, 3, 4].map((i) => newDocumentId(Date.UTC(2026, 0, 1) + i * 1000));
    for (const id of ids)
      await store.create(record(tenant, id, { status: id === ids[2] ? 'completed' : 'processing' }));
    await store.create(record(`${tenant}x`, newDocumentId()));

    const page1 = await store.list(tenant, { limit: 2 });
    expect(page1.records.map((r) => r.id)).toEqual(ids.slice(0, 2));
    const page2 = await store.list(tenant, { limit: 2, cursor: page1.next! });
    expect(page2.records.map((r) => r.id)).toEqual(ids.slice(2, 4));
    expect((await store.list(tenant, { status: 'completed' })).records.map((r) => r.id)).toEqual([ids[2]]);
    expect(
      (
        await store.list(tenant, { from: Date.UTC(2026, 0, 1) + 1000, to: Date.UTC(2026, 0, 1) + 3000 })
      ).records.map((r) => r.id),
    ).toEqual(ids.slice(1, 3));
    expect(await store.get(`${tenant}x`, ids[0]!)).toBeUndefined();
  });

  it('pages newest first in windows of time, not by reading the whole folder', async () => {
    const objects = make();
    // the names each listing returns, counted: a first page must not read the tenant's whole history
    let listed = 0;
    const counting: ObjectStore = {
      get: (key) => objects.get(key),
      put: (key, body, options) => objects.put(key, body, options),
      delete: (key) => objects.delete(key),
      list: async (prefix, options) => {
        const names = await objects.list(prefix, options);
        listed += names.length;
        return names;
      },
    };
    const store = new DocumentStore(counting, 60_000);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    const now = Date.now();
    // two years of history, a day apart, then ten in the last minutes, and one id of no time format
    const ids = [
      ...Array.from({ length: 60 }, (_, i) => newDocumentId(now - (730 - i * 12) * 86_400_000)),
      ...Array.from({ length: 10 }, (_, i) => newDocumentId(now - (10 - i) * 30_000)),
    ];
    const legacy = '0123legacy-document';
    for (const id of [...ids, legacy]) await store.create(record(tenant, id));
    const ascending = [legacy, ...ids].sort();

    listed = 0;
    const first = await store.list(tenant, { order: 'desc', limit: 5 });
    expect(first.records.map((r) => r.id)).toEqual(ascending.slice(-5).reverse());
    expect(listed).toBeLessThan(20);

    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list(tenant, { order: 'desc', limit: 7, ...(cursor ? { cursor } : {}) });
      all.push(...page.records.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(all).toEqual([...ascending].reverse());

    // a time range, newest first: ids from `from` (inclusive) to `to` (exclusive)
    const from = now - 400 * 86_400_000;
    const to = now - 100 * 86_400_000;
    const inRange = ids.filter((id) => id >= documentIdFloor(from) && id < documentIdFloor(to));
    expect(inRange.length).toBeGreaterThan(10);
    const ranged = await store.list(tenant, { order: 'desc', from, to, limit: 500 });
    expect(ranged.records.map((r) => r.id)).toEqual([...inRange].reverse());
  });

  it('serialises concurrent updates without losing one', async () => {
    const store = new DocumentStore(make(), 60_000);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    const id = newDocumentId();
    await store.create(record(tenant, id));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        store.update(tenant, id, (r) => {
          r.history.push({
            at: new Date().toISOString(),
            stepId: 's',
            action: 'a',
            attempt: 1,
            outcome: `n${i}`,
          });
          return r;
        }),
      ),
    );
    const found = await store.get(tenant, id);
    expect(found?.record.history.map((h) => h.outcome).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `n${i}`).sort(),
    );
  });

  it('indexes unfinished documents by when they are due, and drops the marker when they finish', async () => {
    const store = new DocumentStore(make(), 60_000);
    const tenant = `t${Math.random().toString(36).slice(2, 8)}`;
    const id = newDocumentId();
    const at = Date.now();
    await store.create(
      record(tenant, id, { status: 'waiting', nextAttemptAt: new Date(at + 5000).toISOString() }),
    );
    const mine = async (now: number) => (await store.due(now)).filter((e) => e.documentId === id);
    expect(await mine(at)).toHaveLength(0);
    expect(await mine(at + 5000)).toHaveLength(1);
    await store.update(tenant, id, (r) => ({ ...r, status: 'completed' }));
    expect(await mine(Number.MAX_SAFE_INTEGER)).toHaveLength(0);
  });
});

describe('DocumentStore newest first', () => {
  it('splits a window of time with more ids than a page should hold, and still misses none', async () => {
    const store = new DocumentStore(new MemoryObjectStore(), 60_000);
    const now = Date.now();
    // a batch: 6,000 documents within the last 40 seconds (one window of the listing)
    const ids = Array.from({ length: 6000 }, (_, i) => newDocumentId(now - 40_000 + Math.floor(i / 150)));
    for (const id of ids) await store.create(record('batch', id));
    const all: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.list('batch', { order: 'desc', limit: 500, ...(cursor ? { cursor } : {}) });
      all.push(...page.records.map((r) => r.id));
      cursor = page.next;
    } while (cursor);
    expect(all).toEqual([...ids].sort().reverse());
  });
});

describe('DocumentStore newest first, against the ascending listing', () => {
  it('gives the ascending order reversed, for bursts, gaps, ids of no time format and any range', async () => {
    let seed = 7;
    const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
    const now = Date.now();
    for (let round = 0; round < 6; round++) {
      const store = new DocumentStore(new MemoryObjectStore(), 60_000);
      const times = [
        ...Array.from({ length: 1500 }, () => now - 5_000 - Math.floor(random() * 2000)), // a burst
        ...Array.from({ length: 200 }, () => now - Math.floor(random() * 3 * 365 * 86_400_000)),
        now + 30_000, // a clock ahead
      ];
      const ids = times.map((t) => newDocumentId(t));
      // ids of another format, sorting below and above every time-ordered id
      ids.push('0000legacy-a', 'zzzzlegacy-b');
      for (const id of ids) await store.create(record('t', id));
      const sorted = [...ids].sort();
      const pick = () => now - Math.floor(random() * 4 * 365 * 86_400_000);
      const range = round % 2 === 0 ? {} : { from: pick(), to: now - Math.floor(random() * 3000) };
      const expected = sorted
        .filter((id) => range.from === undefined || id >= documentIdFloor(range.from))
        .filter((id) => range.to === undefined || id < documentIdFloor(range.to))
        .reverse();
      const got: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.list('t', {
          order: 'desc',
          limit: 100 + round * 50,
          ...range,
          ...(cursor ? { cursor } : {}),
        });
        got.push(...page.records.map((r) => r.id));
        cursor = page.next;
      } while (cursor);
      expect(got).toEqual(expected);
    }
  });
});

describe('LevelObjectStore', () => {
  it('keeps objects, ETags and content types across a reopen, and never hands out an ETag again', async () => {
    const dir = tempDir();
    const first = new LevelObjectStore(dir);
    const etag = await first.put('a/b.xml', '<x/>', { contentType: 'text/xml' });
    await first.put('a/c', 'gone');
    await first.delete('a/c');
    await first.close();
    const second = levelStore(dir);
    expect(await second.get('a/b.xml')).toEqual({ body: Buffer.from('<x/>'), etag, contentType: 'text/xml' });
    expect(await second.get('a/c')).toBeUndefined();
    expect(await second.list('a/')).toEqual(['b.xml']);
    const next = await second.put('a/b.xml', '<y/>', { ifMatch: etag });
    expect(next).not.toBe(etag);
    await expect(second.put('a/b.xml', '<z/>', { ifMatch: etag })).rejects.toBeInstanceOf(ConcurrencyError);
  });

  it("lists only a folder's direct children however many keys lie beneath them, in byte order", async () => {
    const store = levelStore(tempDir());
    const memory = new MemoryObjectStore();
    // names around `/` in byte order (`+`, `-`, `.` sort before it, digits after it)
    const keys = ['d/b', 'd/b+1', 'd/b-x/y', 'd/b.txt', 'd/b/k', 'd/b0', 'd/a/b/c/d', 'e'];
    for (let i = 0; i < 300; i++)
      for (const name of ['record.json', 'artifacts/input.json', 'artifacts/signed.xml'])
        keys.push(`d/doc${String(i).padStart(4, '0')}/${name}`);
    for (const key of keys) await Promise.all([store.put(key, key), memory.put(key, key)]);
    const children = await store.list('d/');
    expect(children.slice(0, 7)).toEqual(['a/', 'b', 'b+1', 'b-x/', 'b.txt', 'b/', 'b0']);
    expect(children).toHaveLength(307);
    expect(children).toEqual(await memory.list('d/'));
    for (const after of [undefined, 'b', 'b/', 'b-x/', 'doc0100/', 'doc0100', 'c', 'zzz'])
      for (const limit of [undefined, 1, 5])
        expect(await store.list('d/', { after, limit })).toEqual(await memory.list('d/', { after, limit }));
    expect(await store.list('d/doc0007/')).toEqual(['artifacts/', 'record.json']);
  });

  it('serves recent objects from memory without letting a stale read or a caller change them', async () => {
    const dir = tempDir();
    const first = new LevelObjectStore(dir);
    await first.put('k.json', 'v1');
    await first.close();
    const store = levelStore(dir);
    // a read from disk racing a write: the older value it finds must not be remembered over the newer one
    const [read] = await Promise.all([store.get('k.json'), store.put('k.json', 'v2')]);
    expect(['v1', 'v2']).toContain(read?.body.toString());
    const found = await store.get('k.json');
    expect(found?.body.toString()).toBe('v2');
    found!.body.fill(0);
    expect((await store.get('k.json'))?.body.toString()).toBe('v2');
    // a missing key is remembered as missing until it is written
    expect(await store.get('absent.json')).toBeUndefined();
    await store.put('absent.json', 'now here');
    expect((await store.get('absent.json'))?.body.toString()).toBe('now here');
    await store.delete('absent.json');
    expect(await store.get('absent.json')).toBeUndefined();
  });

  it('lists a queue folder whose first keys keep being deleted exactly, with writes racing the listings', async () => {
    const store = levelStore(tempDir());
    const memory = new MemoryObjectStore();
    const put = (key: string) => Promise.all([store.put(key, 'x'), memory.put(key, 'x')]);
    const remove = (key: string) => Promise.all([store.delete(key), memory.delete(key)]);
    let next = 1000;
    let oldest = 1000;
    const live = () => next - oldest;
    for (let round = 0; round < 300; round++) {
      // a listing from the start, racing a batch of writes: new keys, deleted oldest ones, and now and
      // then a key below every live one (and a nested one), which the start must not skip
      const racing: Array<Promise<unknown>> = [store.list('q/'), store.list('q/', { limit: 3 })];
      for (let i = 0; i < 3; i++) racing.push(put(`q/${next++}`));
      if (live() > 5) racing.push(remove(`q/${oldest++}`));
      if (round % 7 === 0) racing.push(put(`q/0${round}`));
      if (round % 7 === 1) racing.push(remove(`q/0${round - 1}`));
      if (round % 11 === 0) racing.push(put(`q/0${round}/nested`));
      if (round % 11 === 2) racing.push(remove(`q/0${round - 2}/nested`));
      await Promise.all(racing);
      expect(await store.list('q/')).toEqual(await memory.list('q/'));
    }
    expect(await store.list('q/', { after: '1500', limit: 2 })).toEqual(
      await memory.list('q/', { after: '1500', limit: 2 }),
    );
  });

  it('lets a conditional write that lost the race fail with ConcurrencyError, leaving the winner', async () => {
    const store = levelStore(tempDir());
    const etag = await store.put('race.json', 'start');
    const [winner, loser] = await Promise.allSettled([
      store.put('race.json', 'first', { ifMatch: etag }),
      store.put('race.json', 'second', { ifMatch: etag }),
    ]);
    expect(winner.status).toBe('fulfilled');
    expect(loser).toMatchObject({ status: 'rejected', reason: expect.any(ConcurrencyError) });
    expect(await store.get('race.json')).toMatchObject({
      body: Buffer.from('first'),
      etag: (winner as PromiseFulfilledResult<string>).value,
    });
  });

  it('holds no memory per object: the heap after 20,000 documents is that after 2,000', async () => {
    // jest does not start Node with --expose-gc; the flag can still be set, and gc() taken from a new context
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    // a small cache of recent objects, full long before the first measurement: what is left is per object
    const store = levelStore(tempDir(), { recentBytes: 256 * 1024 });
    const body = Buffer.alloc(200, 'x');
    const writeDocuments = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const folder = `tenants/local/documents/${newDocumentId(Date.UTC(2026, 0, 1) + i)}/`;
        await Promise.all([
          store.put(`${folder}record.json`, body, { ifNoneMatch: '*' }),
          ...[
            'input.json',
            'canonical.json',
            'validation.json',
            'invoice.xml',
            'signed.xml',
            'delivery.json',
          ].map((name) => store.put(`${folder}artifacts/${name}`, body)),
          store.put(`tenants/local/client-keys/${i.toString(16).padStart(64, '0')}`, 'x'),
        ]);
      }
    };
    const heapAfterGc = () => {
      gc();
      gc();
      return process.memoryUsage().heapUsed;
    };
    await writeDocuments(0, 2_000);
    const before = heapAfterGc();
    await writeDocuments(2_000, 20_000);
    const grown = heapAfterGc() - before;
    // the journal store's index would grow by about 100 MB here (some 6 KB per document)
    expect(grown).toBeLessThan(4 * 1024 * 1024);
    expect(await store.list('tenants/local/documents/', { limit: 3 })).toHaveLength(3);
  }, 30_000);
});

describe('TenantDirectory', () => {
  it('authenticates a key only for its own tenant and stores no key in clear', async () => {
    const objects = new MemoryObjectStore();
    const tenants = new TenantDirectory(objects);
    const { apiKey } = await tenants.create('acme', 'Acme');
    await tenants.create('globex', 'Globex', 'globex-key-123');
    expect(await tenants.authenticate(apiKey)).toBe('acme');
    expect(await tenants.authenticate('globex-key-123')).toBe('globex');
    expect(await tenants.authenticate('wrong')).toBeUndefined();
    const config = (await objects.get('tenants/acme/config/tenant.json'))!.body.toString();
    expect(config).not.toContain(apiKey);
  });

  it("replaces a tenant's keys: the old key stops working, the new one works", async () => {
    const tenants = new TenantDirectory(new MemoryObjectStore());
    const { apiKey: old } = await tenants.create('local', 'Local');
    expect(await tenants.authenticate(old)).toBe('local');
    await tenants.replaceKeys('local', 'configured-key-0001');
    expect(await tenants.authenticate(old)).toBeUndefined();
    expect(await tenants.authenticate('configured-key-0001')).toBe('local');
    expect((await tenants.get('local'))!.apiKeys).toHaveLength(1);
  });

  it("reads a tenant's configuration once per few seconds, sees its own changes at once, and hands out copies", async () => {
    const objects = new MemoryObjectStore();
    let reads = 0;
    const get = objects.get.bind(objects);
    objects.get = (key) => {
      if (key.endsWith('config/tenant.json')) reads++;
      return get(key);
    };
    const tenants = new TenantDirectory(objects, 30_000, 60_000);
    await tenants.create('acme', 'Acme');
    for (let i = 0; i < 10; i++) await tenants.get('acme');
    expect(reads).toBe(0); // remembered from its own write
    (await tenants.get('acme'))!.name = 'changed by a caller';
    expect((await tenants.get('acme'))!.name).toBe('Acme');
    await tenants.setWebhook('acme', { url: 'https://erp.example/hook', secret: { secret: 'hook' } });
    expect((await tenants.get('acme'))!.webhook?.url).toBe('https://erp.example/hook');
    // another instance's change is read once the configuration is older than the cache time
    const other = new TenantDirectory(objects, 30_000, 0);
    await other.setWebhook('acme', undefined);
    expect((await tenants.get('acme'))!.webhook).toBeDefined();
    expect((await new TenantDirectory(objects, 30_000, 0).get('acme'))!.webhook).toBeUndefined();
    const brief = new TenantDirectory(objects, 30_000, 20);
    expect((await brief.get('acme'))!.webhook).toBeUndefined();
    await tenants.setWebhook('acme', { url: 'https://erp.example/again', secret: { secret: 'hook' } });
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await brief.get('acme'))!.webhook?.url).toBe('https://erp.example/again');
  });
});
