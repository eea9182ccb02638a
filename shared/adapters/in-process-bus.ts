import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppendLog } from './append-log';
import { numberedFiles } from './numbered-files';
import { cloneJson } from '../util/json';
import type { Logger } from '../log';
import { silentLogger } from '../log';
import type { MessageBus, MessageHandler, QueueStats, SendOptions, Subscription } from '../ports/message-bus';
import { withTraceContext } from '../telemetry/trace';

interface Entry {
  id: string;
  body: unknown;
  /** Application properties (the trace context among them); journaled with the message. */
  properties?: Readonly<Record<string, string>>;
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
  /** Keep messages in a journal in this folder until they are settled, so a restart continues them. */
  dir?: string;
  /** Start a fresh journal (carrying only unsettled messages) past this size. Default 16 MiB. */
  journalBytes?: number;
  /** Deliveries before a message is dead-lettered (as Service Bus's MaxDeliveryCount). Default 10. */
  maxDeliveryCount?: number;
  /** Pause before an abandoned message is offered again. Default 250 ms. */
  redeliveryDelayMs?: number;
  logger?: Logger;
}

const NAME = /^[A-Za-z0-9._-]+$/;

/** One line of the bus journal: a message sent, settled, scheduled again or dead-lettered. */
type JournalLine =
  | { send: string; entry: Entry }
  | { done: string }
  | { retry: string; availableAt: number; deliveryCount: number };

const JOURNAL_NAME = /^journal-(\d{8})\.jsonl$/;

/**
 * The embedded runtime's bus: queues and topics in the process, with at-least-once delivery, delivery
 * counts, scheduled delivery and a dead-letter folder. With `dir`, every send, settlement and redelivery
 * is appended to a journal before it takes effect (group-committed: one write for all messages of a
 * moment), so a killed process loses nothing: a new bus on the folder replays the journal and delivers
 * what was not settled. The journal is started afresh, with just the unsettled messages, when it grows
 * past `journalBytes` and at every start.
 * A topic has one subscription here: the one the runtime's stage Function listens on.
 */
export class InProcessMessageBus implements MessageBus {
  private readonly channels = new Map<string, Channel>();
  private readonly maxDeliveryCount: number;
  private readonly redeliveryDelayMs: number;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly idle = new Set<{ resolve: () => void; scheduled: boolean }>();
  /** Unsettled messages by id, with their destination: what a fresh journal must carry over. */
  private readonly unsettled = new Map<string, { destination: string; entry: Entry }>();
  private journal: AppendLog | undefined;
  private journalNumber = 0;
  /** Journal size that triggers a fresh one: twice what the last one started with, at least `journalBytes`. */
  private rotateAt = 0;

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

  private journalFile(n: number): string {
    return join(this.options.dir!, `journal-${String(n).padStart(8, '0')}.jsonl`);
  }

  private recover(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const numbers = numberedFiles(dir, JOURNAL_NAME);
    for (const n of numbers) {
      for (const text of readFileSync(this.journalFile(n), 'utf8').split('\n')) {
        let line: JournalLine;
        try {
          line = JSON.parse(text) as JournalLine;
        } catch {
          continue; // the last line, cut short by a crash: that send was never acknowledged
        }
        if ('send' in line) this.unsettled.set(line.entry.id, { destination: line.send, entry: line.entry });
        else if ('done' in line) this.unsettled.delete(line.done);
        else {
          const found = this.unsettled.get(line.retry);
          if (found) {
            found.entry.availableAt = line.availableAt;
            found.entry.deliveryCount = line.deliveryCount;
          }
        }
      }
    }
    this.journalNumber = numbers[numbers.length - 1] ?? 0;
    this.rotate();
    for (const { destination, entry } of this.unsettled.values()) {
      if (NAME.test(destination)) this.enqueue(this.channel(destination), entry);
    }
  }

