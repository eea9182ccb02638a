import { invalidInput } from '../errors';
import type { ListOptions } from '../ports/object-store';

const SEGMENT = /^[A-Za-z0-9._@=+-]+$/;

/** Rejects keys that could escape the store's root or that a file system or Blob Storage would alter. */
export function checkKey(key: string, folder = false): void {
  const segments = (folder ? key.replace(/\/$/, '') : key).split('/');
  for (const segment of segments) {
    if (!SEGMENT.test(segment) || segment === '.' || segment === '..') {
      throw invalidInput('store.invalid-key', `Invalid storage key "${key}"`);
    }
  }
}

/** Direct children of a folder among flat keys, as `ObjectStore.list` returns them. */
export function listChildren(keys: Iterable<string>, prefix: string, options: ListOptions): string[] {
  const names = new Set<string>();
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue;
    const rest = key.slice(prefix.length);
    const slash = rest.indexOf('/');
    names.add(slash === -1 ? rest : rest.slice(0, slash + 1));
  }
  return pageOf([...names], options);
}

export function pageOf(names: string[], options: ListOptions): string[] {
  const sorted = names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const after = options.after;
  const from = after === undefined ? sorted : sorted.filter((name) => name > after);
  return options.limit === undefined ? from : from.slice(0, options.limit);
}

/** The content type of an object by its key's extension, for stores that keep none. */
export function contentTypeOf(key: string): string {
  if (key.endsWith('.json')) return 'application/json';
  if (key.endsWith('.xml')) return 'application/xml';
  if (key.endsWith('.jsonl')) return 'application/x-ndjson';
  return 'application/octet-stream';
}
