import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { getDocument } from '../../api/documents';
import type { DocumentRecord } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { isNotFound, ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { formatAmount, formatDuration } from '../../format';
import { useInterval, usePageVisible, useResource } from '../../hooks';
import { isFinal, lastError, processingMs } from '../../records';
import { logHref } from '../../router';
import { Artifacts } from './Artifacts';
import { EventsAndNotifications, RelatedDocuments } from './Authority';
import { DocumentActions } from './DocumentActions';
import { Timeline } from './Timeline';

const LIVE_INTERVAL_MS = 5000;

export function DocumentView({ id }: { id: string }) {
  const document = useResource((signal) => getDocument(id, signal), [id]);
  const record = document.data?.id === id ? document.data : undefined;
  const visible = usePageVisible();
  // an unfinished document is followed live, so operators see it move without reloading
  useInterval(document.reload, LIVE_INTERVAL_MS, visible && record !== undefined && !isFinal(record.status));

  useEffect(() => {
    if (record)
      window.document.title = `${record.summary?.documentNumber ?? record.id} · Document · einvoice console`;
  }, [record?.id, record?.summary?.documentNumber]);

  if (!record) {
    if (isNotFound(document.error)) return <NotFound id={id} />;
    return (
      <>
        <h1>Document</h1>
        {document.loading ? <p role="status">Loading the document…</p> : null}
        <ProblemNotice error={document.error} context="The document could not be loaded" />
      </>
    );
  }
  return (
    <>
      <DocumentHeader record={record} />
      {document.error ? (
        <ProblemNotice error={document.error} context="The latest state could not be loaded" />
      ) : null}
      <DocumentActions record={record} onChanged={document.reload} />
      <Timeline history={record.history} />
      <Artifacts record={record} />
      <RelatedDocuments record={record} />
      <EventsAndNotifications record={record} />
      <ContextAndVariables record={record} />
    </>
  );
}

function NotFound({ id }: { id: string }) {
  useEffect(() => {
    window.document.title = 'Document not found · einvoice console';
  }, []);
  return (
    <>
      <h1>Document not found</h1>
      <p>
        No document <code>{id}</code> was found for this tenant. It may belong to another tenant, or the id
        may be mistyped.
      </p>
      <p>
        <a href={logHref()}>Back to the submission log</a>
      </p>
    </>
  );
}

function DocumentHeader({ record }: { record: DocumentRecord }) {
  const summary = record.summary;
  const counterparty = summary?.counterparty;
  const error = lastError(record);
  const stopped = record.status === 'failed' || record.status === 'rejected';
  return (
    <header class="document-header">
      <p class="breadcrumb">
        <a href={logHref()}>Submission log</a> <span aria-hidden="true">›</span> Document
      </p>
      <h1>{summary?.documentNumber ? `Document ${summary.documentNumber}` : 'Document'}</h1>
      <p class="header-status">
        <StatusBadge status={record.status} stepId={record.stepId} />
      </p>
      {stopped && error ? (
        <p class="notice notice-error">
          Stopped at step <strong>{error.stepId}</strong>: <code>{error.code}</code>
          {error.message ? ` — ${error.message}` : ''}
        </p>
      ) : null}
      <dl class="facts">
        <Fact term="Counterparty">
          {counterparty?.name ?? '—'}
          {counterparty?.id ? <span class="secondary">{counterparty.id}</span> : null}
        </Fact>
        <Fact term="Amount">{formatAmount(summary?.amount, summary?.currency)}</Fact>
        <Fact term="Status">
          {record.status}
          {record.stepId ? `, step ${record.stepId}` : ''}, attempt {record.attempt}
          {record.postponements ? `, postponed ${record.postponements}×` : ''}
          {record.nextAttemptAt ? (
            <span class="secondary">
              next attempt <Time iso={record.nextAttemptAt} />
            </span>
          ) : null}
        </Fact>
        <Fact term="Flow">
          {record.flowId} v{record.flowVersion}
        </Fact>
        <Fact term="Feature">
          {record.featureId ? `${record.featureId} ${record.featureVersion ?? ''}` : '—'}
        </Fact>
        <Fact term="Company">{stringOf(record.context.companyId) ?? '—'}</Fact>
        <Fact term="Format">
          {[
            record.context.format,
            record.context.documentType,
            record.context.direction,
            record.context.country,
          ]
            .map(stringOf)
            .filter(Boolean)
            .join(' · ') || '—'}
        </Fact>
        <Fact term="Created">
          <Time iso={record.createdAt} />
        </Fact>
        <Fact term="Updated">
          <Time iso={record.updatedAt} />
        </Fact>
        <Fact term="Duration">{formatDuration(processingMs(record))}</Fact>
        <Fact term="Id">
          <code>{record.id}</code> <CopyButton value={record.id} what="document id" />
        </Fact>
        <Fact term="Correlation id">
          <code>{record.correlationId}</code>
        </Fact>
        {record.clientKey ? (
          <Fact term="Client key">
            <code>{record.clientKey}</code>
          </Fact>
        ) : null}
      </dl>
    </header>
  );
}

function Fact({ term, children }: { term: string; children: ComponentChildren }) {
  return (
    <div class="fact">
      <dt>{term}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function ContextAndVariables({ record }: { record: DocumentRecord }) {
  const context = Object.entries(record.context).filter(([, value]) => value !== undefined);
  const variables = Object.entries(record.variables ?? {});
  return (
    <section aria-labelledby="context-title">
      <h2 id="context-title">Context and variables</h2>
      <div class="two-columns">
        <KeyValueTable title="Context" rows={context} />
        <KeyValueTable title="Variables" rows={variables} empty="No variable set by the steps." />
      </div>
    </section>
  );
}

function KeyValueTable({
  title,
  rows,
  empty,
}: {
  title: string;
  rows: Array<[string, unknown]>;
  empty?: string;
}) {
  return (
    <div>
      <h3>{title}</h3>
      {rows.length === 0 ? (
        <p class="empty">{empty ?? 'None.'}</p>
      ) : (
        <ScrollRegion label={title}>
          <table class="table key-values">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {rows.map(([name, value]) => (
                <tr key={name}>
                  <th scope="row">
                    <code>{name}</code>
                  </th>
                  <td class="message">{stringOf(value) ?? JSON.stringify(value)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollRegion>
      )}
    </div>
  );
}
