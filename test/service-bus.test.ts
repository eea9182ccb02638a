import { ServiceBusClient } from '@azure/service-bus';
import { ServiceBusMessageBus } from '../shared/adapters/service-bus';
import { silentLogger } from '../shared/log';
import type { ReceivedMessage } from '../shared/ports/message-bus';
import { AmqpTestBroker } from './support/amqp-broker';
import { eventually } from './support/temp';

let broker: AmqpTestBroker;
let client: ServiceBusClient;

beforeAll(async () => {
  broker = new AmqpTestBroker({
    queues: ['batch', 'scratch'],
    topics: { transform: ['einvoice'], sign: ['einvoice'] },
    maxDeliveryCount: 3,
  });
  await broker.start();
  client = new ServiceBusClient(broker.connectionString);
});

afterAll(async () => {
  await client?.close();
  await broker?.stop();
});

describe('the @azure/service-bus client against the AMQP test broker', () => {
  it('sends, receives with peek-lock and completes', async () => {
    const sender = client.createSender('scratch');
    await sender.sendMessages({ body: { hello: 'world' }, messageId: 'm-1' });
    const receiver = client.createReceiver('scratch', { receiveMode: 'peekLock' });
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message?.body).toEqual({ hello: 'world' });
    expect(message?.messageId).toBe('m-1');
    expect(message?.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    await receiver.completeMessage(message!);
    await eventually(async () => (broker.count('scratch') === 0 ? true : undefined), 5000, 'completion');
    await receiver.close();
    await sender.close();
  });

  it('redelivers an abandoned message with a higher delivery count', async () => {
    const sender = client.createSender('scratch');
    await sender.sendMessages({ body: 'again' });
    const receiver = client.createReceiver('scratch');
    const [first] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    // AMQP omits a delivery count of 0 (its default), and the client then reports none.
    expect(first!.deliveryCount ?? 0).toBe(0);
    await receiver.abandonMessage(first!);
    const [second] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(second!.body).toBe('again');
    expect(second!.deliveryCount).toBe(1);
    await receiver.completeMessage(second!);
    await receiver.close();
    await sender.close();
  });

  it('moves a dead-lettered message to the dead-letter sub-queue with its reason', async () => {
    const sender = client.createSender('scratch');
    await sender.sendMessages({ body: 'poison' });
    const receiver = client.createReceiver('scratch');
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'BadEnvelope',
      deadLetterErrorDescription: 'test',
    });
    const dlq = client.createReceiver('scratch', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(dead!.body).toBe('poison');
    expect(dead!.deadLetterReason).toBe('BadEnvelope');
    await dlq.completeMessage(dead!);
    await dlq.close();
    await receiver.close();
    await sender.close();
  });

  it('holds a scheduled message until its time', async () => {
    const sender = client.createSender('scratch');
    const at = new Date(Date.now() + 1500);
    await sender.sendMessages({ body: 'later', scheduledEnqueueTimeUtc: at });
    const receiver = client.createReceiver('scratch');
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toHaveLength(0);
    const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(message!.body).toBe('later');
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
    await receiver.completeMessage(message!);
    await receiver.close();
    await sender.close();
  });

  it('accepts batched sends', async () => {
    const sender = client.createSender('scratch');
    const batch = await sender.createMessageBatch();
    for (let i = 0; i < 5; i++) expect(batch.tryAddMessage({ body: { n: i } })).toBe(true);
    await sender.sendMessages(batch);
    const receiver = client.createReceiver('scratch');
    const received: unknown[] = [];
    while (received.length < 5) {
      for (const m of await receiver.receiveMessages(5, { maxWaitTimeInMs: 2000 })) {
        received.push(m.body);
        await receiver.completeMessage(m);
      }
    }
    expect(received).toEqual([0, 1, 2, 3, 4].map((n) => ({ n })));
    await receiver.close();
    await sender.close();
  });
});

describe('ServiceBusMessageBus', () => {
  it('delivers to a topic subscription; returning completes the message', async () => {
    const bus = new ServiceBusMessageBus(new ServiceBusClient(broker.connectionString), silentLogger);
    const received: ReceivedMessage[] = [];
    const subscription = bus.subscribe('transform', 'einvoice', (m) => {
      received.push(m);
      return Promise.resolve();
    });
    await bus.send('transform', { documentId: 'd-1' }, { messageId: 'd-1:validate:1' });
    await eventually(async () => (received.length === 1 ? true : undefined), 10_000, 'delivery');
    expect(received[0]).toMatchObject({
      body: { documentId: 'd-1' },
      messageId: 'd-1:validate:1',
      deliveryCount: 1,
    });
    await eventually(
      async () => (broker.count('transform/Subscriptions/einvoice') === 0 ? true : undefined),
      5000,
      'completion',
    );
    await subscription.close();
    await bus.close();
  });

  it('abandons when the handler throws, redelivers, and dead-letters after the maximum delivery count', async () => {
    const bus = new ServiceBusMessageBus(new ServiceBusClient(broker.connectionString), silentLogger);
    const counts: number[] = [];
    const subscription = bus.subscribe('sign', 'einvoice', (m) => {
      counts.push(m.deliveryCount);
      return Promise.reject(new Error('transient'));
    });
    await bus.send('sign', { documentId: 'd-2' });
    await eventually(
      async () => (broker.count('sign/Subscriptions/einvoice/$DeadLetterQueue') === 1 ? true : undefined),
      15_000,
      'dead-letter',
    );
    expect(counts).toEqual([1, 2, 3]);
    await subscription.close();
    await bus.close();
  });

  it('sends a scheduled message that arrives no earlier than asked', async () => {
    const bus = new ServiceBusMessageBus(new ServiceBusClient(broker.connectionString), silentLogger);
    const at = new Date(Date.now() + 1200);
    let arrivedAt = 0;
    const subscription = bus.subscribe('batch', undefined, () => {
      arrivedAt = Date.now();
      return Promise.resolve();
    });
    await bus.send('batch', { batchId: 'b' }, { scheduledAt: at });
    await eventually(async () => (arrivedAt ? true : undefined), 10_000, 'scheduled delivery');
    expect(arrivedAt).toBeGreaterThanOrEqual(at.getTime());
    await subscription.close();
    await bus.close();
  });
});
