import { appendFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InProcessMessageBus } from '../shared/adapters/in-process-bus';
import type { ReceivedMessage } from '../shared/ports/message-bus';
import { eventually, tempDir } from './support/temp';

describe('InProcessMessageBus', () => {
  it('delivers at least once: a handler that throws gets the message again, with a higher delivery count', async () => {
    const bus = new InProcessMessageBus({ redeliveryDelayMs: 5 });
    const seen: ReceivedMessage[] = [];
    bus.subscribe('t', 's', (m) => {
      seen.push(m);
      return seen.length < 3 ? Promise.reject(new Error('not yet')) : Promise.resolve();
    });
    await bus.send('t', { n: 1 });
    await bus.whenIdle();
    expect(seen.map((m) => m.deliveryCount)).toEqual([1, 2, 3]);
    expect(new Set(seen.map((m) => m.messageId)).size).toBe(1);
    await bus.close();
  });

  it('dead-letters after the maximum delivery count, into the dead-letter folder', async () => {
    const dir = tempDir();
    const bus = new InProcessMessageBus({ dir, maxDeliveryCount: 3, redeliveryDelayMs: 5 });
    let deliveries = 0;
    bus.subscribe('t', 's', () => {
      deliveries++;
      return Promise.reject(new Error('poison'));
    });
    await bus.send('t', { poison: true });
    await bus.whenIdle();
    expect(deliveries).toBe(3);
    expect(bus.deadLetterCount('t')).toBe(1);
    await eventually(async () =>
      existsSync(join(dir, 't', '$deadletter')) && readdirSync(join(dir, 't', '$deadletter')).length === 1
        ? true
        : undefined,
    );
    expect(readdirSync(join(dir, 't')).filter((f) => f.endsWith('.json'))).toEqual([]);
    await bus.close();
  });

  it('holds a scheduled message until its time', async () => {
    const bus = new InProcessMessageBus();
    let at = 0;
    bus.subscribe('t', 's', () => {
      at = Date.now();
      return Promise.resolve();
    });
    const due = Date.now() + 300;
    await bus.send('t', {}, { scheduledAt: new Date(due) });
    expect(bus.depth('t')).toBe(1);
    await bus.whenIdle();
    expect(at).toBeGreaterThanOrEqual(due);
    await bus.close();
  });

  it('keeps unsettled messages on disk: a new bus on the same folder delivers them', async () => {
    const dir = tempDir();
    const first = new InProcessMessageBus({ dir });
    await first.send('t', { survive: 1 });
    await first.send('t', { survive: 2 });
    await first.close(); // no subscriber: nothing was settled
    const second = new InProcessMessageBus({ dir });
    const bodies: unknown[] = [];
    second.subscribe('t', 's', (m) => {
      bodies.push(m.body);
      return Promise.resolve();
    });
    await second.whenIdle();
    expect(bodies).toEqual(expect.arrayContaining([{ survive: 1 }, { survive: 2 }]));
    await second.close();
    const third = new InProcessMessageBus({ dir });
    expect(third.depth('t')).toBe(0); // settled messages stay settled
    await third.close();
  });

  it('survives a journal line torn by a crash, and starts a fresh journal when the old one grows', async () => {
    const dir = tempDir();
    const first = new InProcessMessageBus({ dir, journalBytes: 200 });
    for (let i = 0; i < 40; i++) await first.send('t', { i, padding: 'x'.repeat(40) });
    await first.close();
    const journals = readdirSync(dir).filter((f) => f.startsWith('journal-'));
    expect(journals).toHaveLength(1); // earlier ones were replaced by the fresh one
    expect(journals[0]).not.toBe('journal-00000001.jsonl');
    appendFileSync(join(dir, journals[0]!), '{"send":"t","entry":{"id":"torn');

    const second = new InProcessMessageBus({ dir });
    const seen: number[] = [];
    second.subscribe('t', 's', (m) => {
      seen.push((m.body as { i: number }).i);
      return Promise.resolve();
    });
    await second.whenIdle();
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    await second.close();
  });

  it('limits concurrent handlers per topic', async () => {
    const bus = new InProcessMessageBus();
    let running = 0;
    let peak = 0;
    bus.subscribe(
      't',
      's',
      async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
      },
      { concurrency: 3 },
    );
    for (let i = 0; i < 20; i++) await bus.send('t', { i });
    await bus.whenIdle();
    expect(peak).toBe(3);
    await bus.close();
  });
});
