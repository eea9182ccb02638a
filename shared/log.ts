/**
 * Structured, payload-free logging. Every event names what happened and carries the document's
 * coordinates; invoice content, keys and personal data are never passed here.
 */
export type LogEvent =
  | 'document.received'
  | 'document.delivered'
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
  | 'event.received'
  | 'batch.received'
  | 'batch.item-failed'
  | 'bulk.done'
  | 'retention.done'
  | 'webhook.not-queued'
  | 'webhook.delivered'
  | 'webhook.retry-scheduled'
  | 'webhook.given-up'
  | 'bus.dead-lettered'
  | 'bus.journal-rotation-failed'
  | 'bus.receive-failed'
  | 'runtime.started'
  | 'runtime.notice'
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

export type LogLevel = 'info' | 'warn' | 'error' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error', 'silent'];
export type LogFormat = 'pretty' | 'json';
export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

export interface ConsoleLoggerOptions {
  /** The lowest level written (`EINVOICE_LOG_LEVEL`); default `info`. */
  level?: LogLevel;
  /**
   * `json`: one JSON object a line, for log collectors. `pretty`: one readable line (time, level, event,
   * the document's coordinates, then the other fields). Default: pretty when stdout is a terminal.
   */
  format?: LogFormat;
  /** Where info lines go (stdout) and warnings and errors (stderr); for tests. */
  out?: { write(line: string): unknown };
  err?: { write(line: string): unknown };
}

const LEVEL_RANK: Record<LogLevel, number> = { info: 0, warn: 1, error: 2, silent: 3 };
const COORDINATES = ['tenantId', 'documentId'] as const;

/** `13:50:01.123 WARN  step.finished local/01k… flow=peppol-outbox step=submit code=… "message"`. */
function prettyLine(level: string, event: LogEvent, fields: LogFields = {}, at = new Date()): string {
  const where = COORDINATES.map((name) => fields[name])
    .filter((value) => value !== undefined)
    .join('/');
  const rest = Object.entries(fields)
    .filter(([name, value]) => value !== undefined && !(COORDINATES as readonly string[]).includes(name))
    .map(([name, value]) => {
      const text = String(value);
      if (name === 'durationMs') return `${text}ms`;
      return `${name}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
    });
  return [at.toISOString().slice(11, 23), level.toUpperCase().padEnd(5), event, where, ...rest]
    .filter((part) => part !== '')
    .join(' ');
}

/** Log lines on stdout (info) and stderr (warnings, errors), as JSON or readable text. */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const rank = LEVEL_RANK[options.level ?? 'info'];
  const out = options.out ?? process.stdout;
  const err = options.err ?? process.stderr;
  const format = options.format ?? (process.stdout.isTTY ? 'pretty' : 'json');
  const write = (lvl: Exclude<LogLevel, 'silent'>, event: LogEvent, fields?: LogFields) => {
    if (LEVEL_RANK[lvl] < rank) return;
    const line =
      format === 'pretty'
        ? prettyLine(lvl, event, fields)
        : JSON.stringify({ at: new Date().toISOString(), level: lvl, event, ...fields });
    (LEVEL_RANK[lvl] >= 1 ? err : out).write(line + '\n');
  };
  return {
    info: (event, fields) => write('info', event, fields),
    warn: (event, fields) => write('warn', event, fields),
    error: (event, fields) => write('error', event, fields),
  };
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
