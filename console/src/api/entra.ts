/**
 * Sign-in with Entra ID, as a single-page application does: the authorization code flow with PKCE at the
 * directory the service names (`GET /api/sign-in`), then the access token for the service's API, renewed
 * with the refresh token before it expires. oauth4webapi does the protocol; nothing here is kept beyond
 * this tab's sessionStorage.
 */
import * as oauth from 'oauth4webapi';
import type { Credential } from './session';

export interface EntraOptions {
  authority: string;
  clientId: string;
  scope: string;
}

type EntraCredential = Extract<Credential, { kind: 'entra' }>;

/** What the tab keeps while the browser is at the directory: the PKCE verifier, state, nonce, and where to return. */
const PENDING_KEY = 'einvoice.console.entraSignIn';

interface Pending {
  options: EntraOptions;
  verifier: string;
  state: string;
  nonce: string;
  returnTo: string;
}

const servers = new Map<string, Promise<oauth.AuthorizationServer>>();

/** Plain HTTP only for a directory on this machine (a local stand-in): the service's settings allow no other. */
function requestOptions(authority: string): { [oauth.allowInsecureRequests]?: boolean } {
  return new URL(authority).protocol === 'http:' ? { [oauth.allowInsecureRequests]: true } : {};
}

/** The directory's endpoints, from its OpenID configuration, whose issuer must be the authority itself. */
function authorizationServer(authority: string): Promise<oauth.AuthorizationServer> {
  let server = servers.get(authority);
  if (!server) {
    const issuer = new URL(authority);
    server = oauth
      .discoveryRequest(issuer, { algorithm: 'oidc', ...requestOptions(authority) })
      .then((response) => oauth.processDiscoveryResponse(issuer, response));
    server.catch(() => servers.delete(authority));
    servers.set(authority, server);
  }
  return server;
}

/** The console's own address, without query or route: what the directory sends the browser back to. */
export function redirectUri(): string {
  return `${window.location.origin}${window.location.pathname}`;
}

function scopes(options: EntraOptions): string {
  return `openid profile offline_access ${options.scope}`;
}

/** Sends the browser to the directory's sign-in page; it comes back to this page with a code. */
export async function startEntraSignIn(options: EntraOptions): Promise<void> {
  const server = await authorizationServer(options.authority);
  const pending: Pending = {
    options,
    verifier: oauth.generateRandomCodeVerifier(),
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    returnTo: window.location.hash || '#/',
  };
  const url = new URL(server.authorization_endpoint!);
  url.search = new URLSearchParams({
    client_id: options.clientId,
    redirect_uri: redirectUri(),
    response_type: 'code',
    response_mode: 'query',
    scope: scopes(options),
    code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
    code_challenge_method: 'S256',
    state: pending.state,
    nonce: pending.nonce,
  }).toString();
  window.sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  window.location.assign(url.toString());
}

/** This page is the directory's answer to a sign-in this tab started. */
export function entraAnswerPending(): boolean {
  const query = new URLSearchParams(window.location.search);
  return (query.has('code') || query.has('error')) && window.sessionStorage.getItem(PENDING_KEY) !== null;
}

/**
 * Redeems the code the directory sent back for tokens (checking state, nonce and the PKCE verifier), and
 * takes the code out of the address bar. Throws what the directory or the checks refused.
 */
export async function completeEntraSignIn(): Promise<EntraCredential> {
  const pending = JSON.parse(window.sessionStorage.getItem(PENDING_KEY)!) as Pending;
  window.sessionStorage.removeItem(PENDING_KEY);
  const answer = new URL(window.location.href);
  // the code is single use, and must not stay in history or be bookmarked
  window.history.replaceState(null, '', `${redirectUri()}${pending.returnTo}`);
  const { options } = pending;
  const server = await authorizationServer(options.authority);
  const client: oauth.Client = { client_id: options.clientId };
  const parameters = oauth.validateAuthResponse(server, client, answer, pending.state);
  const response = await oauth.authorizationCodeGrantRequest(
    server,
    client,
    oauth.None(),
    parameters,
    redirectUri(),
    pending.verifier,
    requestOptions(options.authority),
  );
  const tokens = await oauth.processAuthorizationCodeResponse(server, client, response, {
    expectedNonce: pending.nonce,
    requireIdToken: true,
  });
  const claims = oauth.getValidatedIdTokenClaims(tokens)!;
  const name = typeof claims.name === 'string' ? claims.name : undefined;
  return {
    kind: 'entra',
    ...tokenFields(tokens),
    username: typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub,
    ...(name ? { name } : {}),
    ...options,
  };
}

function tokenFields(tokens: oauth.TokenEndpointResponse) {
  return {
    accessToken: tokens.access_token,
    expiresAt: Date.now() + (tokens.expires_in ?? 3600) * 1000,
    ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
  };
}

/** A new access token from the refresh token (the directory rotates it too); throws when it is refused. */
export async function renewEntraToken(credential: EntraCredential): Promise<EntraCredential> {
  if (!credential.refreshToken) throw new Error('No refresh token: sign in again');
  const server = await authorizationServer(credential.authority);
  const client: oauth.Client = { client_id: credential.clientId };
  const response = await oauth.refreshTokenGrantRequest(
    server,
    client,
    oauth.None(),
    credential.refreshToken,
    { ...requestOptions(credential.authority), additionalParameters: { scope: scopes(credential) } },
  );
  const tokens = await oauth.processRefreshTokenResponse(server, client, response);
  // a directory that rotates refresh tokens sends a new one; otherwise the old one stays valid
  return { ...credential, ...tokenFields(tokens) };
}

/** Renewed this long before the access token expires. */
export const RENEW_BEFORE_MS = 2 * 60 * 1000;
