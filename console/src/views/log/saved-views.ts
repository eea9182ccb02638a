/**
 * Named log views. They hold filters only (no key, no document data), so localStorage is fine for them,
 * and they survive the tab like any bookmark would.
 */
export interface SavedView {
  name: string;
  /** The hash query of the view (`attention=true&status=failed`). */
  query: string;
  builtIn?: boolean;
}

const STORAGE_KEY = 'einvoice.console.views';

export const BUILT_IN_VIEWS: readonly SavedView[] = [
  { name: 'Needs attention', query: 'attention=true', builtIn: true },
  { name: 'All documents', query: '', builtIn: true },
];

function isSavedView(value: unknown): value is SavedView {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as SavedView).name === 'string' &&
    typeof (value as SavedView).query === 'string'
  );
}

export function loadSavedViews(): SavedView[] {
  try {
    const stored: unknown = JSON.parse(window.localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(stored)
      ? stored.filter(isSavedView).map(({ name, query }) => ({ name, query }))
      : [];
  } catch {
    // unreadable or unavailable storage: the built-in views remain
    return [];
  }
}

/** Stores the view under its name, replacing one of the same name (names are what users pick by). */
export function saveView(views: SavedView[], view: SavedView): SavedView[] {
  const next = [...views.filter((v) => v.name !== view.name), { name: view.name, query: view.query }];
  next.sort((a, b) => a.name.localeCompare(b.name));
  persist(next);
  return next;
}

export function deleteView(views: SavedView[], name: string): SavedView[] {
  const next = views.filter((v) => v.name !== name);
  persist(next);
  return next;
}

function persist(views: SavedView[]): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, JSON.stringify(views));
  } catch {
    // storage full or disabled: the view lasts until the page is reloaded
  }
}

/** The same view whatever the order of its parameters. */
export function normaliseQuery(query: string): string {
  const params = new URLSearchParams(query);
  params.sort();
  return params.toString();
}
