/**
 * Topics and queues between stages. Implemented by `InProcessMessageBus` (embedded runtime) and
 * `ServiceBusMessageBus` (Azure Service Bus). Delivery is at least once: handlers must be idempotent.
 */
export interface SendOptions {
  /** Deliver no earlier than this time. */
  scheduledAt?: Date;
  /** Lets the broker drop duplicates where it supports it; also useful in logs. */
  messageId?: string;
}

export interface ReceivedMessage {
  body: unknown;
  messageId: string;
  /** 1-based, as the Functions host reports it. */
  deliveryCount: number;
  enqueuedAt: Date;
}

/**
 * Returning settles the message as complete; throwing abandons it (redelivered, and dead-lettered after the
 * bus's maximum delivery count).
 */
export type MessageHandler = (message: ReceivedMessage) => Promise<void>;

export interface Subscription {
  close(): Promise<void>;
}

export interface MessageBus {
  /** Sends to a topic or queue by name. */
  send(destination: string, body: unknown, options?: SendOptions): Promise<void>;
  /**
   * Receives from a queue, or from a topic's subscription (`subscription` given), one message per handler call,
   * up to `concurrency` at once.
   */
  subscribe(
    destination: string,
    subscription: string | undefined,
    handler: MessageHandler,
    options?: { concurrency?: number },
  ): Subscription;
  close(): Promise<void>;
}
