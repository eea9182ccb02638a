import { registerStage } from './lib/stage';

/** The transform stage: runs the flow steps whose actions belong to it. */
registerStage('transform', 'TRANSFORM_TOPIC');
