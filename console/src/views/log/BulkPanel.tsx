import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { exportCsv, exportZip, runBulk, type Selection } from '../../api/documents';
import type { SortOrder } from '../../api/query';
import type { BulkAction, BulkResult } from '../../api/types';
import { ProblemNotice } from '../../components/ProblemNotice';
import { ScrollRegion } from '../../components/ScrollRegion';
import { saveBlob, timestampedName } from '../../download';
import { formatCount, plural } from '../../format';
import { documentHref } from '../../router';

interface BulkPanelProps {
  selection: Selection;
  /** "3 documents selected", "All 120 documents matching the filter". */
  description: string;
  /** Artifact names of the selected documents that are loaded, most common first. */
  artifactNames: string[];
  /** Document numbers of the loaded rows by id, so the plan names documents as people know them. */
  labels: ReadonlyMap<string, string>;
  order: SortOrder;
  /** Why bulk actions cannot run on this selection (more than the service takes at once). */
  blocked?: string | undefined;
  onClear: () => void;
  /** The documents changed: the log refreshes its rows in place. */
  onChanged: () => void;
}

type BulkState =
  | { phase: 'idle' }
  | { phase: 'planning'; action: BulkAction }
  | { phase: 'planned'; action: BulkAction; plan: BulkResult }
  | { phase: 'running'; action: BulkAction; plan: BulkResult }
  | { phase: 'done'; action: BulkAction; result: BulkResult };

const VERB: Record<BulkAction, string> = { resubmit: 'Resubmit', cancel: 'Cancel' };

/** The documents a dry run said would change: confirming runs exactly these, not a re-evaluated filter. */
function plannedIds(plan: BulkResult): string[] {
  return plan.items.filter((item) => item.outcome.startsWith('would-')).map((item) => item.id);
}

/**
 * Bulk resubmit or cancel, always as a dry run first: the per-document plan is shown, and only "Confirm"
 * changes anything — for exactly the documents the plan listed.
 */
export function BulkPanel(props: BulkPanelProps) {
  const [state, setState] = useState<BulkState>({ phase: 'idle' });
  const [error, setError] = useState<unknown>(undefined);
  const headingId = useId();
  const resultHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    // a plan or a result appeared: move the reader to it
    if (state.phase === 'planned' || state.phase === 'done') resultHeading.current?.focus();
  }, [state.phase]);

  const plan = (action: BulkAction) => {
    setError(undefined);
    setState({ phase: 'planning', action });
    runBulk(action, props.selection, true).then(
      (result) => setState({ phase: 'planned', action, plan: result }),
      (failure: unknown) => {
        setError(failure);
        setState({ phase: 'idle' });
      },
    );
  };

  const confirm = (action: BulkAction, planned: BulkResult) => {
    setError(undefined);
    setState({ phase: 'running', action, plan: planned });
    runBulk(action, { kind: 'ids', ids: plannedIds(planned) }, false).then(
      (result) => {
        setState({ phase: 'done', action, result });
        props.onChanged();
      },
      (failure: unknown) => {
        setError(failure);
        setState({ phase: 'planned', action, plan: planned });
      },
    );
  };

  const busy = state.phase === 'planning' || state.phase === 'running';
  return (
    <section class="bulk" aria-labelledby={headingId}>
      <h2 id={headingId} class="section-title">
        Bulk work
      </h2>
      <p class="bulk-selection">
        <strong>{props.description}</strong>{' '}
        <button type="button" class="button-link" onClick={props.onClear}>
          Clear selection
        </button>
      </p>
      {props.blocked ? <p class="notice notice-warning">{props.blocked}</p> : null}
      <div class="toolbar">
        <button type="button" disabled={busy || !!props.blocked} onClick={() => plan('resubmit')}>
          Resubmit…
        </button>
        <button type="button" disabled={busy || !!props.blocked} onClick={() => plan('cancel')}>
          Cancel documents…
        </button>
        <CsvExport
          selection={props.selection}
          order={props.order}
          onError={setError}
          disabled={!!props.blocked}
        />
      </div>
      <ZipExport
        selection={props.selection}
        names={props.artifactNames}
        onError={setError}
        disabled={!!props.blocked}
      />
      {state.phase === 'planning' ? (
        <p role="status">Dry run of {VERB[state.action].toLowerCase()}: checking each document…</p>
      ) : null}
      <ProblemNotice error={error} />
      {state.phase === 'planned' || state.phase === 'running' ? (
        <BulkReport
          headingRef={resultHeading}
          title={`Dry run: ${VERB[state.action].toLowerCase()}`}
          intro="Nothing has changed yet. This is what confirming would do to each document."
          result={state.plan}
          labels={props.labels}
        >
          {plannedIds(state.plan).length > 0 ? (
            <div class="toolbar">
              <button
                type="button"
                class={state.action === 'cancel' ? 'button-danger' : 'button-primary'}
                disabled={state.phase === 'running'}
                onClick={() => confirm(state.action, state.plan)}
              >
                {state.phase === 'running'
                  ? 'Working…'
                  : `Confirm: ${VERB[state.action].toLowerCase()} ${plural(plannedIds(state.plan).length, 'document')}`}
              </button>
              <button
                type="button"
                disabled={state.phase === 'running'}
                onClick={() => setState({ phase: 'idle' })}
              >
                Discard the dry run
              </button>
            </div>
          ) : (
            <p>
              No document would change.{' '}
              <button type="button" class="button-link" onClick={() => setState({ phase: 'idle' })}>
                Close
              </button>
            </p>
          )}
        </BulkReport>
      ) : null}
      {state.phase === 'done' ? (
        <BulkReport
          headingRef={resultHeading}
          title={`Result: ${VERB[state.action].toLowerCase()}`}
          intro="Done. Each document's outcome:"
          result={state.result}
          labels={props.labels}
        >
          <button type="button" onClick={() => setState({ phase: 'idle' })}>
            Close the result
          </button>
        </BulkReport>
      ) : null}
    </section>
  );
}

