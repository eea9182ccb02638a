import { app, type InvocationContext } from '@azure/functions';
import { isNotificationMessage } from '../shared/engine/notifier';
import { services } from './lib/services';
import { consuming } from './lib/trace';

/** Delivers webhook notifications (status changes) to tenants; retries are scheduled messages. */
export async function handleNotification(message: unknown, context: InvocationContext): Promise<void> {
  if (!isNotificationMessage(message)) {
    context.error('notification refused: not a notification envelope');
    return;
  }
  await consuming(
    services().settings.notifyTopic,
    context,
    { 'einvoice.document.id': message.documentId },
    () => services().notifier.deliver(message),
  );
}

app.serviceBusTopic('webhook-delivery', {
  connection: 'ServiceBusConnection',
  topicName: '%NOTIFY_TOPIC%',
  subscriptionName: '%STAGE_SUBSCRIPTION%',
  handler: handleNotification,
});
