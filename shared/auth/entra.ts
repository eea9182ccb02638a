import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import { EInvoiceError } from '../errors';

/** Entra ID sign-in, from `EINVOICE_ENTRA_AUTHORITY`, `EINVOICE_ENTRA_CLIENT_ID` and `EINVOICE_ENTRA_SCOPE`. */
export interface EntraSettings {
  /** The issuer of the tokens: `https://login.microsoftonline.com/<directory id>/v2.0`. */
  authority: string;
  /** The app registration of the console and the API: the audience of the access tokens. */
  clientId: string;
  /** What the console asks for: default `api://<client id>/access_as_user`. */
  scope: string;
}

/**
 * The app roles that grant a service tenant: `Tenant.<tenant id>`. An app role is assigned to users and
 * groups in Entra ID, so who may see a tenant's documents is managed where the company manages its people.
 */
export const TENANT_ROLE_PREFIX = 'Tenant.';

/** Who a valid token names, and the service tenants its roles grant. */
export interface EntraIdentity {
  /** `preferred_username`, else `oid`. */
  username: string;
  name?: string;
  tenants: string[];
}

/** The directory as its OpenID configuration describes it: the issuer, and its key set (cached by jose). */
interface Discovery {
  issuer: string;
  keys: ReturnType<typeof createRemoteJWKSet>;
}

const CLOCK_TOLERANCE_SECONDS = 60;

function unavailable(message: string, cause?: unknown): EInvoiceError {
  return new EInvoiceError('auth.provider-unavailable', message, { status: 503, retryable: true, cause });
}

/**
 * Checks Entra ID access tokens as a resource server does: signature by a key of the directory's published
 * set (RS256 only), issuer, audience (the client id, or `api://<client id>`), lifetime. The discovery
 * document is read once and again after a failure; the key set is cached and read again when a token names
 * a key it does not hold (a key rollover), as jose does.
 */
export class EntraVerifier {
  private discovery: Promise<Discovery> | undefined;

  constructor(readonly settings: EntraSettings) {}

  /** The identity of a token, or an `auth.*` error: 401 for a token that is not valid, 503 when Entra ID cannot be reached. */
  async verify(token: string): Promise<EntraIdentity> {
    const { issuer, keys } = await this.discover();
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        issuer,
        audience: [this.settings.clientId, `api://${this.settings.clientId}`],
        algorithms: ['RS256'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw this.refusal(error);
    }
    const roles = Array.isArray(payload.roles)
      ? payload.roles.filter((role): role is string => typeof role === 'string')
      : [];
    const tenants = [
      ...new Set(
        roles
          .filter((role) => role.startsWith(TENANT_ROLE_PREFIX) && role.length > TENANT_ROLE_PREFIX.length)
          .map((role) => role.slice(TENANT_ROLE_PREFIX.length)),
      ),
    ];
    const username =
      typeof payload.preferred_username === 'string'
        ? payload.preferred_username
        : typeof payload.oid === 'string'
          ? payload.oid
          : String(payload.sub ?? 'unknown');
    return {
      username,
      ...(typeof payload.name === 'string' ? { name: payload.name } : {}),
      tenants,
    };
  }

  private refusal(error: unknown): EInvoiceError {
    if (error instanceof errors.JWTExpired)
      return new EInvoiceError('auth.token-expired', 'The Entra ID token has expired: sign in again', {
        status: 401,
      });
    // the key set could not be fetched (no answer, not 200, not a key set): not the token's fault
    if (
      !(error instanceof errors.JOSEError) ||
      error instanceof errors.JWKSTimeout ||
      error instanceof errors.JWKSInvalid ||
      error.code === 'ERR_JOSE_GENERIC'
    )
      return unavailable('The signing keys of Entra ID could not be read: try again shortly', error);
    const reason =
      error instanceof errors.JWTClaimValidationFailed
        ? `its "${error.claim}" claim is not accepted (${error.reason})`
        : error instanceof errors.JWKSNoMatchingKey
          ? 'it is not signed by a key of the directory'
          : error instanceof errors.JWSSignatureVerificationFailed
            ? 'its signature does not verify'
            : error instanceof errors.JOSEAlgNotAllowed
              ? 'its algorithm is not RS256'
              : 'it is not a well-formed signed token';
    return new EInvoiceError('auth.invalid-token', `The Entra ID token is not accepted: ${reason}`, {
      status: 401,
    });
  }

  private discover(): Promise<Discovery> {
    this.discovery ??= this.readDiscovery().catch((error: unknown) => {
      this.discovery = undefined;
      throw error;
    });
    return this.discovery;
  }

  private async readDiscovery(): Promise<Discovery> {
    const url = `${this.settings.authority.replace(/\/+$/, '')}/.well-known/openid-configuration`;
    let document: unknown;
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      document = await response.json();
    } catch (error) {
      throw unavailable(
        `The OpenID configuration of Entra ID (${url}) could not be read: ${(error as Error).message}`,
        error,
      );
    }
    const { issuer, jwks_uri: jwksUri } = (document ?? {}) as { issuer?: unknown; jwks_uri?: unknown };
    if (typeof issuer !== 'string' || typeof jwksUri !== 'string')
      throw unavailable(`The OpenID configuration at ${url} names no issuer or no jwks_uri`);
    if (issuer.replace(/\/+$/, '') !== this.settings.authority.replace(/\/+$/, ''))
      throw unavailable(
        `The OpenID configuration at ${url} names the issuer ${issuer}, not EINVOICE_ENTRA_AUTHORITY`,
      );
    return { issuer, keys: createRemoteJWKSet(new URL(jwksUri)) };
  }
}
