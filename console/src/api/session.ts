/**
 * The API key of this browser tab. It lives in sessionStorage only: it goes when the tab closes, is never
 * shared with other tabs through localStorage, and never appears in a URL (which would land in history,
 * logs and bookmarks).
 */
const STORAGE_KEY = 'einvoice.console.apiKey';

export function currentKey(): string | null {
  try {
    return window.sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

export function keepKey(key: string): void {
  window.sessionStorage.setItem(STORAGE_KEY, key);
}

export function forgetKey(): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage unavailable: nothing was kept
  }
}
