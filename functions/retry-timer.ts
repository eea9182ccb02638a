import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './lib/services';

/** Re-drives documents whose retry is due and documents stuck in a stage past its timeout. */
app.timer('retryTimer', {
  schedule: '%RETRY_TIMER_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const moved = await services().pipeline.redriveDue();
    if (moved > 0) context.log(`re-drove ${moved} document(s)`);
  },
});