  /** Starts a new journal holding the unsettled messages, then removes the earlier ones. */
  private rotate(): void {
    const previous = this.journal;
    this.journalNumber++;
    this.journal = new AppendLog(this.journalFile(this.journalNumber));
    const carried = [...this.unsettled.values()].map(({ destination, entry }) => ({
      send: destination,
      entry,
    }));
    const text = carried.map((line) => `${JSON.stringify(line)}\n`).join('');
    const written = this.journal.append(Buffer.from(text, 'utf8')).written;
    this.rotateAt = Math.max(this.options.journalBytes ?? 16 * 1024 * 1024, 2 * text.length);
    const number = this.journalNumber;
    void written
      .then(() => previous?.close())
      .then(() => {
        for (const name of readdirSync(this.options.dir!)) {
          const n = JOURNAL_NAME.exec(name)?.[1];
          if (n !== undefined && Number(n) < number) rmSync(join(this.options.dir!, name), { force: true });
        }
      })
      .catch((error: unknown) =>
        this.logger.error('bus.journal-rotation-failed', {
          message: error instanceof Error ? error.message : String(error),
        }),
      );
  }

  /** Appends lines to the journal; resolves when they are written. */
  private record(...lines: JournalLine[]): Promise<void> {
    if (!this.journal) return Promise.resolve();
    const text = lines.map((line) => JSON.stringify(line)).join('\n') + '\n';
    const written = this.journal.append(Buffer.from(text, 'utf8')).written;
    if (this.journal.size > this.rotateAt) this.rotate();
    return written;
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
    const properties = withTraceContext(options.applicationProperties);
    const entry: Entry = {
      id: randomUUID(),
      // Bodies travel as JSON, as on Service Bus: what JSON cannot carry does not arrive.
      body: JSON.parse(JSON.stringify(body) ?? 'null') as unknown,
      ...(properties ? { properties: { ...properties } } : {}),
      enqueuedAt: now,
      availableAt: options.scheduledAt ? options.scheduledAt.getTime() : now,
      deliveryCount: 0,
    };
    if (this.options.dir) {
      this.unsettled.set(entry.id, { destination, entry });
      await this.record({ send: destination, entry });
    }
    this.enqueue(channel, entry);
    this.pump(destination);
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
        body: cloneJson(entry.body),
        messageId: entry.id,
        deliveryCount: entry.deliveryCount,
        enqueuedAt: new Date(entry.enqueuedAt),
        ...(entry.properties ? { applicationProperties: entry.properties } : {}),
      });
      if (this.options.dir) {
        this.unsettled.delete(entry.id);
        await this.record({ done: entry.id });
      }
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
        await writeFile(join(dlq, `${entry.id}.json`), JSON.stringify(entry));
        this.unsettled.delete(entry.id);
        await this.record({ done: entry.id });
      }
      return;
    }
    entry.availableAt = Date.now() + this.redeliveryDelayMs;
    if (this.options.dir) {
      await this.record({
        retry: entry.id,
        availableAt: entry.availableAt,
        deliveryCount: entry.deliveryCount,
      }).catch(() => undefined);
    }
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

  stats(): Promise<QueueStats[]> {
    return Promise.resolve(
      [...this.channels.keys()].map((destination) => ({
        destination,
        depth: this.depth(destination),
        deadLettered: this.deadLetterCount(destination),
      })),
    );
  }

  private notifyIfIdle(): void {
    const channels = [...this.channels.values()];
    if (channels.some((c) => c.inFlight > 0 || c.ready.length > 0)) return;
    const scheduled = channels.some((c) => c.scheduled.length > 0);
    for (const waiter of this.idle) {
      if (scheduled && waiter.scheduled) continue;
      waiter.resolve();
      this.idle.delete(waiter);
    }
  }

  /**
   * Resolves when no message is ready or in flight, and none is scheduled (unless `scheduled: false`:
   * messages scheduled for later, such as retries, are not waited for).
   */
  whenIdle(options: { scheduled?: boolean } = {}): Promise<void> {
    return new Promise((resolve) => {
      this.idle.add({ resolve, scheduled: options.scheduled ?? true });
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
    await this.journal?.close();
  }
}
