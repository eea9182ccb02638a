import { app, type InvocationContext } from '@azure/functions';
import { isNotificationMessage } from '../shared/engine/notifier';
import { services } from './lib/services';

/** Delivers webhook notifications (status changes) to tenants; retries are scheduled messages. */
export async function handleNotification(message: unknown, context: InvocationContext): Promise<void> {
  if (!isNotificationMessage(message)) {
    context.error('notification refused: not a notification envelope');
    return;
  }
  await services().notifier.deliver(message);
}

app.serviceBusTopic('webhook-delivery', {
  connection: 'ServiceBusConnection',
  topicName: '%NOTIFY_TOPIC%',
  subscriptionName: '%STAGE_SUBSCRIPTION%',
  handler: handleNotification,
});
