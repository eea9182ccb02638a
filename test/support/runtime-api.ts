import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DocumentRecord } from '../../shared/model/record';
import { packageRoot } from '../../shared/util/package-root';
import type { RuntimeProcess } from './runtime';

/** The HTTP API of a runtime started by a test, as the tenant `local` calls it. */
export function runtimeApi(runtime: () => RuntimeProcess) {
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${runtime().url}/api${path}`, {
      method,
      headers: { 'x-api-key': runtime().apiKey, 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    return { status: response.status, json: (await response.json()) as unknown };
  };
  /** A sample of `samples/<folder>/` submitted for the company, waiting for it to end, and its record. */
  const submitSample = async (
    folder: string,
    companyId: string,
    name: string,
    change?: (document: Record<string, any>) => void,
  ) => {
    const { context, document } = JSON.parse(
      readFileSync(join(packageRoot(), 'samples', folder, name), 'utf8'),
    ) as { context: Record<string, unknown>; document: Record<string, any> };
    change?.(document);
    const answer = await api('POST', '/invoices?wait=30', { context: { ...context, companyId }, document });
    const id = (answer.json as { id: string }).id;
    return (await api('GET', `/invoices/${id}`)).json as DocumentRecord;
  };
  const artifact = async (record: DocumentRecord, name: string) =>
    (
      await fetch(`${runtime().url}/api/invoices/${record.id}/artifacts/${name}`, {
        headers: { 'x-api-key': runtime().apiKey },
      })
    ).text();
  return { api, submitSample, artifact };
}
