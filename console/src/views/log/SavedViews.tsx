import { useId, useState } from 'preact/hooks';
import { logHref } from '../../router';
import {
  BUILT_IN_VIEWS,
  deleteView,
  loadSavedViews,
  normaliseQuery,
  saveView,
  type SavedView,
} from './saved-views';

/** The built-in views, the user's own, and a form to keep the current filters under a name. */
export function SavedViews({ currentQuery }: { currentQuery: string }) {
  const [views, setViews] = useState<SavedView[]>(loadSavedViews);
  const [name, setName] = useState('');
  const [saved, setSaved] = useState('');
  const ids = useId();
  const current = normaliseQuery(currentQuery);

  const save = (event: Event) => {
    event.preventDefault();
    const trimmed = name.trim();
    if (!trimmed) return;
    setViews((list) => saveView(list, { name: trimmed, query: currentQuery }));
    setSaved(`View "${trimmed}" saved.`);
    setName('');
  };

  return (
    <div class="views-panel">
      <nav aria-labelledby={`${ids}-title`}>
        <h2 id={`${ids}-title`} class="section-title">
          Views
        </h2>
        <ul class="view-list">
          {[...BUILT_IN_VIEWS, ...views].map((view) => (
            <li key={`${view.builtIn ? 'built-in' : 'own'}:${view.name}`}>
              <a
                href={logHref(new URLSearchParams(view.query))}
                aria-current={normaliseQuery(view.query) === current ? 'page' : undefined}
              >
                {view.name}
              </a>
              {view.builtIn ? null : (
                <button
                  type="button"
                  class="button-small button-link"
                  onClick={() => {
                    setViews((list) => deleteView(list, view.name));
                    setSaved(`View "${view.name}" deleted.`);
                  }}
                >
                  Delete<span class="visually-hidden"> view {view.name}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <form class="save-view" onSubmit={save}>
        <label for={`${ids}-name`}>Save the current filters as</label>
        <div class="inline-field">
          <input
            id={`${ids}-name`}
            type="text"
            maxLength={60}
            required
            value={name}
            onInput={(e) => setName(e.currentTarget.value)}
          />
          <button type="submit">Save view</button>
        </div>
        <p class="visually-hidden" aria-live="polite">
          {saved}
        </p>
      </form>
    </div>
  );
}
