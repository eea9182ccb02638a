/**
 * How this browser tab is signed in: an API key, or an Entra ID access token (with the refresh token that
 * renews it, and the tenant chosen when the user's roles grant several). It lives in sessionStorage only:
 * it goes when the tab closes, is never shared with other tabs through localStorage, and never appears in a
 * URL (which would land in history, logs and bookmarks).
 */
export type Credential =
  | { kind: 'key'; key: string }
  | {
      kind: 'entra';
      accessToken: string;
      /** Milliseconds since the epoch. */
      expiresAt: number;
      refreshToken?: string;
      username: string;
      name?: string;
      /** The tenant to act for, sent as `x-tenant-id`: set when the user chose one of several. */
      tenantId?: string;
      /** Where the token came from, to renew it. */
      authority: string;
      clientId: string;
      scope: string;
    };

const STORAGE_KEY = 'einvoice.console.credential';

export function currentCredential(): Credential | null {
  try {
    const text = window.sessionStorage.getItem(STORAGE_KEY);
    return text ? (JSON.parse(text) as Credential) : null;
  } catch {
    return null;
  }
}

export function keepCredential(credential: Credential): void {
  window.sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credential));
}

export function forgetCredential(): void {
  try {
    window.sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // storage unavailable: nothing was kept
  }
}

/** The headers that name the caller to the service. */
export function credentialHeaders(credential: Credential | null): Record<string, string> {
  if (!credential) return {};
  if (credential.kind === 'key') return { 'x-api-key': credential.key };
  return {
    authorization: `Bearer ${credential.accessToken}`,
    ...(credential.tenantId ? { 'x-tenant-id': credential.tenantId } : {}),
  };
}
