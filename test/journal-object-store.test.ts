import { appendFileSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { JournalObjectStore } from '../shared/adapters/journal-object-store';
import { ConcurrencyError } from '../shared/errors';
import { tempDir } from './support/temp';

function segments(dir: string): string[] {
  return readdirSync(dir).filter((name) => name.endsWith('.log'));
}

describe('JournalObjectStore', () => {
  it('finds every object, ETag and folder again after a reopen', async () => {
    const dir = tempDir();
    const first = new JournalObjectStore(dir);
    const etag = await first.put('t/docs/1/record.json', '{"v":1}');
    await first.put('t/docs/1/artifacts/input.xml', '<a/>', { contentType: 'application/xml' });
    await first.put('t/docs/2/record.json', '{"v":2}');
    await first.put('t/gone', 'x');
    await first.delete('t/gone');
    await first.close();

    const second = new JournalObjectStore(dir);
    expect((await second.get('t/docs/1/record.json'))?.etag).toBe(etag);
    expect((await second.get('t/docs/1/artifacts/input.xml'))?.body.toString()).toBe('<a/>');
    expect(await second.get('t/gone')).toBeUndefined();
    expect(await second.list('t/')).toEqual(['docs/']);
    expect(await second.list('t/docs/')).toEqual(['1/', '2/']);
    await expect(second.put('t/docs/1/record.json', '{}', { ifMatch: etag })).resolves.toBeDefined();
    await expect(second.put('t/docs/1/record.json', '{}', { ifMatch: etag })).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    await second.close();
  });

  it('reads a body from disk once it has left the cache', async () => {
    const dir = tempDir();
    const store = new JournalObjectStore(dir, { cacheBytes: 10 });
    await store.put('a', 'first body, longer than the cache');
    await store.put('b', 'second body, longer than the cache');
    expect((await store.get('a'))?.body.toString()).toBe('first body, longer than the cache');
    expect((await store.get('b'))?.body.toString()).toBe('second body, longer than the cache');
    await store.close();
  });

  it('cuts off an entry torn by a crash at the end of the log, keeping everything before it', async () => {
    const dir = tempDir();
    const store = new JournalObjectStore(dir);
    await store.put('kept', 'whole');
    await store.put('torn', 'this one will be cut short');
    await store.close();
    const file = join(dir, segments(dir)[0]!);
    const size = statSync(file).size;
    writeFileSync(file, readFileSync(file).subarray(0, size - 5));

    const reopened = new JournalObjectStore(dir);
    expect((await reopened.get('kept'))?.body.toString()).toBe('whole');
    expect(await reopened.get('torn')).toBeUndefined();
    await reopened.put('after', 'appended behind the cut');
    await reopened.close();
    const again = new JournalObjectStore(dir);
    expect((await again.get('after'))?.body.toString()).toBe('appended behind the cut');
    await again.close();
  });

  it('refuses to start on damage before the last segment, naming the file and offset', async () => {
    const dir = tempDir();
    const store = new JournalObjectStore(dir, { segmentBytes: 64 });
    for (let i = 0; i < 4; i++) await store.put(`k${i}`, 'x'.repeat(80));
    await store.close();
    const first = join(dir, segments(dir).sort()[0]!);
    const bytes = readFileSync(first);
    bytes[30] = bytes[30]! ^ 0xff;
    writeFileSync(first, bytes);
    expect(() => new JournalObjectStore(dir, { segmentBytes: 64 })).toThrow(
      /00000001\.log is damaged at byte 0 \(checksum\)/,
    );
  });

  it('compacts: overwritten and deleted objects give their space back, live ones and deletions survive', async () => {
    const dir = tempDir();
    const store = new JournalObjectStore(dir, { segmentBytes: 4096 });
    const etag = await store.put('config/tenant.json', '{"keep":true}');
    await store.put('doomed', 'deleted before compaction');
    await store.delete('doomed');
    for (let i = 0; i < 400; i++) await store.put(`hot/record-${i % 5}.json`, JSON.stringify({ i }));
    await store.close();
    const stats = store.stats();
    expect(stats.deadBytes).toBeLessThanOrEqual(Math.max(stats.liveBytes, 4096) + 4096);
    const onDisk = segments(dir).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
    expect(onDisk).toBeLessThan(3 * 4096 + stats.liveBytes * 2);
    expect(segments(dir)).not.toContain('00000001.log');

    const reopened = new JournalObjectStore(dir, { segmentBytes: 4096 });
    expect((await reopened.get('config/tenant.json'))?.etag).toBe(etag);
    expect(await reopened.get('doomed')).toBeUndefined();
    expect((await reopened.get('hot/record-4.json'))?.body.toString()).toBe('{"i":399}');
    expect(await reopened.list('hot/')).toHaveLength(5);
    await reopened.close();
  });

  it('orders conditional writes made in the same tick: exactly one create wins', async () => {
    const store = new JournalObjectStore(tempDir());
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, (_, i) => store.put('once', `w${i}`, { ifNoneMatch: '*' })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect((await store.get('once'))?.body.toString()).toBe('w0');
    await store.close();
  });

  it('ignores stray files in its folder', async () => {
    const dir = tempDir();
    appendFileSync(join(dir, 'README.txt'), 'not a segment');
    const store = new JournalObjectStore(dir);
    await store.put('a', 'b');
    expect((await store.get('a'))?.body.toString()).toBe('b');
    await store.close();
  });
});
