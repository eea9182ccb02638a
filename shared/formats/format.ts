import { invalidInput } from '../errors';
import type { CanonicalInvoice } from '../model/invoice';

/** A target format: turns a valid canonical invoice into the bytes of an e-invoice. */
export interface OutputFormat {
  readonly id: string;
  readonly description: string;
  readonly contentType: string;
  /** File extension of the output, without the dot. */
  readonly extension: string;
  render(invoice: CanonicalInvoice): string;
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
