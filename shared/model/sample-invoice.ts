import type { CanonicalInvoice, InvoiceLine } from './invoice';

/**
 * A realistic canonical invoice with `lineCount` lines at mixed VAT rates (19 % and 7 %), for benchmarks
 * and tests. Deterministic: the same count always gives the same document. Totals are left to the
 * calculation (fill mode).
 */
export function sampleInvoice(lineCount = 20, id = 'INV-2026-0001'): CanonicalInvoice {
  const lines: InvoiceLine[] = Array.from({ length: lineCount }, (_, i) => ({
    id: String(i + 1),
    quantity: String((i % 7) + 1),
    unitCode: i % 3 === 0 ? 'HUR' : 'C62',
    price: { net: (i * 13.37 + 9.99).toFixed(2) },
    vat: { category: 'S', rate: i % 4 === 0 ? '7' : '19' },
    item: {
      name: `Item ${i + 1}: ${i % 3 === 0 ? 'Consulting hour' : 'Hardware component'}`,
      sellerId: `SKU-${1000 + i}`,
    },
  }));
  return {
    id,
    typeCode: '380',
    issueDate: '2026-11-02',
    dueDate: '2026-12-02',
    currency: 'EUR',
    buyerReference: '04011000-12345-03',
    orderReference: 'PO-4711',
    notes: [{ text: 'Thank you for your order.' }],
    seller: {
      name: 'Muster Software GmbH',
      vatId: 'DE123456789',
      legalRegistration: { id: 'HRB 12345' },
      endpoint: { scheme: '9930', id: 'DE123456789' },
      address: { street: 'Hauptstraße 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      contact: { name: 'Erika Muster', phone: '+49 30 1234567', email: 'billing@muster.example' },
    },
    buyer: {
      name: 'Beispiel AG',
      vatId: 'DE987654321',
      endpoint: { scheme: '9930', id: 'DE987654321' },
      address: { street: 'Marktplatz 5', city: 'München', postalCode: '80331', country: 'DE' },
    },
    payment: {
      meansCode: '58',
      remittanceInformation: id,
      creditTransfers: [
        {
          accountId: 'DE75512108001245126199',
          accountName: 'Muster Software GmbH',
          serviceProviderId: 'SOGEDEFFXXX',
        },
      ],
    },
    paymentTerms: 'Net 30 days',
    lines,
  };
}
