/**
 * The one way the console talks to the service: every call carries this browser tab's API key or Entra ID
 * token (renewed before it expires), and every error is turned into the service's problem (RFC 9457) so the
 * user sees its title and code.
 */
import { RENEW_BEFORE_MS, renewEntraToken } from './entra';
import { credentialHeaders, currentCredential, keepCredential, type Credential } from './session';

export interface ProblemLocation {
  path: string;
  message: string;
}

/** An answer that is not 2xx, or no answer at all (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly code: string,
    readonly problems: ProblemLocation[] = [],
  ) {
    super(`${title} (${code})`);
    this.name = 'ApiError';
  }
}

let unauthorizedHandler: () => void = () => undefined;

/**
 * Who is told when the key or token stops being accepted (revoked, expired and not renewable, or the tenant
 * removed) while the console is open.
 */
export function onUnauthorized(handler: () => void): void {
  unauthorizedHandler = handler;
}

/**
 * The API's base. The console is served at `/` by the embedded runtime and at `/api/console/` by the
 * Function App, so the base is always the origin's `/api/`, never relative to the page.
 */
export function apiBase(): URL {
  return new URL('/api/', window.location.origin);
}

export function apiUrl(path: string, query?: URLSearchParams): URL {
  const url = new URL(path.replace(/^\/+/, ''), apiBase());
  if (query) url.search = query.toString();
  return url;
}

interface RequestOptions {
  method?: 'GET' | 'POST';
  query?: URLSearchParams;
  body?: unknown;
  signal?: AbortSignal;
  accept?: string;
  /** Sign-in checks a credential that is not stored yet, and must not trigger the "signed out" path on 401. */
  credential?: Credential;
}

let renewal: Promise<Credential | null> | undefined;

/** The tab's credential, its access token renewed first when it is about to expire (one renewal at a time). */
async function freshCredential(): Promise<Credential | null> {
  const credential = currentCredential();
  if (credential?.kind !== 'entra' || credential.expiresAt - Date.now() > RENEW_BEFORE_MS) return credential;
  if (!credential.refreshToken) return credential;
  renewal ??= renewEntraToken(credential)
    .then(
      (renewed) => {
        keepCredential(renewed);
        return renewed;
      },
      // refused: the call goes with the old token, and its 401 signs the tab out
      () => credential,
    )
    .finally(() => (renewal = undefined));
  return renewal;
}

async function send(path: string, options: RequestOptions = {}): Promise<Response> {
  const credential = options.credential ?? (await freshCredential());
  const headers: Record<string, string> = {
    accept: options.accept ?? 'application/json',
    ...credentialHeaders(credential),
  };
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(apiUrl(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      // Operators must see the service's state now, never a cached answer.
      cache: 'no-store',
      credentials: 'omit',
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'The service cannot be reached', 'network.unreachable');
  }
  if (response.ok) return response;
  const problem = await readProblem(response);
  if (response.status === 401 && options.credential === undefined) unauthorizedHandler();
  throw problem;
}

/** The problem the service answered, or one made from the HTTP status when the body is not a problem. */
async function readProblem(response: Response): Promise<ApiError> {
  const fallback = new ApiError(
    response.status,
    response.statusText || `HTTP ${response.status}`,
    `http.${response.status}`,
  );
  if (!/json/i.test(response.headers.get('content-type') ?? '')) return fallback;
  try {
    const body = (await response.json()) as Partial<{ title: unknown; code: unknown; errors: unknown }>;
    const problems = Array.isArray(body.errors) ? (body.errors as unknown[]).filter(isProblemLocation) : [];
    return new ApiError(
      response.status,
      typeof body.title === 'string' ? body.title : fallback.title,
      typeof body.code === 'string' ? body.code : fallback.code,
      problems,
    );
  } catch {
    return fallback;
  }
}

function isProblemLocation(value: unknown): value is ProblemLocation {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as ProblemLocation).path === 'string' &&
    typeof (value as ProblemLocation).message === 'string'
  );
}

export async function getJson<T>(path: string, query?: URLSearchParams, signal?: AbortSignal): Promise<T> {
  const response = await send(path, { ...(query ? { query } : {}), ...(signal ? { signal } : {}) });
  return (await response.json()) as T;
}

export async function postJson<T>(path: string, body: unknown): Promise<T> {
  const response = await send(path, { method: 'POST', body });
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

/** Who the service takes the caller for (`GET /api/session`). */
export interface Session {
  tenantId?: string;
  via: 'api-key' | 'entra';
  user?: { username: string; name?: string };
  tenants?: string[];
}

/** How one may sign in here (`GET /api/sign-in`, anonymous). */
export interface SignInOptions {
  apiKey: true;
  entra: { authority: string; clientId: string; scope: string } | null;
}

export function signInOptions(): Promise<SignInOptions> {
  return getJson<SignInOptions>('sign-in');
}

/**
 * Checks a credential before it is kept: the session it opens, or undefined when refused (401, or 403 for
 * an Entra ID user with no tenant here: `refusal` says which); any other problem is thrown.
 */
export async function checkCredential(
  credential: Credential,
): Promise<{ session: Session } | { refusal: ApiError }> {
  try {
    const response = await send('session', { credential });
    return { session: (await response.json()) as Session };
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403))
      return { refusal: error };
    throw error;
  }
}

export interface DownloadedFile {
  blob: Blob;
  /** The file name the service proposes (Content-Disposition), if any. */
  fileName?: string;
  /** The SHA-256 the service computed over the stored bytes (`x-content-sha256`), if it sent one. */
  sha256?: string;
}

/** A binary answer: an artifact, a CSV or ZIP export. */
export async function download(
  path: string,
  options: { query?: URLSearchParams; body?: unknown; accept?: string } = {},
): Promise<DownloadedFile> {
  const response = await send(path, {
    method: options.body === undefined ? 'GET' : 'POST',
    ...(options.query ? { query: options.query } : {}),
    ...(options.body !== undefined ? { body: options.body } : {}),
    accept: options.accept ?? '*/*',
  });
  const blob = await response.blob();
  const fileName = fileNameOf(response.headers.get('content-disposition'));
  const sha256 = response.headers.get('x-content-sha256') ?? undefined;
  return { blob, ...(fileName ? { fileName } : {}), ...(sha256 ? { sha256 } : {}) };
}

function fileNameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const encoded = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (encoded?.[1]) {
    try {
      return decodeURIComponent(encoded[1]);
    } catch {
      // a malformed encoding: fall back to the plain parameter
    }
  }
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1];
}
