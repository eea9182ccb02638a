import { registerStage } from './lib/stage';

/** The sign stage: runs the flow steps whose actions belong to it. */
registerStage('sign', 'SIGN_TOPIC');
