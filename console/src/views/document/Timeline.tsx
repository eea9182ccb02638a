import type { HistoryEntry } from '../../api/types';
import { ScrollRegion } from '../../components/ScrollRegion';
import { Time } from '../../components/Time';
import { formatDuration } from '../../format';
import { isProblem } from '../../records';

/** One row per history entry, oldest first; problem rows are marked in words and a symbol, not colour alone. */
export function Timeline({ history }: { history: HistoryEntry[] }) {
  return (
    <section aria-labelledby="timeline-title">
      <h2 id="timeline-title">Step timeline</h2>
      {history.length === 0 ? (
        <p class="empty">No step has run yet.</p>
      ) : (
        <ScrollRegion label="Step timeline">
          <table class="table timeline">
            <caption class="visually-hidden">Step timeline, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Step</th>
                <th scope="col">Action</th>
                <th scope="col" class="numeric">
                  Attempt
                </th>
                <th scope="col">Outcome</th>
                <th scope="col">Code</th>
                <th scope="col">Message</th>
                <th scope="col" class="numeric">
                  Duration
                </th>
              </tr>
            </thead>
            <tbody>
              {history.map((entry, index) => (
                <TimelineRow key={index} entry={entry} />
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

function TimelineRow({ entry }: { entry: HistoryEntry }) {
  const problem = isProblem(entry);
  return (
    <tr class={problem ? 'row-problem' : undefined}>
      <td class="nowrap">
        <Time iso={entry.at} />
      </td>
      <th scope="row">{entry.stepId || '—'}</th>
      <td>{entry.action}</td>
      <td class="numeric">{entry.attempt}</td>
      <td class="nowrap">
        {problem ? (
          <span class="problem-marker" aria-hidden="true">
            ⚠{' '}
          </span>
        ) : null}
        {problem ? <span class="visually-hidden">Problem: </span> : null}
        <span class={`outcome outcome-${entry.outcome}`}>{entry.outcome}</span>
      </td>
      <td class="nowrap">{entry.code ? <code>{entry.code}</code> : '—'}</td>
      <td class="message">{entry.message ?? ''}</td>
      <td class="numeric nowrap">{formatDuration(entry.durationMs)}</td>
    </tr>
  );
}
