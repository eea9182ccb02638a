/** How values are written for people: in the browser's locale, with exact machine values kept at hand. */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const shortTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});
const bucketTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
});
const integer = new Intl.NumberFormat();

export function formatDateTime(iso: string | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

/** Without the year: for dense tables, where the full value is in the tooltip. */
export function formatShortTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : shortTime.format(date);
}

/** The start of a chart bucket (an hour or a day): minutes are enough. */
export function formatBucket(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : bucketTime.format(date);
}

export function formatCount(value: number): string {
  return integer.format(value);
}

const currencyFormats = new Map<string, Intl.NumberFormat>();

function currencyFormat(currency: string): Intl.NumberFormat | undefined {
  let format = currencyFormats.get(currency);
  if (!format) {
    try {
      format = new Intl.NumberFormat(undefined, { style: 'currency', currency });
    } catch {
      // not an ISO 4217 code this browser knows: shown as sent
      return undefined;
    }
    currencyFormats.set(currency, format);
  }
  return format;
}

/**
 * An amount in its currency's conventions (decimals, symbol). The decimal string is converted to a
 * number only for display: invoice totals stay far below the 15 significant digits a double holds exactly.
 */
export function formatAmount(amount: string | undefined, currency: string | undefined): string {
  if (amount === undefined || amount === '') return '—';
  const value = Number(amount);
  if (!Number.isFinite(value)) return currency ? `${amount} ${currency}` : amount;
  const format = currency ? currencyFormat(currency) : undefined;
  if (format) return format.format(value);
  return currency ? `${amount} ${currency}` : amount;
}

/**
 * A long id in a dense table: its first and last characters. Document ids start with their creation
 * time, so the start alone would be alike for a whole batch; the random end tells them apart.
 */
export function shortId(id: string): string {
  return id.length <= 14 ? id : `${id.slice(0, 6)}…${id.slice(-6)}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatBytes(size: number): string {
  if (size < 1024) return `${integer.format(size)} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]!}`;
}

export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${formatCount(count)} ${count === 1 ? singular : pluralForm}`;
}
