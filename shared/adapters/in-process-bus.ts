import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { MessageBus, MessageHandler, SendOptions, Subscription } from '../ports/message-bus';

interface Entry {
  id: string;
  body: unknown;
  enqueuedAt: number;
  availableAt: number;
  deliveryCount: number;
}

interface Channel {
  ready: Entry[];
  scheduled: Entry[];
  handler?: MessageHandler;
  concurrency: number;
  inFlight: number;
  deadLetters: number;
}

export interface InProcessBusOptions {
  /** Keep messages in this folder until they are settled, so a restart continues them. */
  dir?: string;
  /** Deliveries before a message is dead-lettered (as Service Bus's MaxDeliveryCount). Default 10. */
  maxDeliveryCount?: number;
  /** Pause before an abandoned message is offered again. Default 250 ms. */
  redeliveryDelayMs?: number;
  logger?: Logger;
}

const NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The embedded runtime's bus: queues and topics in the process, with at-least-once delivery, delivery
 * counts, scheduled delivery and a dead-letter folder. With `dir`, every message is a file until settled
 * (written before `send` returns, removed on completion), so a killed process loses nothing.
 * A topic has one subscription here: the one the runtime's stage Function listens on.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly channels = new Map<string, Channel>();
  private readonly maxDeliveryCount: number;
  private readonly redeliveryDelayMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idle = new Set<() => void>();

  constructor(private readonly options: InProcessBusOptions = {}) {
    this.maxDeliveryCount = options.maxDeliveryCount ?? 10;
    this.redeliveryDelayMs = options.redeliveryDelayMs ?? 250;
    this.logger = options.logger ?? silentLogger;
    if (options.dir) this.recover(options.dir);
  }

  private channel(destination: string): Channel {
    if (!NAME.test(destination)) throw new RangeError(`Invalid destination name "${destination}"`);
    let channel = this.channels.get(destination);
    if (!channel) {
      channel = { ready: [], scheduled: [], concurrency: 1, inFlight: 0, deadLetters: 0 };
      this.channels.set(destination, channel);
    }
    return channel;
  }

  private file(destination: string, id: string): string {
    return join(this.options.dir!, destination, `${id}.json`);
  }

  private recover(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const destination of readdirSync(dir, { withFileTypes: true })) {
      if (!destination.isDirectory() || !NAME.test(destination.name)) continue;
      const channel = this.channel(destination.name);
      for (const name of readdirSync(join(dir, destination.name))) {
        if (!name.endsWith('.json')) continue;
        try {
          const entry = JSON.parse(readFileSync(join(dir, destination.name, name), 'utf8')) as Entry;
          this.enqueue(channel, entry);
        } catch {
          // a message file cut short by a crash during its first write was never acknowledged to the sender
        }
      }
    }
  }

  private enqueue(channel: Channel, entry: Entry): void {
    if (entry.availableAt <= Date.now()) channel.ready.push(entry);
    else {
      channel.scheduled.push(entry);
      this.armTimer();
    }
  }

  async send(destination: string, body: unknown, options: SendOptions = {}): Promise<void> {
    if (this.closed) throw new Error('The bus is closed');
    const channel = this.channel(destination);
    const now = Date.now();
    const entry: Entry = {
      id: randomUUID(),
      body: structuredClone(body),
      enqueuedAt: now,
      availableAt: options.scheduledAt ? options.scheduledAt.getTime() : now,
      deliveryCount: 0,
    };
    if (this.options.dir) await this.persist(destination, entry);
    this.enqueue(channel, entry);
    this.pump(destination);
  }

  private async persist(destination: string, entry: Entry): Promise<void> {
    const file = this.file(destination, entry.id);
    const temp = `${file}.tmp`;
    try {
      await writeFile(temp, JSON.stringify(entry));
    } catch {
      await mkdir(join(this.options.dir!, destination), { recursive: true });
      await writeFile(temp, JSON.stringify(entry));
    }
    await rename(temp, file);
  }

  subscribe(
    destination: string,
    _subscription: string | undefined,
    handler: MessageHandler,
    options: { concurrency?: number } = {},
  ): Subscription {
    const channel = this.channel(destination);
    if (channel.handler) throw new Error(`${destination} already has a subscriber`);
    channel.handler = handler;
    channel.concurrency = options.concurrency ?? 8;
    this.pump(destination);
    return {
      close: () => {
        if (channel.handler === handler) delete channel.handler;
        return Promise.resolve();
      },
    };
  }

  private pump(destination: string): void {
    const channel = this.channels.get(destination);
    if (!channel?.handler || this.closed) return;
    while (channel.inFlight < channel.concurrency && channel.ready.length > 0) {
      const entry = channel.ready.shift()!;
      channel.inFlight++;
      void this.deliver(destination, channel, channel.handler, entry);
    }
  }

  private async deliver(
    destination: string,
    channel: Channel,
    handler: MessageHandler,
    entry: Entry,
  ): Promise<void> {
    entry.deliveryCount++;
    try {
      await handler({
        body: structuredClone(entry.body),
        messageId: entry.id,
        deliveryCount: entry.deliveryCount,
        enqueuedAt: new Date(entry.enqueuedAt),
      });
      if (this.options.dir) await rm(this.file(destination, entry.id), { force: true });
    } catch (error) {
      await this.abandon(destination, channel, entry, error);
    } finally {
      channel.inFlight--;
      this.pump(destination);
      this.notifyIfIdle();
    }
  }

  private async abandon(destination: string, channel: Channel, entry: Entry, error: unknown): Promise<void> {
    if (entry.deliveryCount >= this.maxDeliveryCount) {
      channel.deadLetters++;
      this.logger.error('bus.dead-lettered', {
        destination,
        messageId: entry.id,
        deliveryCount: entry.deliveryCount,
        message: error instanceof Error ? error.message : String(error),
      });
      if (this.options.dir) {
        const dlq = join(this.options.dir, destination, '$deadletter');
        await mkdir(dlq, { recursive: true });
        await rename(this.file(destination, entry.id), join(dlq, `${entry.id}.json`)).catch(() => undefined);
      }
      return;
    }
    entry.availableAt = Date.now() + this.redeliveryDelayMs;
    if (this.options.dir) await this.persist(destination, entry).catch(() => undefined);
    if (!this.closed) this.enqueue(channel, entry);
  }

  private armTimer(): void {
    if (this.closed) return;
    let earliest = Infinity;
    for (const channel of this.channels.values()) {
      for (const entry of channel.scheduled) earliest = Math.min(earliest, entry.availableAt);
    }
    if (earliest === Infinity) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.release(), Math.max(0, earliest - Date.now()));
    this.timer.unref();
  }

  private release(): void {
    this.timer = undefined;
    const now = Date.now();
    for (const [destination, channel] of this.channels) {
      const due = channel.scheduled.filter((e) => e.availableAt <= now);
      if (due.length === 0) continue;
      channel.scheduled = channel.scheduled.filter((e) => e.availableAt > now);
      channel.ready.push(...due);
      this.pump(destination);
    }
    this.armTimer();
  }

  /** Messages not yet settled, per destination (ready, scheduled and in flight). */
  depth(destination: string): number {
    const channel = this.channels.get(destination);
    return channel ? channel.ready.length + channel.scheduled.length + channel.inFlight : 0;
  }

  deadLetterCount(destination: string): number {
    return this.channels.get(destination)?.deadLetters ?? 0;
  }

  private notifyIfIdle(): void {
    if (
      [...this.channels.values()].every(
        (c) => c.inFlight === 0 && c.ready.length === 0 && c.scheduled.length === 0,
      )
    ) {
      for (const resolve of this.idle) resolve();
      this.idle.clear();
    }
  }

  /** Resolves when no message is ready, scheduled or in flight. */
  whenIdle(): Promise<void> {
    return new Promise((resolve) => {
      this.idle.add(resolve);
      this.notifyIfIdle();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const deadline = Date.now() + 10_000;
    while ([...this.channels.values()].some((c) => c.inFlight > 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
