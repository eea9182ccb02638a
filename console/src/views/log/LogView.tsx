import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { ApiError, getJson } from '../../api/client';
import { listDocuments, PAGE_SIZE, runBulk, type Selection } from '../../api/documents';
import { hasFilter, queryFromHash, queryToHash, type LogQuery } from '../../api/query';
import type { DocumentRecord, Feature, Flow, ListResponse } from '../../api/types';
import { ProblemNotice } from '../../components/ProblemNotice';
import { plural } from '../../format';
import { useAnnouncement, useInterval, usePageVisible, useResource } from '../../hooks';
import { logHref, navigate } from '../../router';
import { BulkPanel } from './BulkPanel';
import { FilterForm, type FilterOptions } from './FilterForm';
import { LogTable } from './LogTable';
import { mergeFirstPage } from './merge';
import { SavedViews } from './SavedViews';
import { sortRows, type ClientSort, type SortableColumn } from './sorting';

const LIVE_INTERVAL_MS = 5000;
/** The most documents one bulk action or export takes (the service refuses more with bulk.too-many). */
const BULK_LIMIT = 1000;

type MatchCount =
  | { state: 'counting' }
  | { state: 'counted'; total: number }
  | { state: 'too-many' }
  | { state: 'failed'; error: unknown };

interface Rows {
  items: DocumentRecord[];
  next: string | undefined;
}

