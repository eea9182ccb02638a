/**
 * Hash routing (`#/`, `#/documents/{id}`, `#/operations`, `#/configuration`): the service serves one
 * static page wherever the console is mounted, and every view stays bookmarkable without server fallback.
 */
import { useEffect, useState } from 'preact/hooks';

export type Route =
  | { view: 'log'; query: URLSearchParams }
  | { view: 'document'; id: string }
  | { view: 'operations' }
  | { view: 'configuration' }
  | { view: 'missing'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const queryStart = raw.indexOf('?');
  const path = (queryStart < 0 ? raw : raw.slice(0, queryStart)) || '/';
  const query = new URLSearchParams(queryStart < 0 ? '' : raw.slice(queryStart + 1));
  if (path === '/') return { view: 'log', query };
  if (path === '/operations') return { view: 'operations' };
  if (path === '/configuration') return { view: 'configuration' };
  const document = /^\/documents\/([^/]+)$/.exec(path);
  if (document?.[1]) {
    try {
      return { view: 'document', id: decodeURIComponent(document[1]) };
    } catch {
      return { view: 'missing', path };
    }
  }
  return { view: 'missing', path };
}

export function logHref(query?: URLSearchParams): string {
  const text = query?.toString() ?? '';
  return text ? `#/?${text}` : '#/';
}

export function documentHref(id: string): string {
  return `#/documents/${encodeURIComponent(id)}`;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(window.location.hash));
  useEffect(() => {
    const update = () => setRoute(parseHash(window.location.hash));
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return route;
}

/** Goes to a view; the same hash again (a repeated "Apply") still reloads through `hashchange` listeners. */
export function navigate(href: string): void {
  if (window.location.hash === href) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else window.location.hash = href;
}
