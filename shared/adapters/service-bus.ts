import type { ServiceBusClient, ServiceBusReceiver, ServiceBusSender } from '@azure/service-bus';
import type { Logger } from '../log';
import type { MessageBus, MessageHandler, SendOptions, Subscription } from '../ports/message-bus';
import { withTraceContext } from '../telemetry/trace';

/** The string-valued application properties of a received message (what the port carries). */
function stringProperties(
  properties: Record<string, unknown> | undefined,
): Record<string, string> | undefined {
  if (!properties) return undefined;
  const strings = Object.entries(properties).filter((e): e is [string, string] => typeof e[1] === 'string');
  return strings.length > 0 ? Object.fromEntries(strings) : undefined;
}

/**
 * The bus on Azure Service Bus. Senders are created once per destination and reused. `subscribe` is for
 * running stages outside the Functions host (the Functions host receives through its own trigger
 * bindings): a handler that returns completes the message, one that throws abandons it, and Service Bus
 * dead-letters it after the entity's MaxDeliveryCount.
 */
export class ServiceBusMessageBus implements MessageBus {
  private readonly senders = new Map<string, ServiceBusSender>();
  private readonly receivers = new Set<ServiceBusReceiver>();

  constructor(
    private readonly client: ServiceBusClient,
    private readonly logger: Logger,
  ) {}

  private sender(destination: string): ServiceBusSender {
    let sender = this.senders.get(destination);
    if (!sender) {
      sender = this.client.createSender(destination);
      this.senders.set(destination, sender);
    }
    return sender;
  }

  /**
   * The trace context goes in the application properties `traceparent` and `tracestate`, and as
   * `Diagnostic-Id`, which the Functions host and Application Insights read to correlate the receiving
   * invocation (the receivers here read `traceparent`, else a W3C `Diagnostic-Id` of another sender).
   */
  async send(destination: string, body: unknown, options: SendOptions = {}): Promise<void> {
    const properties = withTraceContext(options.applicationProperties);
    await this.sender(destination).sendMessages({
      body,
      contentType: 'application/json',
      ...(properties
        ? {
            applicationProperties: {
              ...properties,
              ...(properties.traceparent ? { 'Diagnostic-Id': properties.traceparent } : {}),
            },
          }
        : {}),
      ...(options.messageId ? { messageId: options.messageId } : {}),
      // Scheduled through the message annotation: no sequence number to keep, nothing to cancel.
      ...(options.scheduledAt ? { scheduledEnqueueTimeUtc: options.scheduledAt } : {}),
    });
  }

  subscribe(
    destination: string,
    subscription: string | undefined,
    handler: MessageHandler,
    options: { concurrency?: number } = {},
  ): Subscription {
    const receiver = subscription
      ? this.client.createReceiver(destination, subscription, { receiveMode: 'peekLock' })
      : this.client.createReceiver(destination, { receiveMode: 'peekLock' });
    this.receivers.add(receiver);
    const handle = receiver.subscribe(
      {
        processMessage: async (message) => {
          const properties = stringProperties(message.applicationProperties);
          await handler({
            body: message.body,
            messageId: String(message.messageId ?? ''),
            // The AMQP header counts earlier deliveries; report the 1-based count the Functions host reports.
            deliveryCount: (message.deliveryCount ?? 0) + 1,
            enqueuedAt: message.enqueuedTimeUtc ?? new Date(),
            ...(properties ? { applicationProperties: properties } : {}),
          });
        },
        processError: (args) => {
          this.logger.warn('runtime.error', {
            destination,
            code: args.errorSource,
            message: args.error.message,
          });
          return Promise.resolve();
        },
      },
      { autoCompleteMessages: true, maxConcurrentCalls: options.concurrency ?? 8 },
    );
    return {
      close: async () => {
        await handle.close();
        await receiver.close();
        this.receivers.delete(receiver);
      },
    };
  }

  async close(): Promise<void> {
    for (const receiver of this.receivers) await receiver.close();
    for (const sender of this.senders.values()) await sender.close();
    await this.client.close();
  }
}