export function LogView({ params }: { params: URLSearchParams }) {
  const queryKey = queryToHash(queryFromHash(params)).toString();
  const query = useMemo(() => queryFromHash(new URLSearchParams(queryKey)), [queryKey]);
  const options = useFilterOptions();

  const [rows, setRows] = useState<Rows>({ items: [], next: undefined });
  const rowsRef = useRef(rows);
  rowsRef.current = rows;
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(undefined);
  const [moreError, setMoreError] = useState<unknown>(undefined);
  const [loadingMore, setLoadingMore] = useState(false);
  const [liveError, setLiveError] = useState<ApiError | undefined>(undefined);
  const [sort, setSort] = useState<ClientSort | undefined>(undefined);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [matching, setMatching] = useState<MatchCount | undefined>(undefined);
  const [announcement, announce] = useAnnouncement();
  const [reloads, setReloads] = useState(0);
  /** Bumped on every new view, so answers for an older view are dropped. */
  const generation = useRef(0);
  const refreshing = useRef(false);

  const shownQuery = useRef<LogQuery | undefined>(undefined);
  useEffect(() => {
    const controller = new AbortController();
    const current = ++generation.current;
    // Rows of other filters must not stay on screen under the new ones; a plain reload keeps them meanwhile.
    if (shownQuery.current !== query) setRows({ items: [], next: undefined });
    shownQuery.current = query;
    setLoading(true);
    setLoadError(undefined);
    setMoreError(undefined);
    setSelected(new Set());
    setMatching(undefined);
    listDocuments(query, { signal: controller.signal }).then(
      (page) => {
        if (current !== generation.current) return;
        setRows({ items: page.items, next: page.next });
        setLoading(false);
      },
      (error: unknown) => {
        if (current !== generation.current || controller.signal.aborted) return;
        setRows({ items: [], next: undefined });
        setLoadError(error);
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [query, reloads]);

  const refresh = useCallback(() => {
    if (refreshing.current || loading || loadError) return;
    refreshing.current = true;
    const current = generation.current;
    listDocuments(query)
      .then((page) => {
        if (current !== generation.current) return;
        setLiveError(undefined);
        const merged = mergeFirstPage(rowsRef.current.items, page.items, query.order, PAGE_SIZE);
        if (merged.restarted) {
          setRows({ items: merged.rows, next: page.next });
          announce(`${plural(merged.added, 'new document')}: the list starts again from the newest.`);
          return;
        }
        if (merged.updated > 0 || merged.added > 0) {
          // merged again on the latest rows: a "Load more" may have landed while this page was on its way
          setRows((r) => ({ ...r, items: mergeFirstPage(r.items, page.items, query.order, PAGE_SIZE).rows }));
          announce(liveMessage(merged.updated, merged.added));
        }
      })
      .catch((error: unknown) => {
        if (current === generation.current && error instanceof ApiError) setLiveError(error);
      })
      .finally(() => {
        refreshing.current = false;
      });
  }, [query, loading, loadError, announce]);

  const visible = usePageVisible();
  useInterval(refresh, LIVE_INTERVAL_MS, visible && !loading && !loadError);
  useEffect(() => {
    // back in a tab that was hidden: catch up at once rather than up to five seconds later
    if (visible) refresh();
    // only a change of visibility triggers this catch-up, not every new `refresh`
  }, [visible]);

  const loadMore = () => {
    const cursor = rows.next;
    if (!cursor) return;
    const current = generation.current;
    setLoadingMore(true);
    setMoreError(undefined);
    listDocuments(query, { cursor })
      .then((page) => {
        if (current !== generation.current) return;
        setRows((r) => {
          const known = new Set(r.items.map((item) => item.id));
          return {
            items: [...r.items, ...page.items.filter((item) => !known.has(item.id))],
            next: page.next,
          };
        });
        announce(`${plural(page.items.length, 'more document')} loaded.`);
      }, setMoreError)
      .finally(() => setLoadingMore(false));
  };

  const selectAllMatching = () => {
    setMatching({ state: 'counting' });
    // A dry run changes nothing and reports how many documents the filter matches (the list API does not).
    runBulk('resubmit', { kind: 'filter', filter: query }, true).then(
      (result) => setMatching({ state: 'counted', total: result.total }),
      (error: unknown) =>
        setMatching(
          error instanceof ApiError && error.code === 'bulk.too-many'
            ? { state: 'too-many' }
            : { state: 'failed', error },
        ),
    );
  };

  const toggleSort = (column: SortableColumn) =>
    setSort((s) =>
      s?.column === column
        ? { column, direction: s.direction === 'ascending' ? 'descending' : 'ascending' }
        : { column, direction: 'ascending' },
    );
  const toggleServerOrder = () => {
    setSort(undefined);
    navigate(logHref(queryToHash({ ...query, order: query.order === 'desc' ? 'asc' : 'desc' })));
  };

  const sortedRows = useMemo(() => sortRows(rows.items, sort), [rows.items, sort]);
  const labels = useMemo(
    () =>
      new Map(
        rows.items.flatMap((r) =>
          r.summary?.documentNumber ? [[r.id, r.summary.documentNumber] as const] : [],
        ),
      ),
    [rows.items],
  );
  const selection = selectionOf(query, selected, matching);
  const pageSelected = rows.items.length > 0 && rows.items.every((r) => selected.has(r.id));

  return (
    <>
      <h1>Submission log</h1>
      <div class="log-layout">
        <SavedViews currentQuery={queryKey} />
        <div class="log-main">
          <FilterForm query={query} options={options} />
          <div class="log-status" aria-busy={loading}>
            <p>
              {loading
                ? 'Loading documents…'
                : `${plural(rows.items.length, 'document')} shown${rows.next ? ', more match' : ''}. ${query.order === 'desc' ? 'Newest' : 'Oldest'} first.`}{' '}
              <span class="muted">Live: refreshed every 5 seconds while this tab is visible.</span>
            </p>
            <p class="live-note" aria-live="polite">
              {announcement}
            </p>
            <button type="button" onClick={() => setReloads((n) => n + 1)} disabled={loading}>
              Reload
            </button>
          </div>
          {liveError ? <ProblemNotice error={liveError} context="Live updates paused" /> : null}
          <ProblemNotice error={loadError} context="The documents could not be loaded" />
          {sort ? (
            <p class="notice notice-info">
              Sorted by {sort.column} ({sort.direction}) among the {plural(rows.items.length, 'loaded row')}{' '}
              only; the service returns them {query.order === 'desc' ? 'newest' : 'oldest'} first.{' '}
              <button type="button" class="button-link" onClick={() => setSort(undefined)}>
                Restore the server order
              </button>
            </p>
          ) : null}
          {pageSelected && rows.next && !matching ? (
            <p class="notice notice-info">
              Every document on this page is selected.{' '}
              <button type="button" class="button-link" onClick={selectAllMatching}>
                Select all documents matching the filter
              </button>
            </p>
          ) : null}
          {selection ? (
            <BulkPanel
              key={selectionKey(selection)}
              selection={selection}
              description={describeSelection(selection, matching)}
              artifactNames={artifactNames(rows.items, selection)}
              labels={labels}
              order={query.order}
              blocked={blockedReason(matching)}
              onClear={() => {
                setSelected(new Set());
                setMatching(undefined);
              }}
              onChanged={refresh}
            />
          ) : null}
          {!loading && !loadError && rows.items.length === 0 ? (
            <p class="empty">
              {hasFilter(query) ? 'No document matches these filters.' : 'No documents yet.'}
            </p>
          ) : null}
          {rows.items.length > 0 ? (
            <LogTable
              rows={sortedRows}
              order={query.order}
              sort={sort}
              selected={selected}
              allMatching={matching !== undefined}
              onSort={toggleSort}
              onServerOrder={toggleServerOrder}
              onSelect={(id, on) =>
                setSelected((current) => {
                  const next = new Set(current);
                  if (on) next.add(id);
                  else next.delete(id);
                  return next;
                })
              }
              onSelectPage={(on) => setSelected(on ? new Set(rows.items.map((r) => r.id)) : new Set())}
            />
          ) : null}
          <ProblemNotice error={moreError} context="More documents could not be loaded" />
          {rows.next ? (
            <div class="toolbar">
              <button type="button" onClick={loadMore} disabled={loadingMore}>
                {loadingMore ? 'Loading…' : 'Load more'}
              </button>
            </div>
          ) : null}
        </div>
      </div>
    </>
  );
}

function liveMessage(updated: number, added: number): string {
  const parts: string[] = [];
  if (updated > 0) parts.push(`${plural(updated, 'document')} updated`);
  if (added > 0) parts.push(`${plural(added, 'new document')}`);
  return `${parts.join(', ')}.`;
}

/** The feature, flow and company choices of the filter form, from what the tenant has set up. */
function useFilterOptions(): FilterOptions {
  const features = useResource((signal) => getJson<ListResponse<Feature>>('features', undefined, signal), []);
  // The flows list is optional: without it the features still name their flows.
  const flows = useResource(
    (signal) =>
      getJson<ListResponse<Flow>>('flows', undefined, signal).catch(() => ({ items: [] as Flow[] })),
    [],
  );
  return useMemo(() => {
    const items = features.data?.items ?? [];
    const unique = (values: Iterable<string>) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
    return {
      features: unique(items.map((f) => f.id)),
      flows: unique([...items.flatMap((f) => f.flows ?? []), ...(flows.data?.items ?? []).map((f) => f.id)]),
      companies: unique(items.flatMap((f) => Object.keys(f.companies ?? {}))),
    };
  }, [features.data, flows.data]);
}

function selectionOf(
  query: LogQuery,
  selected: ReadonlySet<string>,
  matching: MatchCount | undefined,
): Selection | undefined {
  if (matching) return { kind: 'filter', filter: query };
  return selected.size > 0 ? { kind: 'ids', ids: [...selected] } : undefined;
}

function selectionKey(selection: Selection): string {
  return selection.kind === 'filter'
    ? `filter:${queryToHash({ ...selection.filter, order: 'desc' }).toString()}`
    : `ids:${selection.ids.join(',')}`;
}

function describeSelection(selection: Selection, matching: MatchCount | undefined): string {
  if (selection.kind === 'ids') return `${plural(selection.ids.length, 'document')} selected.`;
  switch (matching?.state) {
    case 'counted':
      return `All ${plural(matching.total, 'document')} matching the filter are selected.`;
    case 'too-many':
      return `More than ${plural(BULK_LIMIT, 'document')} match the filter.`;
    default:
      return 'All documents matching the filter are selected (counting…).';
  }
}

function blockedReason(matching: MatchCount | undefined): string | undefined {
  if (matching?.state === 'too-many')
    return `Bulk actions and exports take at most ${plural(BULK_LIMIT, 'document')}: narrow the filter (a shorter period, a status).`;
  if (matching?.state === 'failed')
    return matching.error instanceof ApiError
      ? `The documents matching the filter could not be counted: ${matching.error.title} (${matching.error.code}).`
      : 'The documents matching the filter could not be counted.';
  if (matching?.state === 'counting') return 'Counting the documents that match the filter…';
  return undefined;
}

/** Artifact names of the selected documents that are loaded (all loaded ones for a filter), most common first. */
function artifactNames(rows: readonly DocumentRecord[], selection: Selection): string[] {
  const ids = selection.kind === 'ids' ? new Set(selection.ids) : undefined;
  const counts = new Map<string, number>();
  for (const row of rows) {
    if (ids && !ids.has(row.id)) continue;
    for (const artifact of row.artifacts) counts.set(artifact.name, (counts.get(artifact.name) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([name]) => name);
}
