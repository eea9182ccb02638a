import { useEffect, useId, useState } from 'preact/hooks';
import { filterProblem, filterToApi, queryToHash, type LogQuery, type TextFilter } from '../../api/query';
import { DOCUMENT_STATUSES, type DocumentStatus } from '../../api/types';
import { logHref, navigate } from '../../router';

export interface FilterOptions {
  features: string[];
  flows: string[];
  companies: string[];
}

interface FilterFormProps {
  query: LogQuery;
  options: FilterOptions;
}

/**
 * The log's filters. They are a draft until applied: applying writes them to the URL, so the view can be
 * bookmarked, shared and saved, and the back button returns to the previous filters.
 */
export function FilterForm({ query, options }: FilterFormProps) {
  const [draft, setDraft] = useState<LogQuery>(query);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  // On a phone the filters start folded away, so the documents are on the first screen.
  const [expanded, setExpanded] = useState(() => window.matchMedia('(min-width: 700px)').matches);
  const ids = useId();
  const active = Object.keys(filterToApi(query)).length;
  const queryKey = queryToHash(query).toString();
  useEffect(() => {
    setDraft(query);
    setProblem(undefined);
    // the applied view changed (a saved view, the back button): the draft starts from it again
  }, [queryKey]);

  const setText = (name: TextFilter | 'from' | 'to', value: string) =>
    setDraft((d) => ({ ...d, [name]: value.trim() === '' ? undefined : value }));
  const toggleStatus = (status: DocumentStatus, on: boolean) =>
    setDraft((d) => ({
      ...d,
      statuses: DOCUMENT_STATUSES.filter((s) => (s === status ? on : d.statuses.includes(s))),
    }));

  const apply = (event: Event) => {
    event.preventDefault();
    const trimmed = trimText(draft);
    const invalid = filterProblem(trimmed);
    setProblem(invalid);
    if (!invalid) navigate(logHref(queryToHash(trimmed)));
  };

  return (
    <form class="filters" onSubmit={apply} aria-labelledby={`${ids}-title`} noValidate>
      <h2 id={`${ids}-title`} class="section-title">
        <button
          type="button"
          class="disclosure"
          aria-expanded={expanded}
          aria-controls={`${ids}-body`}
          onClick={() => setExpanded((e) => !e)}
        >
          <span aria-hidden="true" class="disclosure-arrow">
            {expanded ? '▾' : '▸'}
          </span>
          Filters
          <span class="filters-active">{active === 0 ? ' (none applied)' : ` (${active} applied)`}</span>
        </button>
      </h2>
      <div id={`${ids}-body`} hidden={!expanded}>
        <div class="filters-grid">
          <fieldset class="filters-status">
            <legend>Status</legend>
            <div class="checkbox-row">
              {DOCUMENT_STATUSES.map((status) => (
                <label key={status} class="checkbox">
                  <input
                    type="checkbox"
                    name="status"
                    value={status}
                    checked={draft.statuses.includes(status)}
                    onChange={(e) => toggleStatus(status, e.currentTarget.checked)}
                  />
                  {status}
                </label>
              ))}
            </div>
            <label class="checkbox">
              <input
                type="checkbox"
                name="attention"
                checked={draft.attention}
                onChange={(e) => {
                  const checked = e.currentTarget.checked;
                  setDraft((d) => ({ ...d, attention: checked }));
                }}
              />
              Needs attention only (failed, rejected, or idle for an hour)
            </label>
          </fieldset>
          <DayField
            id={`${ids}-from`}
            label="Created from (UTC)"
            value={draft.from}
            onInput={(v) => setText('from', v)}
          />
          <DayField
            id={`${ids}-to`}
            label="Created until (UTC)"
            value={draft.to}
            onInput={(v) => setText('to', v)}
          />
          <ChoiceField
            id={`${ids}-feature`}
            label="Feature"
            any="Any feature"
            value={draft.featureId}
            choices={options.features}
            onChange={(v) => setText('featureId', v)}
          />
          <ChoiceField
            id={`${ids}-flow`}
            label="Flow"
            any="Any flow"
            value={draft.flowId}
            choices={options.flows}
            onChange={(v) => setText('flowId', v)}
          />
          <TextField
            id={`${ids}-company`}
            label="Company"
            value={draft.companyId}
            suggestions={options.companies}
            onInput={(v) => setText('companyId', v)}
          />
          <TextField
            id={`${ids}-counterparty`}
            label="Counterparty name or id"
            value={draft.counterparty}
            onInput={(v) => setText('counterparty', v)}
          />
          <TextField
            id={`${ids}-q`}
            label="Document number or id"
            type="search"
            value={draft.q}
            onInput={(v) => setText('q', v)}
          />
          <TextField
            id={`${ids}-error`}
            label="Error code"
            value={draft.errorCode}
            onInput={(v) => setText('errorCode', v)}
          />
        </div>
        {problem ? (
          <p class="notice notice-error" role="alert">
            {problem}
          </p>
        ) : null}
        <div class="toolbar">
          <button type="submit" class="button-primary">
            Apply filters
          </button>
          <button
            type="button"
            onClick={() => navigate(logHref(queryToHash({ ...emptyFilters(), order: query.order })))}
          >
            Clear filters
          </button>
        </div>
      </div>
    </form>
  );
}

function emptyFilters(): LogQuery {
  return { statuses: [], attention: false, order: 'desc' };
}

function trimText(query: LogQuery): LogQuery {
  const result: LogQuery = { ...query };
  for (const key of ['featureId', 'flowId', 'companyId', 'counterparty', 'q', 'errorCode'] as const) {
    const value = result[key]?.trim();
    if (value) result[key] = value;
    else delete result[key];
  }
  return result;
}

function DayField(props: {
  id: string;
  label: string;
  value: string | undefined;
  onInput: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type="date"
        value={props.value ?? ''}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
    </div>
  );
}

function TextField(props: {
  id: string;
  label: string;
  value: string | undefined;
  type?: 'text' | 'search';
  suggestions?: string[];
  onInput: (value: string) => void;
}) {
  const suggestions = props.suggestions ?? [];
  const listId = suggestions.length > 0 ? `${props.id}-list` : undefined;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <input
        id={props.id}
        type={props.type ?? 'text'}
        value={props.value ?? ''}
        autocomplete="off"
        spellcheck={false}
        list={listId}
        onInput={(e) => props.onInput(e.currentTarget.value)}
      />
      {listId ? (
        <datalist id={listId}>
          {suggestions.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
      ) : null}
    </div>
  );
}

function ChoiceField(props: {
  id: string;
  label: string;
  any: string;
  value: string | undefined;
  choices: string[];
  onChange: (value: string) => void;
}) {
  // A bookmarked value the service no longer lists stays selectable, so the form shows what is applied.
  const choices =
    props.value && !props.choices.includes(props.value) ? [props.value, ...props.choices] : props.choices;
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} value={props.value ?? ''} onChange={(e) => props.onChange(e.currentTarget.value)}>
        <option value="">{props.any}</option>
        {choices.map((choice) => (
          <option key={choice} value={choice}>
            {choice}
          </option>
        ))}
      </select>
    </div>
  );
}
