/**
 * Structured, payload-free logging. Every event names what happened and carries the document's
 * coordinates; invoice content, keys and personal data are never passed here.
 */
export type LogEvent =
  | 'document.received'
  | 'document.duplicate'
  | 'step.started'
  | 'step.finished'
  | 'step.notice'
  | 'step.skipped'
  | 'step.retry-scheduled'
  | 'document.finished'
  | 'document.redriven'
  | 'document.resubmitted'
  | 'document.cancelled'
  | 'batch.received'
  | 'batch.item-failed'
  | 'webhook.not-queued'
  | 'webhook.delivered'
  | 'webhook.retry-scheduled'
  | 'webhook.given-up'
  | 'bus.dead-lettered'
  | 'bus.journal-rotation-failed'
  | 'runtime.started'
  | 'runtime.stopped'
  | 'runtime.error';

export interface LogFields {
  tenantId?: string;
  documentId?: string;
  flowId?: string;
  stepId?: string;
  attempt?: number;
  correlationId?: string;
  outcome?: string;
  code?: string;
  message?: string;
  durationMs?: number;
  [field: string]: string | number | boolean | undefined;
}

export interface Logger {
  info(event: LogEvent, fields?: LogFields): void;
  warn(event: LogEvent, fields?: LogFields): void;
  error(event: LogEvent, fields?: LogFields): void;
}

/** JSON lines on stderr/stdout; level filtered by `EINVOICE_LOG_LEVEL` (`info`, `warn`, `error`, `silent`). */
export function consoleLogger(level = process.env.EINVOICE_LOG_LEVEL ?? 'info'): Logger {
  const rank = { info: 0, warn: 1, error: 2, silent: 3 }[level] ?? 0;
  const write = (lvl: string, r: number, event: LogEvent, fields?: LogFields) => {
    if (r < rank) return;
    const line = JSON.stringify({ at: new Date().toISOString(), level: lvl, event, ...fields });
    if (r >= 1) process.stderr.write(line + '\n');
    else process.stdout.write(line + '\n');
  };
  return {
    info: (event, fields) => write('info', 0, event, fields),
    warn: (event, fields) => write('warn', 1, event, fields),
    error: (event, fields) => write('error', 2, event, fields),
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
