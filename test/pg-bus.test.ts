import { PgMessageBus, type PgBusOptions } from '../shared/adapters/pg-bus';
import { PgConnection } from '../shared/adapters/pg-connection';
import type { ReceivedMessage } from '../shared/ports/message-bus';
import { postgresForTests } from './support/postgres';
import { eventually, onTeardown } from './support/temp';

const { describePg, server } = postgresForTests('the PostgreSQL bus tests');

/** A bus as one process has it (its own pool and listener), closed after the file unless `crash` ends it. */
function newBus(schema: string, options: PgBusOptions = {}): { bus: PgMessageBus; db: PgConnection } {
  const db = new PgConnection({ url: server.url, schema });
  const bus = new PgMessageBus(db, options);
  onTeardown(async () => {
    await bus.close();
    await db.end();
  });
  return { bus, db };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describePg('PgMessageBus', () => {
  it('delivers a queue message once, with its id, delivery count and enqueue time, and completes it', async () => {
    const { bus } = newBus(server.schema());
    const before = Date.now();
    await bus.send('batch', { documents: [1, 2], note: 'ü' }, { messageId: 'm-1' });
    const received: ReceivedMessage[] = [];
    bus.subscribe('batch', undefined, async (m) => void received.push(m));
    await eventually(async () => ((await bus.depth('batch')) === 0 ? true : undefined), 10_000, 'completion');
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      body: { documents: [1, 2], note: 'ü' },
      messageId: 'm-1',
      deliveryCount: 1,
    });
    expect(received[0]!.enqueuedAt.getTime()).toBeGreaterThanOrEqual(before - 1000);
  });

  it("fans a topic's message out to every subscription, also one whose receivers are not running", async () => {
    const schema = server.schema();
    // `audit` is declared (as the runtime declares its topics) but nothing receives it yet
    const { bus } = newBus(schema, { topics: { sign: ['stage', 'audit'] } });
    const stage: unknown[] = [];
    bus.subscribe('sign', 'stage', async (m) => void stage.push(m.body));
    await bus.send('sign', { n: 1 });
    await eventually(async () => (stage.length === 1 ? true : undefined), 10_000, 'stage delivery');
    expect(await bus.depth('sign', 'audit')).toBe(1);
    // another process starts receiving `audit` later, and gets what was sent meanwhile
    const { bus: later } = newBus(schema);
    const audit: unknown[] = [];
    later.subscribe('sign', 'audit', async (m) => void audit.push(m.body));
    await eventually(async () => (audit.length === 1 ? true : undefined), 10_000, 'audit delivery');
    expect(audit).toEqual([{ n: 1 }]);
    expect(stage).toEqual([{ n: 1 }]);
  });

  it('hands messages sent to a topic before it had any subscription to its first one', async () => {
    const { bus } = newBus(server.schema());
    await bus.send('notify', { early: true });
    const received: unknown[] = [];
    bus.subscribe('notify', 'hooks', async (m) => void received.push(m.body));
    await eventually(async () => (received.length === 1 ? true : undefined), 10_000, 'adopted message');
    expect(received).toEqual([{ early: true }]);
  });

  it('delivers a scheduled message no earlier than its time, without waiting for the poll', async () => {
    const { bus } = newBus(server.schema(), { pollMs: 30_000 });
    let receivedAt = 0;
    bus.subscribe('retry', undefined, async () => void (receivedAt = Date.now()));
    await sleep(200); // the receiver is idle, its poll far away
    const due = Date.now() + 1500;
    await bus.send('retry', {}, { scheduledAt: new Date(due) });
    await eventually(async () => (receivedAt ? true : undefined), 10_000, 'scheduled delivery');
    expect(receivedAt).toBeGreaterThanOrEqual(due - 50);
    expect(receivedAt).toBeLessThan(due + 5000); // the poll is 30 s away
  });

  it('wakes an idle receiver by notification, long before its poll', async () => {
    const { bus } = newBus(server.schema(), { pollMs: 30_000 });
    let receivedAt = 0;
    bus.subscribe('transform', 'stage', async () => void (receivedAt = Date.now()));
    await sleep(500);
    const sent = Date.now();
    await bus.send('transform', {});
    await eventually(async () => (receivedAt ? true : undefined), 10_000, 'delivery');
    expect(receivedAt - sent).toBeLessThan(5000); // the poll is 30 s away
  });

  it('redelivers an abandoned message with its delivery count, and dead-letters it after the maximum', async () => {
    const { bus } = newBus(server.schema(), { maxDeliveryCount: 3, redeliveryDelayMs: 50 });
    const counts: number[] = [];
    bus.subscribe('submit', 'stage', async (m) => {
      counts.push(m.deliveryCount);
      throw new Error('receiver down');
    });
    await bus.send('submit', { doc: 'x' });
    await eventually(
      async () => ((await bus.deadLetterCount('submit', 'stage')) === 1 ? true : undefined),
      10_000,
      'dead letter',
    );
    expect(counts).toEqual([1, 2, 3]);
    expect(await bus.depth('submit', 'stage')).toBe(0);
    await sleep(300);
    expect(counts).toEqual([1, 2, 3]);
  });

  it("gives a crashed receiver's message to another once its lock expires, with the count", async () => {
    const schema = server.schema();
    // the first process takes the message and dies in its handler: no settlement, no lock renewal
    const first = new PgConnection({ url: server.url, schema });
    const dying = new PgMessageBus(first, { lockMs: 1000 });
    let taken!: () => void;
    const tookIt = new Promise<void>((resolve) => (taken = resolve));
    dying.subscribe('response', 'stage', () => {
      taken();
      return new Promise<void>(() => undefined); // never returns
    });
    await dying.send('response', { doc: 'y' });
    await tookIt;
    await first.end(); // its connections are gone, as with SIGKILL
    const { bus } = newBus(schema, { lockMs: 1000 });
    const received: ReceivedMessage[] = [];
    const start = Date.now();
    bus.subscribe('response', 'stage', async (m) => void received.push(m));
    await eventually(async () => (received.length === 1 ? true : undefined), 10_000, 'redelivery');
    expect(received[0]).toMatchObject({ body: { doc: 'y' }, deliveryCount: 2 });
    expect(Date.now() - start).toBeLessThan(5000);
    // the ended connection opens nothing again (the dead bus's LISTEN does not come back)
    await expect(first.dedicatedClient()).rejects.toThrow('closed');
  });

  it('renews the lock of a handler that runs longer than the lock', async () => {
    const schema = server.schema();
    const { bus } = newBus(schema, { lockMs: 600 });
    const { bus: other } = newBus(schema, { lockMs: 600 });
    const runs: string[] = [];
    const slow = async (who: string) => {
      runs.push(who);
      await sleep(2000);
    };
    bus.subscribe('sign', 'stage', () => slow('one'));
    await bus.send('sign', {});
    await eventually(async () => (runs.length === 1 ? true : undefined), 10_000, 'first delivery');
    other.subscribe('sign', 'stage', () => slow('two'));
    await eventually(
      async () => ((await bus.depth('sign', 'stage')) === 0 ? true : undefined),
      10_000,
      'done',
    );
    expect(runs).toHaveLength(1);
  });

  it('runs at most `concurrency` handlers of a subscription at once', async () => {
    const { bus } = newBus(server.schema());
    for (let i = 0; i < 20; i++) await bus.send('validate', { i });
    let running = 0;
    let most = 0;
    let done = 0;
    bus.subscribe(
      'validate',
      'stage',
      async () => {
        running++;
        most = Math.max(most, running);
        await sleep(30);
        running--;
        done++;
      },
      { concurrency: 3 },
    );
    await eventually(async () => (done === 20 ? true : undefined), 20_000, '20 handled');
    expect(most).toBe(3);
  });

  it('lets two processes share a subscription: every message handled once, never by both at once', async () => {
    const schema = server.schema();
    const buses = [newBus(schema).bus, newBus(schema).bus];
    const count = 300;
    const handledBy = new Map<number, string[]>();
    const inProgress = new Set<number>();
    let overlaps = 0;
    buses.forEach((bus, b) =>
      bus.subscribe(
        'work',
        'stage',
        async (m) => {
          const n = (m.body as { n: number }).n;
          if (inProgress.has(n)) overlaps++;
          inProgress.add(n);
          await sleep(Math.random() * 10);
          inProgress.delete(n);
          handledBy.set(n, [...(handledBy.get(n) ?? []), `bus${b}`]);
        },
        { concurrency: 4 },
      ),
    );
    await Promise.all(Array.from({ length: count }, (_, n) => buses[n % 2]!.send('work', { n })));
    await eventually(async () => (handledBy.size === count ? true : undefined), 30_000, 'all handled');
    await eventually(async () => ((await buses[0]!.depth('work', 'stage')) === 0 ? true : undefined));
    expect(overlaps).toBe(0);
    expect([...handledBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    const perBus = [...handledBy.values()].flat();
    expect(perBus.filter((b) => b === 'bus0').length).toBeGreaterThan(0);
    expect(perBus.filter((b) => b === 'bus1').length).toBeGreaterThan(0);
  });

  it('stops receiving on close and waits for the running handlers to settle their messages', async () => {
    const { bus, db } = newBus(server.schema());
    let finished = 0;
    bus.subscribe('slow', undefined, async () => {
      await sleep(300);
      finished++;
    });
    await bus.send('slow', {});
    await eventually(async () => ((await bus.depth('slow')) === 1 ? true : undefined));
    await sleep(50); // taken
    await bus.close();
    expect(finished).toBe(1);
    const left = await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${db.name('messages')}`);
    expect(Number(left.rows[0]!.n)).toBe(0);
    await expect(bus.send('slow', {})).rejects.toThrow('closed');
  });
});
