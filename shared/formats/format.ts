import { invalidInput } from '../errors';
import type { CanonicalInvoice } from '../model/invoice';
import type { RuleSet } from '../model/rule-sets';

/**
 * An e-invoice format: turns a valid canonical invoice into the bytes of an e-invoice and, where it can,
 * reads such a document back into the canonical model.
 */
export interface OutputFormat {
  readonly id: string;
  readonly description: string;
  readonly contentType: string;
  /** File extension of the output, without the dot. */
  readonly extension: string;
  /** Rule sets a document must also pass to be valid in this format (PEPPOL's, XRechnung's, …). */
  readonly rules?: readonly RuleSet[];
  /** `owned`: the caller gives the invoice up (it was just parsed), so it may be completed in place. */
  render(invoice: CanonicalInvoice, options?: { owned?: boolean }): string;
  /**
   * Reads a document of this format into the canonical model (not yet validated); throws `EInvoiceError`
   * (`xml.*` for unsafe or malformed XML, `convert.unknown-document` for another kind of document).
   */
  parse?(content: string): CanonicalInvoice;
  /** As `parse`, and where the document has elements the format does not read (their locations). */
  read?(content: string): { invoice: CanonicalInvoice; unread: string[] };
}

/** Formats by id; an unknown or duplicate id is a coded error. */
export class FormatRegistry {
  private readonly formats = new Map<string, OutputFormat>();

  register(format: OutputFormat): this {
    if (this.formats.has(format.id))
      throw invalidInput('format.duplicate', `Format "${format.id}" is registered twice`);
    this.formats.set(format.id, format);
    return this;
  }

  get(id: string): OutputFormat {
    const format = this.formats.get(id);
    if (!format) {
      throw invalidInput(
        'format.unknown',
        `Unknown format "${id}"; known: ${[...this.formats.keys()].join(', ')}`,
      );
    }
    return format;
  }

  list(): OutputFormat[] {
    return [...this.formats.values()];
  }
}
