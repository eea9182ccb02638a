import { useId, useState } from 'preact/hooks';
import { cancelDocument, getFeature, resubmitDocument, submitRelated } from '../../api/documents';
import type { DocumentRecord, Feature, RelatedDeclaration } from '../../api/types';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { useResource } from '../../hooks';
import { canCancel, canResubmit, documentLabel } from '../../records';
import { documentHref } from '../../router';

type Pending =
  | { action: 'resubmit' }
  | { action: 'cancel' }
  | { action: 'related'; kind: string; declaration: RelatedDeclaration };

type Outcome = { text: string; link?: { href: string; label: string } };

interface DocumentActionsProps {
  record: DocumentRecord;
  /** An action changed the document: the page loads it again. */
  onChanged: () => void;
}

/** Resubmit, cancel and the feature's related submissions, each only where the status allows it. */
export function DocumentActions({ record, onChanged }: DocumentActionsProps) {
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [outcome, setOutcome] = useState<Outcome | undefined>(undefined);
  const [data, setData] = useState('');
  const [dataProblem, setDataProblem] = useState<string | undefined>(undefined);
  const ids = useId();
  const feature = useResource(
    (signal) => (record.featureId ? getFeature(record.featureId, signal) : Promise.resolve(undefined)),
    [record.featureId],
  );
  const relatedKinds = relatedKindsFor(feature.data, record.status);
  const label = documentLabel(record);

  const open = (next: Pending) => {
    setError(undefined);
    setOutcome(undefined);
    setData('');
    setDataProblem(undefined);
    setPending(next);
  };

  const run = () => {
    if (!pending) return;
    const parsed = pending.action === 'related' ? parseData(data) : { ok: true as const, value: undefined };
    if (!parsed.ok) {
      setDataProblem(parsed.message);
      return;
    }
    setBusy(true);
    setError(undefined);
    perform(record.id, pending, parsed.value)
      .then((result) => {
        setOutcome(result);
        setPending(undefined);
        onChanged();
      }, setError)
      .finally(() => setBusy(false));
  };

  const resubmittable = canResubmit(record.status);
  const cancellable = canCancel(record.status);
  if (!resubmittable && !cancellable && relatedKinds.length === 0 && !outcome) return null;

  return (
    <section class="actions" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} class="section-title">
        Actions
      </h2>
      <div class="toolbar">
        {resubmittable ? (
          <button type="button" class="button-primary" onClick={() => open({ action: 'resubmit' })}>
            Resubmit…
          </button>
        ) : null}
        {cancellable ? (
          <button type="button" class="button-danger" onClick={() => open({ action: 'cancel' })}>
            Cancel document…
          </button>
        ) : null}
        {relatedKinds.map(({ kind, declaration }) => (
          <button key={kind} type="button" onClick={() => open({ action: 'related', kind, declaration })}>
            Submit related: {kind}…
          </button>
        ))}
      </div>
      <p role="status" class="action-outcome">
        {outcome ? (
          <>
            {outcome.text}
            {outcome.link ? (
              <>
                {' '}
                <a href={outcome.link.href}>{outcome.link.label}</a>
              </>
            ) : null}
          </>
        ) : null}
      </p>
      <ConfirmDialog
        open={pending !== undefined}
        title={pending ? dialogTitle(pending, label) : ''}
        confirmLabel={pending ? confirmLabel(pending) : ''}
        danger={pending?.action === 'cancel'}
        busy={busy}
        error={error}
        onConfirm={run}
        onClose={() => setPending(undefined)}
      >
        {pending ? <p>{explanation(pending, record)}</p> : null}
        {pending?.action === 'related' ? (
          <div class="field">
            <label for={`${ids}-data`}>Data (JSON, optional)</label>
            <textarea
              id={`${ids}-data`}
              rows={6}
              spellcheck={false}
              value={data}
              aria-invalid={dataProblem ? true : undefined}
              aria-describedby={`${ids}-data-help${dataProblem ? ` ${ids}-data-problem` : ''}`}
              onInput={(e) => {
                setData(e.currentTarget.value);
                setDataProblem(undefined);
              }}
            />
            <p id={`${ids}-data-help`} class="hint">
              {pending.declaration.description
                ? `${pending.declaration.description}. `
                : `What the ${pending.kind} needs, as its feature describes it. `}
              Leave empty if it needs nothing.
            </p>
            {dataProblem ? (
              <p id={`${ids}-data-problem`} class="field-error">
                {dataProblem}
              </p>
            ) : null}
          </div>
        ) : null}
      </ConfirmDialog>
    </section>
  );
}

/**
 * The related submissions the document's feature offers from its current status. Kinds come from
 * `relatedKinds`, or from the full `related` declarations; a kind whose declaration names the statuses it
 * follows is offered only from those (the service refuses the others with related.not-allowed anyway).
 */
function relatedKindsFor(
  feature: Feature | undefined,
  status: DocumentRecord['status'],
): Array<{ kind: string; declaration: RelatedDeclaration }> {
  if (!feature) return [];
  const declared = feature.related ?? {};
  const kinds = feature.relatedKinds ?? Object.keys(declared);
  return kinds
    .map((kind) => ({ kind, declaration: declared[kind] ?? {} }))
    .filter(({ declaration }) => !declaration.from || declaration.from.includes(status));
}

function parseData(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (text.trim() === '') return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return {
      ok: false,
      message: `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
}

async function perform(id: string, pending: Pending, data: unknown): Promise<Outcome> {
  switch (pending.action) {
    case 'resubmit':
      await resubmitDocument(id);
      return { text: 'Resubmitted: the document runs again from the step where it stopped.' };
    case 'cancel':
      await cancelDocument(id);
      return { text: 'Cancelled: the document will not be processed further.' };
    case 'related': {
      const created = await submitRelated(id, pending.kind, data);
      return {
        text: `The ${pending.kind} was submitted as a new document.`,
        link: { href: documentHref(created.id), label: `Open the ${pending.kind} ${created.id}` },
      };
    }
  }
}

function dialogTitle(pending: Pending, label: string): string {
  switch (pending.action) {
    case 'resubmit':
      return `Resubmit ${label}?`;
    case 'cancel':
      return `Cancel ${label}?`;
    case 'related':
      return `Submit a ${pending.kind} for ${label}?`;
  }
}

function confirmLabel(pending: Pending): string {
  switch (pending.action) {
    case 'resubmit':
      return 'Resubmit';
    case 'cancel':
      return 'Cancel the document';
    case 'related':
      return `Submit the ${pending.kind}`;
  }
}

function explanation(pending: Pending, record: DocumentRecord): string {
  switch (pending.action) {
    case 'resubmit':
      return `The document (${record.status}${record.stepId ? ` at step ${record.stepId}` : ''}) starts again at the step where it stopped, with a fresh attempt count. Remote services receive the same idempotency key as before.`;
    case 'cancel':
      return `The document (${record.status}) stops and is not processed further. It can be resubmitted later.`;
    case 'related':
      return `A new document that refers to this one is started under the same feature version (${record.featureId ?? 'no feature'} ${record.featureVersion ?? ''}).`;
  }
}
