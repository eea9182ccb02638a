/**
 * Validation reports the steps write (`validation.json`, `xsd-report.json`, `sdi-report.json`,
 * `cfdi-report.json`, `nfe-report.json`): `{ valid, problems | findings: [{ code, severity?, message,
 * path?, location?: { xpath, line }, terms? }] }`. Recognised by shape, not by name, so a new report of
 * the same shape is shown as findings too.
 */
export interface Finding {
  ruleId: string;
  severity: string;
  location: string;
  message: string;
  terms: string[];
}

export interface ValidationReport {
  valid: boolean | undefined;
  findings: Finding[];
}

type Raw = Record<string, unknown>;

const isObject = (value: unknown): value is Raw =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

function locationOf(raw: Raw): string {
  const parts: string[] = [];
  const location = raw.location;
  if (isObject(location)) {
    const xpath = text(location.xpath);
    const line = text(location.line);
    if (xpath) parts.push(xpath);
    if (line) parts.push(`line ${line}`);
  }
  const path = text(raw.path);
  if (path) parts.unshift(path);
  return parts.join(', ') || '—';
}

function toFinding(raw: Raw): Finding | undefined {
  const message = text(raw.message);
  if (!message) return undefined;
  const reason = text(raw.xMotivo);
  return {
    ruleId: text(raw.code) ?? '—',
    // reports without a severity list errors only
    severity: text(raw.severity) ?? 'error',
    location: locationOf(raw),
    message: reason ? `${message} (${reason})` : message,
    terms: Array.isArray(raw.terms) ? raw.terms.filter((t): t is string => typeof t === 'string') : [],
  };
}

export function readReport(value: unknown): ValidationReport | undefined {
  if (!isObject(value)) return undefined;
  const list = Array.isArray(value.problems)
    ? value.problems
    : Array.isArray(value.findings)
      ? value.findings
      : undefined;
  if (!list || (typeof value.valid !== 'boolean' && list.length === 0)) return undefined;
  const findings = list.filter(isObject).map(toFinding);
  if (findings.some((f) => f === undefined)) return undefined;
  return {
    valid: typeof value.valid === 'boolean' ? value.valid : undefined,
    findings: findings as Finding[],
  };
}
