import { useId, useState } from 'preact/hooks';
import { getJson } from '../../api/client';
import { DOCUMENT_STATUSES, type OperationsReport } from '../../api/types';
import { ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { Time } from '../../components/Time';
import { formatCount, formatDuration } from '../../format';
import { useInterval, usePageVisible, useResource } from '../../hooks';
import { documentHref, logHref } from '../../router';
import { StatusChart } from './StatusChart';

const REFRESH_MS = 30_000;

interface Period {
  id: string;
  label: string;
  hours: number;
  bucket: 'hour' | 'day';
}

const PERIODS: Period[] = [
  { id: '24h', label: 'Last 24 hours, per hour', hours: 24, bucket: 'hour' },
  { id: '7d', label: 'Last 7 days, per day', hours: 24 * 7, bucket: 'day' },
  { id: '30d', label: 'Last 30 days, per day', hours: 24 * 30, bucket: 'day' },
];

function periodQuery(period: Period): URLSearchParams {
  const to = new Date();
  const from = new Date(to.getTime() - period.hours * 3_600_000);
  return new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), bucket: period.bucket });
}

export function OperationsView() {
  const [periodId, setPeriodId] = useState(PERIODS[0]!.id);
  const period = PERIODS.find((p) => p.id === periodId) ?? PERIODS[0]!;
  const ids = useId();
  const report = useResource(
    (signal) => getJson<OperationsReport>('operations', periodQuery(period), signal),
    [period.id],
  );
  const visible = usePageVisible();
  useInterval(report.reload, REFRESH_MS, visible);
  const data = report.data;

  return (
    <>
      <h1>Operations</h1>
      <div class="toolbar operations-controls">
        <div class="field">
          <label for={`${ids}-period`}>Period</label>
          <select id={`${ids}-period`} value={periodId} onChange={(e) => setPeriodId(e.currentTarget.value)}>
            {PERIODS.map((p) => (
              <option key={p.id} value={p.id}>
                {p.label}
              </option>
            ))}
          </select>
        </div>
        <button type="button" onClick={report.reload} disabled={report.loading}>
          {report.loading ? 'Refreshing…' : 'Refresh'}
        </button>
        <p class="muted" aria-live="polite">
          {data ? (
            <>
              From <Time iso={data.from} /> to <Time iso={data.to} />. Refreshed every 30 seconds.
            </>
          ) : null}
        </p>
      </div>
      <ProblemNotice error={report.error} context="The figures could not be loaded" />
      {data ? <Report report={data} /> : report.loading ? <p role="status">Loading the figures…</p> : null}
    </>
  );
}

function Report({ report }: { report: OperationsReport }) {
  return (
    <>
      {report.sampled ? (
        <p class="notice notice-info">
          Many documents in this period: the figures are computed from a sample and are approximate.
        </p>
      ) : null}
      <Tiles report={report} />
      <StatusChart report={report} />
      <ErrorsTable report={report} />
      <StepsTable report={report} />
      <Batches report={report} />
    </>
  );
}

function Tiles({ report }: { report: OperationsReport }) {
  return (
    <section aria-labelledby="tiles-title">
      <h2 id="tiles-title">At a glance</h2>
      <h3>Documents created in the period, by current status</h3>
      <ul class="tiles">
        <Tile label="All documents" value={formatCount(report.total)} />
        {DOCUMENT_STATUSES.map((status) => (
          <Tile
            key={status}
            label={status}
            value={formatCount(report.byStatus[status] ?? 0)}
            href={logHref(new URLSearchParams({ status }))}
            tone={
              (status === 'failed' || status === 'rejected') && (report.byStatus[status] ?? 0) > 0
                ? 'problem'
                : undefined
            }
          />
        ))}
      </ul>
      <h3>Right now</h3>
      <ul class="tiles">
        <Tile
          label="Waiting for a retry or a poll"
          value={formatCount(report.waiting)}
          href={logHref(new URLSearchParams({ status: 'waiting' }))}
        />
        <Tile
          label="Stuck: unfinished, idle over 60 minutes"
          value={formatCount(report.stuck)}
          tone={report.stuck > 0 ? 'problem' : undefined}
          href={logHref(new URLSearchParams({ attention: 'true' }))}
        />
        <Tile
          label={
            report.deadLettered === null
              ? 'Dead-lettered messages: this message bus does not report them'
              : 'Dead-lettered: failed when their step messages were lost (open them to resubmit)'
          }
          value={report.deadLettered === null ? 'n/a' : formatCount(report.deadLettered)}
          tone={report.deadLettered ? 'problem' : undefined}
          {...(report.deadLettered === null
            ? {}
            : { href: logHref(new URLSearchParams({ status: 'failed', errorCode: 'stage.timeout' })) })}
        />
      </ul>
    </section>
  );
}

