import { Fragment } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { SortOrder } from '../../api/query';
import type { DocumentRecord } from '../../api/types';
import { CopyButton } from '../../components/CopyButton';
import { ScrollRegion } from '../../components/ScrollRegion';
import { StatusBadge } from '../../components/StatusBadge';
import { Time } from '../../components/Time';
import { formatAmount, formatDuration, shortId } from '../../format';
import { documentLabel, lastError, processingMs } from '../../records';
import { documentHref } from '../../router';
import type { ClientSort, SortableColumn } from './sorting';

interface LogTableProps {
  rows: DocumentRecord[];
  order: SortOrder;
  sort: ClientSort | undefined;
  selected: ReadonlySet<string>;
  /** Every document matching the filter is selected (the bulk panel works on the filter). */
  allMatching: boolean;
  onSort: (column: SortableColumn) => void;
  onServerOrder: () => void;
  onSelect: (id: string, selected: boolean) => void;
  onSelectPage: (selected: boolean) => void;
}

interface Column {
  key: SortableColumn | 'created';
  label: string;
  numeric?: boolean;
}

const COLUMNS: Column[] = [
  { key: 'number', label: 'Document number' },
  { key: 'counterparty', label: 'Counterparty' },
  { key: 'amount', label: 'Amount', numeric: true },
  { key: 'flow', label: 'Flow / feature' },
  { key: 'status', label: 'Status' },
  { key: 'attempts', label: 'Attempts', numeric: true },
  { key: 'error', label: 'Last error' },
  // created and updated share a column, each with its own sort button: the log fits 1280 px
  { key: 'created', label: 'Created' },
  { key: 'duration', label: 'Duration', numeric: true },
  { key: 'id', label: 'Id' },
];

type AriaSort = 'ascending' | 'descending' | 'none';

/** Which column the rows are ordered by: a client sort if one is chosen, else the server's creation order. */
function ariaSort(column: Column['key'], order: SortOrder, sort: ClientSort | undefined): AriaSort {
  if (sort) return sort.column === column ? sort.direction : 'none';
  if (column === 'created') return order === 'desc' ? 'descending' : 'ascending';
  return 'none';
}

const ARROWS: Record<AriaSort, string> = { ascending: '▲', descending: '▼', none: '↕' };

export function LogTable(props: LogTableProps) {
  const { rows, order, sort, selected, allMatching } = props;
  const pageBox = useRef<HTMLInputElement>(null);
  const selectedOnPage = rows.filter((r) => selected.has(r.id)).length;
  const allSelected = allMatching || (rows.length > 0 && selectedOnPage === rows.length);
  useEffect(() => {
    if (pageBox.current) pageBox.current.indeterminate = !allSelected && selectedOnPage > 0;
  }, [allSelected, selectedOnPage]);

  return (
    <ScrollRegion label="Documents">
      <table class="table log-table">
        <caption class="visually-hidden">
          Documents, {describeOrder(order, sort)}. Column headers sort the table.
        </caption>
        <thead>
          <tr>
            <th scope="col" class="cell-select">
              <input
                ref={pageBox}
                type="checkbox"
                aria-label="Select every document on this page"
                checked={allSelected}
                disabled={allMatching || rows.length === 0}
                onChange={(e) => props.onSelectPage(e.currentTarget.checked)}
              />
            </th>
            {COLUMNS.map((column) => {
              const key = column.key;
              if (key === 'created') {
                const created = ariaSort('created', order, sort);
                const updated = ariaSort('updated', order, sort);
                return (
                  <th
                    key={key}
                    scope="col"
                    aria-sort={created !== 'none' ? created : updated}
                    class="cell-times"
                  >
                    <SortButton label="Created" state={created} onClick={props.onServerOrder} />
                    <span aria-hidden="true"> / </span>
                    <SortButton label="updated" state={updated} onClick={() => props.onSort('updated')} />
                  </th>
                );
              }
              const state = ariaSort(key, order, sort);
              return (
                <th key={key} scope="col" aria-sort={state} class={column.numeric ? 'numeric' : undefined}>
                  <SortButton label={column.label} state={state} onClick={() => props.onSort(key)} />
                </th>
              );
            })}
          </tr>
        </thead>
        <tbody>
          {rows.map((record) => (
            <LogRow
              key={record.id}
              record={record}
              selected={allMatching || selected.has(record.id)}
              disabled={allMatching}
              onSelect={props.onSelect}
            />
          ))}
        </tbody>
      </table>
    </ScrollRegion>
  );
}

function SortButton({ label, state, onClick }: { label: string; state: AriaSort; onClick: () => void }) {
  return (
    <button type="button" class="sort-button" onClick={onClick}>
      {label}
      <span class="sort-arrow" aria-hidden="true">
        {ARROWS[state]}
      </span>
    </button>
  );
}

/** A code breakable after each dot (`certificate.<wbr>not-found`): long codes wrap instead of widening the log. */
function BreakableCode({ code, title }: { code: string; title?: string }) {
  const parts = code.split('.');
  return (
    <code title={title}>
      {parts.map((part, index) => (
        <Fragment key={index}>
          {index > 0 ? '.' : null}
          {index > 0 ? <wbr /> : null}
          {part}
        </Fragment>
      ))}
    </code>
  );
}

function describeOrder(order: SortOrder, sort: ClientSort | undefined): string {
  if (sort) return `sorted by ${sort.column} ${sort.direction} among the loaded rows`;
  return order === 'desc' ? 'newest first' : 'oldest first';
}

function LogRow(props: {
  record: DocumentRecord;
  selected: boolean;
  disabled: boolean;
  onSelect: (id: string, selected: boolean) => void;
}) {
  const { record } = props;
  const error = lastError(record);
  const label = documentLabel(record);
  const counterparty = record.summary?.counterparty;
  return (
    <tr class={props.selected ? 'row-selected' : undefined}>
      <td class="cell-select">
        <input
          type="checkbox"
          aria-label={`Select ${label}`}
          checked={props.selected}
          disabled={props.disabled}
          onChange={(e) => props.onSelect(record.id, e.currentTarget.checked)}
        />
      </td>
      <th scope="row" class="cell-number">
        <a href={documentHref(record.id)}>{label}</a>
      </th>
      <td>
        {counterparty?.name ?? (counterparty?.id ? null : '—')}
        {counterparty?.id ? <span class="secondary">{counterparty.id}</span> : null}
      </td>
      <td class="numeric">{formatAmount(record.summary?.amount, record.summary?.currency)}</td>
      <td class="cell-flow">
        {record.flowId}
        <span class="secondary">
          {record.featureId ? `${record.featureId} ${record.featureVersion ?? ''}` : 'no feature'}
        </span>
      </td>
      <td>
        <StatusBadge status={record.status} stepId={record.stepId} />
      </td>
      <td class="numeric">{record.attempt}</td>
      <td class="cell-error">
        {error?.code ? <BreakableCode code={error.code} title={error.message} /> : '—'}
      </td>
      <td class="nowrap">
        <Time iso={record.createdAt} compact />
        <span class="secondary">
          <span class="visually-hidden">updated </span>
          <Time iso={record.updatedAt} compact />
        </span>
      </td>
      <td class="numeric nowrap">{formatDuration(processingMs(record))}</td>
      <td class="cell-id">
        <code title={record.id}>
          <span aria-hidden="true">{shortId(record.id)}</span>
          <span class="visually-hidden">{record.id}</span>
        </code>
        <CopyButton value={record.id} what={`id of ${label}`} />
      </td>
    </tr>
  );
}
