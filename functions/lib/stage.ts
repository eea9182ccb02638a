import { app, type InvocationContext } from '@azure/functions';
import type { StageMessage } from '../../shared/model/message';
import type { Stage } from '../../shared/model/record';
import { isObject } from '../../shared/util/json';
import { services } from './services';
import { consuming } from './trace';

function isStageMessage(value: unknown): value is StageMessage {
  return (
    isObject(value) &&
    typeof value.tenantId === 'string' &&
    typeof value.documentId === 'string' &&
    typeof value.flowId === 'string' &&
    typeof value.stepId === 'string' &&
    typeof value.attempt === 'number' &&
    typeof value.correlationId === 'string'
  );
}

/**
 * The handler of a stage Function: checks the envelope and runs the step (throws to have it redelivered), in
 * a consumer span that continues the sender's trace.
 */
export async function handleStageMessage(
  message: unknown,
  context: InvocationContext,
  stage: Stage,
): Promise<void> {
  if (!isStageMessage(message)) {
    // Malformed for good: retrying cannot help, and there is no document to record it on.
    context.error('stage message refused: not a stage envelope');
    return;
  }
  const run = () => services().pipeline.runStep(message, context.invocationId);
  // named for the topic, as the producer span of the message is
  const topic = services().settings.topics[stage];
  await consuming(topic, context, { 'einvoice.document.id': message.documentId }, run);
}

/** Registers the Function of one stage on its topic's subscription (`%TOPIC_SETTING%`). */
export function registerStage(stage: Stage, topicSetting: string): void {
  app.serviceBusTopic(`stage-${stage}`, {
    connection: 'ServiceBusConnection',
    topicName: `%${topicSetting}%`,
    subscriptionName: '%STAGE_SUBSCRIPTION%',
    handler: (message: unknown, context: InvocationContext) => handleStageMessage(message, context, stage),
  });
}
