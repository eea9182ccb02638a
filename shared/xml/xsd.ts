import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { EInvoiceError, type ProblemDetail } from '../errors';
import { packageRoot } from '../util/package-root';
import { checkXmlSafety } from './safe-xml';

/**
 * The official schemas the service validates against, by id, as paths inside the schema folder
 * (`EINVOICE_SCHEMAS_DIR`; layout and downloads in docs/formats.md), with the root element each is for.
 */
export const XSD_CATALOGUE: Record<string, { path: string; root: string; title: string }> = {
  'ubl-2.1-invoice': {
    title: 'OASIS UBL 2.1 Invoice',
    path: 'oasis-ubl-2.1/xsd/maindoc/UBL-Invoice-2.1.xsd',
    root: '{urn:oasis:names:specification:ubl:schema:xsd:Invoice-2}Invoice',
  },
  'ubl-2.1-creditnote': {
    title: 'OASIS UBL 2.1 CreditNote',
    path: 'oasis-ubl-2.1/xsd/maindoc/UBL-CreditNote-2.1.xsd',
    root: '{urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2}CreditNote',
  },
  'cii-d16b': {
    title: 'UN/CEFACT Cross Industry Invoice D16B (EN 16931 subset)',
    path: 'en16931/cii/schema/D16B SCRDM (Subset)/uncoupled clm/CII/uncefact/data/standard/CrossIndustryInvoice_100pD16B.xsd',
    root: '{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}CrossIndustryInvoice',
  },
  // The schema imports xmldsig-core.xsd from its own folder: both files go in `fatturapa/`.
  'fatturapa-1.2': {
    title: 'FatturaPA 1.2.x (Agenzia delle Entrate)',
    path: 'fatturapa/FatturaPA_v1.2.2.xsd',
    root: '{http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2}FatturaElettronica',
  },
};

/** `{namespace}local` of the document's root element, from its start tag. */
export function rootElementOf(xml: string): string | undefined {
  const start = /<([A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)([^>]*)>/.exec(
    xml.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->/g, ''),
  );
  if (!start) return undefined;
  const prefix = start[1]?.slice(0, -1);
  const declaration = new RegExp(`xmlns${prefix ? `:${prefix}` : ''}\\s*=\\s*["']([^"']*)["']`).exec(
    start[3] ?? '',
  );
  return `{${declaration?.[1] ?? ''}}${start[2]}`;
}

interface Pending {
  resolve: (problems: ProblemDetail[]) => void;
  reject: (error: Error) => void;
}

/**
 * XSD validation with libxml2 (WebAssembly) on a thread of its own: each schema is compiled once, on first
 * use, and documents are validated beside the main thread. Errors come with their line and libxml2's message,
 * which names the element.
 */
export class XsdValidatorPool {
  private worker: Worker | undefined;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly schemasDir: string | undefined) {}

  /** The schema file for `id` (`auto`: by the document's root element), or why there is none. */
  resolve(id: string, xml: string): string {
    let entry = XSD_CATALOGUE[id];
    if (id === 'auto') {
      const root = rootElementOf(xml);
      entry = Object.values(XSD_CATALOGUE).find((e) => e.root === root);
      if (!entry) {
        throw new EInvoiceError(
          'schema.unknown-document',
          `No installed schema is for root element ${root ?? '(none)'}`,
        );
      }
    }
    if (!entry)
      throw new EInvoiceError(
        'schema.unknown',
        `Unknown schema "${id}"; known: ${Object.keys(XSD_CATALOGUE).join(', ')}`,
      );
    if (!this.schemasDir) {
      throw new EInvoiceError(
        'schema.not-installed',
        `${entry.title} is not installed: set EINVOICE_SCHEMAS_DIR to the schema folder (see docs/formats.md)`,
      );
    }
    const file = join(this.schemasDir, entry.path);
    if (!existsSync(file)) {
      throw new EInvoiceError(
        'schema.not-installed',
        `${entry.title} is not installed: ${entry.path} is missing in ${this.schemasDir}`,
      );
    }
    return file;
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(packageRoot(), 'shared', 'xml', 'xsd-worker.mjs'));
    worker.unref();
    worker.on(
      'message',
      (reply: { id: number; errors?: Array<{ line: number; message: string }>; failure?: string }) => {
        const waiting = this.pending.get(reply.id);
        if (!waiting) return;
        this.pending.delete(reply.id);
        if (reply.failure !== undefined) {
          waiting.reject(
            new EInvoiceError('schema.failed', `XSD validation failed: ${reply.failure}`, { status: 500 }),
          );
        } else {
          waiting.resolve(
            (reply.errors ?? []).map((e) => ({
              code: 'xsd.invalid',
              path: `line ${e.line}`,
              message: e.message,
            })),
          );
        }
      },
    );
    const fail = (reason: string) => {
      for (const waiting of this.pending.values()) {
        waiting.reject(
          new EInvoiceError('schema.failed', `The XSD thread stopped: ${reason}`, {
            status: 503,
            retryable: true,
          }),
        );
      }
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', (error) => fail(error.message));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    this.worker = worker;
    return worker;
  }

  /** The document's XSD errors ([] when valid) against schema `id` (or `auto`). */
  async validate(xml: string, id = 'auto'): Promise<ProblemDetail[]> {
    checkXmlSafety(xml);
    const schema = this.resolve(id, xml);
    const request = { id: this.nextId++, root: this.schemasDir, schema, xml };
    return await new Promise((resolve, reject) => {
      this.pending.set(request.id, { resolve, reject });
      this.thread().postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }
}
