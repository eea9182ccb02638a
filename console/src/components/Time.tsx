import { formatDateTime, formatShortTime } from '../format';

/** A point in time in the reader's locale; the exact UTC value is in the markup and the tooltip. */
export function Time({ iso, compact }: { iso: string | undefined; compact?: boolean }) {
  if (!iso) return <span>—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {compact ? formatShortTime(iso) : formatDateTime(iso)}
    </time>
  );
}
