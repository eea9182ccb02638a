import { isObject } from '../util/json';
import type { OptionSpec } from './command';

/** Checks of option values: undefined when good, else what the value must be. */
export const checks = {
  port: (value: string) =>
    /^\d+$/.test(value) && Number(value) <= 65535 ? undefined : 'a port number from 0 to 65535',
  count: (value: string) => (/^\d+$/.test(value) ? undefined : 'a whole number of 0 or more'),
  positive: (value: string) =>
    /^\d+$/.test(value) && Number(value) > 0 ? undefined : 'a whole number of 1 or more',
  ratio: (value: string) => {
    const n = Number(value);
    return value.trim() !== '' && Number.isFinite(n) && n >= 0 && n <= 1
      ? undefined
      : 'a number from 0 to 1 (a share: 0.3 is 30%)';
  },
  jsonObject: (value: string) => {
    try {
      return isObject(JSON.parse(value)) ? undefined : 'a JSON object, e.g. \'{"format":"peppol-bis3-ubl"}\'';
    } catch (error) {
      return `a JSON object, e.g. '{"format":"peppol-bis3-ubl"}' (${(error as Error).message})`;
    }
  },
  url: (value: string) => {
    try {
      const url = new URL(value);
      return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'an http:// or https:// URL';
    } catch {
      return 'an http:// or https:// URL, e.g. http://127.0.0.1:7071/api';
    }
  },
  duration: (value: string) =>
    parseDurationText(value) === undefined ? 'a duration such as 90s, 30m, 2h or 1d' : undefined,
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `1d`, `500ms` (or a bare number of seconds) in milliseconds. */
export function parseDurationText(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] ?? 's']!;
}

/** The options every command that talks to the service has. */
export const SERVICE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'url',
    type: 'string',
    value: 'URL',
    description:
      "the service's base URL, as `einvoice serve` prints it (http://127.0.0.1:7071/api; with or without /api)",
    check: checks.url,
    env: 'EINVOICE_URL',
  },
  {
    name: 'api-key',
    type: 'string',
    value: 'KEY',
    description: "the tenant's API key (default: the local runtime's, from .data/local-api-key)",
    env: 'EINVOICE_API_KEY',
  },
];

export const JSON_OPTION: OptionSpec = {
  name: 'json',
  type: 'boolean',
  description: 'print the JSON answer instead of lines',
};

export const OUTPUT_OPTION: OptionSpec = {
  name: 'output',
  short: 'o',
  type: 'string',
  value: 'FILE',
  description: 'write the result to FILE instead of stdout',
};

export const RULES_OPTION: OptionSpec = {
  name: 'rules',
  type: 'string',
  value: 'SETS',
  list: true,
  allowed: ['xrechnung', 'peppol-de', 'peppol', 'no-peppol'],
  description:
    'rule sets to apply besides EN 16931 and those the document implies (peppol: PEPPOL BIS 3), comma-separated; no-peppol leaves PEPPOL BIS 3 out',
};