function BulkReport(props: {
  headingRef: { current: HTMLHeadingElement | null };
  title: string;
  intro: string;
  result: BulkResult;
  labels: ReadonlyMap<string, string>;
  children?: ComponentChildren;
}) {
  const { result } = props;
  const counts = Object.entries(result.counts).filter(([, n]) => n > 0);
  return (
    <div class="bulk-report">
      <h3 ref={props.headingRef} tabIndex={-1}>
        {props.title}
      </h3>
      <p>
        {props.intro} {plural(result.total, 'document')} in all.
      </p>
      <ul class="counts" aria-label="Counts by outcome">
        {counts.map(([outcome, count]) => (
          <li key={outcome} class={`count count-${outcome}`}>
            {outcome}: <strong>{formatCount(count)}</strong>
          </li>
        ))}
      </ul>
      {props.children}
      <ScrollRegion label={`${props.title}, per document`}>
        <table class="table">
          <caption class="visually-hidden">{props.title}, per document</caption>
          <thead>
            <tr>
              <th scope="col">Document</th>
              <th scope="col">Status</th>
              <th scope="col">Outcome</th>
              <th scope="col">Code</th>
              <th scope="col">Message</th>
            </tr>
          </thead>
          <tbody>
            {result.items.map((item) => (
              <tr
                key={item.id}
                class={item.outcome === 'failed' || item.outcome === 'skipped' ? 'row-problem' : undefined}
              >
                <th scope="row">
                  <a href={documentHref(item.id)}>{props.labels.get(item.id) ?? <code>{item.id}</code>}</a>
                  {props.labels.has(item.id) ? <code class="secondary">{item.id}</code> : null}
                </th>
                <td>{item.status ?? '—'}</td>
                <td>{item.outcome}</td>
                <td>{item.code ? <code>{item.code}</code> : '—'}</td>
                <td>{item.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </ScrollRegion>
    </div>
  );
}

function CsvExport(props: {
  selection: Selection;
  order: SortOrder;
  disabled: boolean;
  onError: (error: unknown) => void;
}) {
  const [busy, setBusy] = useState(false);
  const run = () => {
    setBusy(true);
    props.onError(undefined);
    exportCsv(props.selection, props.order)
      .then(
        (file) => saveBlob(file.blob, file.fileName ?? timestampedName('documents', 'csv')),
        props.onError,
      )
      .finally(() => setBusy(false));
  };
  return (
    <button type="button" disabled={busy || props.disabled} onClick={run}>
      {busy ? 'Exporting…' : 'Export CSV'}
    </button>
  );
}

function ZipExport(props: {
  selection: Selection;
  names: string[];
  disabled: boolean;
  onError: (error: unknown) => void;
}) {
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [all, setAll] = useState(false);
  const [busy, setBusy] = useState(false);
  const ids = useId();
  const toggle = (name: string, on: boolean) =>
    setChosen((current) => {
      const next = new Set(current);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  const artifacts = all ? ['*'] : props.names.filter((n) => chosen.has(n));
  const run = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    props.onError(undefined);
    exportZip(props.selection, artifacts)
      .then(
        (file) => saveBlob(file.blob, file.fileName ?? timestampedName('documents', 'zip')),
        props.onError,
      )
      .finally(() => setBusy(false));
  };
  return (
    <details class="zip-export">
      <summary>Export artifacts as ZIP…</summary>
      <form onSubmit={run}>
        <fieldset>
          <legend>Artifacts to include</legend>
          <label class="checkbox">
            <input type="checkbox" checked={all} onChange={(e) => setAll(e.currentTarget.checked)} />
            All artifacts
          </label>
          {props.names.length === 0 ? (
            <p class="muted">The loaded rows show no artifact names; choose all.</p>
          ) : null}
          <div class="checkbox-row">
            {props.names.map((name) => (
              <label key={name} class="checkbox">
                <input
                  type="checkbox"
                  name={`${ids}-artifact`}
                  value={name}
                  disabled={all}
                  checked={all || chosen.has(name)}
                  onChange={(e) => toggle(name, e.currentTarget.checked)}
                />
                <code>{name}</code>
              </label>
            ))}
          </div>
        </fieldset>
        <button type="submit" disabled={busy || props.disabled || artifacts.length === 0}>
          {busy ? 'Exporting…' : 'Download ZIP'}
        </button>
      </form>
    </details>
  );
}
