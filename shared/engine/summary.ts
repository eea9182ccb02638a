import { calculate } from '../model/calculation';
import type { CanonicalInvoice } from '../model/invoice';
import type { DocumentSummary } from '../model/record';
import { isObject, parseJson } from '../util/json';
import type { DetectedInput } from './input';

type Json = Record<string, unknown>;

function text(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim().slice(0, 200);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function member(value: unknown, key: string): unknown {
  return isObject(value) ? value[key] : undefined;
}

/** Keeps only the fields that have a value, so that a record carries no empty summary members. */
function compact(summary: DocumentSummary): DocumentSummary | undefined {
  const counterparty = summary.counterparty && {
    ...(summary.counterparty.name ? { name: summary.counterparty.name } : {}),
    ...(summary.counterparty.id ? { id: summary.counterparty.id } : {}),
  };
  const result: DocumentSummary = {
    ...(summary.documentNumber ? { documentNumber: summary.documentNumber } : {}),
    ...(counterparty && Object.keys(counterparty).length > 0 ? { counterparty } : {}),
    ...(summary.amount ? { amount: summary.amount } : {}),
    ...(summary.currency ? { currency: summary.currency } : {}),
  };
  return Object.keys(result).length > 0 ? result : undefined;
}

function party(value: unknown): DocumentSummary['counterparty'] {
  const id =
    text(member(value, 'vatId')) ??
    text(member(value, 'taxRegistrationId')) ??
    text(member(member(value, 'legalRegistration'), 'id')) ??
    text(member(member(value, 'endpoint'), 'id'));
  return {
    ...(text(member(value, 'name')) ? { name: text(member(value, 'name')) } : {}),
    ...(id ? { id } : {}),
  };
}

/**
 * The invoice total with VAT (BT-112): as sent, or as the EN 16931 calculation completes it (in place: the
 * document is the summary's own parse, read for nothing else once the total is known).
 */
function invoiceTotal(document: Json): string | undefined {
  const given = text(member(member(document, 'totals'), 'taxInclusive'));
  if (given) return given;
  try {
    return text(
      member(
        calculate(document as unknown as CanonicalInvoice, 'fill', { inPlace: true }).invoice.totals,
        'taxInclusive',
      ),
    );
  } catch {
    return undefined; // a document the calculation cannot complete is judged by its validation step
  }
}

function paymentTotal(document: Json): { amount?: string; currency?: string } {
  const payments = Array.isArray(document.payments) ? document.payments : [];
  const currencies = new Set(payments.map((p) => text(member(p, 'currency'))));
  if (currencies.size !== 1) return {}; // payments in several currencies have no one amount
  const cents = payments.reduce<bigint | undefined>((sum, p) => {
    const amount = text(member(p, 'amount'));
    const match = amount ? /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount) : null;
    return sum === undefined || !match
      ? undefined
      : sum + BigInt(match[1]! + (match[2] ?? '').padEnd(2, '0'));
  }, 0n);
  const currency = [...currencies][0];
  if (cents === undefined) return currency ? { currency } : {};
  const amount = `${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`;
  return { amount, ...(currency ? { currency } : {}) };
}

/**
 * What an operator scans a list of documents by: the document's number, the other party, the amount and its
 * currency, read from the submitted JSON at intake. The counterparty is the buyer of an outbound document and
 * the seller (vendor) of an inbound one. XML input and documents without these fields get no summary (or a
 * partial one); the summary is a convenience for people, never an input to processing.
 */
export function summarize(
  detected: DetectedInput,
  content: Buffer,
  contentType: string,
  direction: string | undefined,
): DocumentSummary | undefined {
  if (/xml/i.test(contentType)) return undefined;
  const parsed = parseJson(content.toString('utf8'));
  if (!parsed.ok || !isObject(parsed.value)) return undefined;
  const body = parsed.value;
  switch (detected.kind) {
    case 'edoc-transfer': {
      const header = member(body, 'header');
      return compact({
        documentNumber: text(member(header, 'external_number')) ?? text(member(header, 'ecm_id')),
        counterparty: {
          name: text(member(header, 'vendor_name')),
          id: text(member(header, 'vendor_vat_id')) ?? text(member(header, 'vendor_id')),
        },
        amount: text(member(header, 'gross')),
        currency: text(member(header, 'currency')),
      });
    }
    case 'payment':
      return compact({
        documentNumber: text(body.id),
        counterparty: party(direction === 'inbound' ? body.seller : body.buyer),
        ...paymentTotal(body),
      });
    default:
      return compact({
        documentNumber: text(body.id),
        counterparty: party(direction === 'inbound' ? body.seller : body.buyer),
        amount: invoiceTotal(body),
        currency: text(body.currency),
      });
  }
}
