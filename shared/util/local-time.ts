/** Formats of local time, one per time zone, made when first asked for. */
const FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * `at` as the local time of an IANA time zone, `YYYY-MM-DDTHH:mm:ss` (as CFDI and NF-e dates are written).
 * Throws a RangeError for a time zone the platform does not know, or an invalid date.
 */
export function localTime(at: Date | number, zone: string): string {
  let format = FORMATS.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    FORMATS.set(zone, format);
  }
  const parts: Record<string, string> = {};
  for (const part of format.formatToParts(at)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * `at` as the local time of an IANA time zone with its offset from UTC at that instant,
 * `2024-02-01T14:07:05-03:00` (the NF-e's TDateTimeUTC), to the second. Throws as {@link localTime}.
 */
export function localTimeWithOffset(at: Date, zone: string): string {
  const local = localTime(at, zone);
  const minutes = Math.round((Date.parse(`${local}Z`) - Math.floor(at.getTime() / 1000) * 1000) / 60_000);
  const sign = minutes < 0 ? '-' : '+';
  const hh = String(Math.floor(Math.abs(minutes) / 60)).padStart(2, '0');
  const mm = String(Math.abs(minutes) % 60).padStart(2, '0');
  return `${local}${sign}${hh}:${mm}`;
}
