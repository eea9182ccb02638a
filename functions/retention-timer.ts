import { app, type InvocationContext, type Timer } from '@azure/functions';
import { services } from './lib/services';

/** Documents deleted per run at most: a long backlog is worked off over several runs, not in one. */
const PER_RUN = 10_000;

/**
 * Deletes finished documents whose last change is older than `EINVOICE_RETENTION`, except those under legal
 * hold. Without the setting it does nothing: invoices are kept until the operator decides how long the law
 * requires (ten years in Germany and Italy, for instance).
 */
app.timer('retentionTimer', {
  schedule: '%RETENTION_TIMER_SCHEDULE%',
  runOnStartup: false,
  handler: async (_timer: Timer, context: InvocationContext) => {
    const { settings, documents, logger } = services();
    if (settings.retentionMs === undefined) return;
    const { deleted, held } = await documents.deleteFinished(Date.now() - settings.retentionMs, PER_RUN);
    if (deleted > 0 || held > 0) {
      logger.info('retention.done', { deleted, held });
      context.log(`retention: deleted ${deleted} finished document(s), kept ${held} under legal hold`);
    }
  },
});
