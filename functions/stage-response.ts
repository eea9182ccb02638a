import { registerStage } from './lib/stage';

/** The response stage: runs the flow steps whose actions belong to it. */
registerStage('response', 'RESPONSE_TOPIC');