function Tile(props: { label: string; value: string; href?: string; tone?: 'problem' | undefined }) {
  const body = (
    <>
      <span class="tile-value">{props.value}</span>
      <span class="tile-label">{props.label}</span>
    </>
  );
  return (
    <li class={`tile${props.tone ? ` tile-${props.tone}` : ''}`}>
      {props.href ? (
        <a href={props.href} class="tile-link">
          {body}
        </a>
      ) : (
        body
      )}
    </li>
  );
}

function ErrorsTable({ report }: { report: OperationsReport }) {
  return (
    <section aria-labelledby="errors-title">
      <h2 id="errors-title">Errors by code</h2>
      {report.errors.length === 0 ? (
        <p class="empty">No error in this period.</p>
      ) : (
        <ScrollRegion label="Errors by code">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Code</th>
                <th scope="col" class="numeric">
                  Documents
                </th>
                <th scope="col">Last seen</th>
                <th scope="col">Example</th>
              </tr>
            </thead>
            <tbody>
              {report.errors.map((error) => (
                <tr key={error.code}>
                  <th scope="row">
                    <a href={logHref(new URLSearchParams({ errorCode: error.code }))}>
                      <code>{error.code}</code>
                      <span class="visually-hidden">: show these documents in the log</span>
                    </a>
                  </th>
                  <td class="numeric">{formatCount(error.count)}</td>
                  <td class="nowrap">
                    <Time iso={error.lastAt} />
                  </td>
                  <td>
                    <a href={documentHref(error.documentId)}>
                      <code>{error.documentId}</code>
                    </a>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

function StepsTable({ report }: { report: OperationsReport }) {
  return (
    <section aria-labelledby="steps-title">
      <h2 id="steps-title">Step durations</h2>
      {report.steps.length === 0 ? (
        <p class="empty">No step ran in this period.</p>
      ) : (
        <ScrollRegion label="Step durations">
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Step</th>
                <th scope="col">Action</th>
                <th scope="col" class="numeric">
                  Runs
                </th>
                <th scope="col" class="numeric">
                  Median (p50)
                </th>
                <th scope="col" class="numeric">
                  p95
                </th>
              </tr>
            </thead>
            <tbody>
              {report.steps.map((step) => (
                <tr key={`${step.stepId}:${step.action}`}>
                  <th scope="row">{step.stepId}</th>
                  <td>{step.action}</td>
                  <td class="numeric">{formatCount(step.count)}</td>
                  <td class="numeric">{formatDuration(step.p50Ms)}</td>
                  <td class="numeric">{formatDuration(step.p95Ms)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </section>
  );
}

function Batches({ report }: { report: OperationsReport }) {
  return (
    <section aria-labelledby="batches-title">
      <h2 id="batches-title">Recent batches</h2>
      {report.batches.length === 0 ? (
        <p class="empty">No batch in this period.</p>
      ) : (
        <ul class="batches">
          {report.batches.map((batch) => {
            const finished =
              batch.documents.completed +
              batch.documents.failed +
              batch.documents.rejected +
              batch.documents.cancelled;
            const progressId = `batch-${batch.batchId}`;
            return (
              <li key={batch.batchId} class="batch">
                <p class="batch-title">
                  Batch <code>{batch.batchId}</code> — {batch.status}, created <Time iso={batch.createdAt} />
                </p>
                <label for={progressId}>
                  {formatCount(finished)} of {formatCount(batch.accepted)} documents final
                </label>
                <progress id={progressId} max={Math.max(batch.accepted, 1)} value={finished} />
                <p class="batch-figures">
                  {formatCount(batch.total)} items: {formatCount(batch.accepted)} accepted,{' '}
                  {formatCount(batch.failed)} refused at intake. Documents:{' '}
                  {formatCount(batch.documents.completed)} completed, {formatCount(batch.documents.failed)}{' '}
                  failed, {formatCount(batch.documents.rejected)} rejected,{' '}
                  {formatCount(batch.documents.cancelled)} cancelled,{' '}
                  {formatCount(batch.documents.unfinished)} unfinished.
                </p>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
