import { useId } from 'preact/hooks';
import { DOCUMENT_STATUSES, type DocumentStatus, type OperationsReport } from '../../api/types';
import { ScrollRegion } from '../../components/ScrollRegion';
import { formatCount, formatBucket } from '../../format';

const WIDTH = 720;
const HEIGHT = 220;
const AXIS = 28;
const TOP = 8;

/** Documents created per bucket, stacked by status, with the same figures as a table for anyone not seeing it. */
export function StatusChart({ report }: { report: OperationsReport }) {
  const ids = useId();
  const series = report.series;
  const statuses = DOCUMENT_STATUSES.filter((s) => series.some((b) => (b.counts[s] ?? 0) > 0));
  const totals = series.map((b) => statuses.reduce((sum, s) => sum + (b.counts[s] ?? 0), 0));
  const max = Math.max(1, ...totals);
  const slot = series.length > 0 ? WIDTH / series.length : WIDTH;
  const barWidth = Math.max(1, slot * 0.7);
  const labelEvery = Math.max(1, Math.ceil(series.length / 8));
  const plotHeight = HEIGHT - AXIS - TOP;

  return (
    <section aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>Documents per {report.bucket}, by status</h2>
      {series.length === 0 ? (
        <p class="empty">No document in this period.</p>
      ) : (
        <>
          <Legend statuses={statuses} />
          <svg
            class="chart"
            viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
            role="img"
            aria-labelledby={`${ids}-chart-title ${ids}-chart-desc`}
            preserveAspectRatio="xMidYMid meet"
          >
            <title id={`${ids}-chart-title`}>Documents per {report.bucket}, by status</title>
            <desc id={`${ids}-chart-desc`}>
              {`${series.length} ${report.bucket}s, at most ${formatCount(max)} documents in one; the table below gives every figure.`}
            </desc>
            <line class="chart-axis" x1={0} x2={WIDTH} y1={HEIGHT - AXIS} y2={HEIGHT - AXIS} />
            {series.map((bucket, index) => {
              let y = HEIGHT - AXIS;
              const x = index * slot + (slot - barWidth) / 2;
              return (
                <g key={bucket.start}>
                  {statuses.map((status) => {
                    const count = bucket.counts[status] ?? 0;
                    if (count === 0) return null;
                    const height = (count / max) * plotHeight;
                    y -= height;
                    return (
                      <rect
                        key={status}
                        class={`bar bar-${status}`}
                        x={x}
                        y={y}
                        width={barWidth}
                        height={height}
                      />
                    );
                  })}
                  {index % labelEvery === 0 ? (
                    <text class="chart-label" x={x + barWidth / 2} y={HEIGHT - 10} text-anchor="middle">
                      {formatBucket(bucket.start)}
                    </text>
                  ) : null}
                </g>
              );
            })}
          </svg>
          <details>
            <summary>The chart as a table</summary>
            <ScrollRegion label={`Documents per ${report.bucket}`}>
              <table class="table">
                <caption class="visually-hidden">Documents per {report.bucket}, by status</caption>
                <thead>
                  <tr>
                    <th scope="col">{report.bucket === 'hour' ? 'Hour from' : 'Day from'}</th>
                    {statuses.map((s) => (
                      <th key={s} scope="col" class="numeric">
                        {s}
                      </th>
                    ))}
                    <th scope="col" class="numeric">
                      Total
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {series.map((bucket, index) => (
                    <tr key={bucket.start}>
                      <th scope="row" class="nowrap">
                        {formatBucket(bucket.start)}
                      </th>
                      {statuses.map((s) => (
                        <td key={s} class="numeric">
                          {formatCount(bucket.counts[s] ?? 0)}
                        </td>
                      ))}
                      <td class="numeric">{formatCount(totals[index] ?? 0)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollRegion>
          </details>
        </>
      )}
    </section>
  );
}

function Legend({ statuses }: { statuses: DocumentStatus[] }) {
  return (
    <ul class="legend" aria-label="Legend">
      {statuses.map((status) => (
        <li key={status}>
          <svg class="legend-swatch" viewBox="0 0 10 10" aria-hidden="true" focusable="false">
            <rect class={`bar bar-${status}`} x={0} y={0} width={10} height={10} />
          </svg>
          {status}
        </li>
      ))}
    </ul>
  );
}
