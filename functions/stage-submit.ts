import { registerStage } from './lib/stage';

/** The submit stage: runs the flow steps whose actions belong to it. */
registerStage('submit', 'SUBMIT_TOPIC');
