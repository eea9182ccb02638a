/**
 * Shows configuration values without ever showing a secret: certificate and secret parameters hold names
 * (references into the key folder or Key Vault), and are shown as such; nothing here asks for a value.
 */
export type Shown = { kind: 'reference'; name: string; store: string } | { kind: 'value'; text: string };

// names that end like a secret's (clientSecret, keyPassword), not those that merely mention one (tokenUrl)
const SECRET_NAME = /(secret|password|passphrase|apikey|privatekey)$/i;

/** Which parameters of a feature name a certificate or a secret (its manifest lists them). */
export interface References {
  certificates: ReadonlySet<string>;
  secrets: ReadonlySet<string>;
}

export const NO_REFERENCES: References = { certificates: new Set(), secrets: new Set() };

export function showParameter(name: string, value: unknown, references: References): Shown {
  if (isReferenceObject(value)) return { kind: 'reference', name: value.secret, store: 'secret' };
  const certificate = references.certificates.has(name);
  if (certificate || references.secrets.has(name) || SECRET_NAME.test(name)) {
    // only a name is expected here; anything else is not displayed, in case a value slipped through
    return typeof value === 'string' && value.length <= 200
      ? { kind: 'reference', name: value, store: certificate ? 'certificate' : 'secret' }
      : { kind: 'value', text: '(hidden)' };
  }
  if (typeof value === 'string') return { kind: 'value', text: value };
  if (typeof value === 'number' || typeof value === 'boolean') return { kind: 'value', text: String(value) };
  return { kind: 'value', text: JSON.stringify(value, redactNested) };
}

function isReferenceObject(value: unknown): value is { secret: string } {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    typeof (value as { secret?: unknown }).secret === 'string'
  );
}

/** Nested settings (an OAuth block) may hold a secret's name under a secret-like key: keep only names. */
function redactNested(key: string, value: unknown): unknown {
  if (key && SECRET_NAME.test(key) && typeof value === 'string') return `reference: ${value}`;
  return value;
}
