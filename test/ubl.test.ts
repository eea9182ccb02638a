import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CanonicalInvoice } from '../shared/model/invoice';
import { XMLParser } from 'fast-xml-parser';
import { renderPeppolUbl } from '../shared/formats/peppol-ubl';
import { signEnveloped } from '../shared/signing/xmldsig';
import { sampleInvoice } from '../shared/model/sample-invoice';
import { describeWithCorpus } from './support/corpus';
import { fullInvoice } from './support/full-invoice';
import { testSigner } from './support/signer';
import { validateXsd } from './support/xsd';

describe('PEPPOL BIS 3 UBL output', () => {
  const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, parseTagValue: false });

  it('carries the computed totals and the PEPPOL identifiers', () => {
    const invoice = sampleInvoice(2);
    invoice.lines = [
      {
        id: '1',
        quantity: '3',
        unitCode: 'C62',
        price: { net: '19.99' },
        item: { name: 'A' },
        vat: { category: 'S', rate: '19' },
      },
      {
        id: '2',
        quantity: '1.5',
        unitCode: 'HUR',
        price: { net: '100' },
        item: { name: 'B' },
        vat: { category: 'S', rate: '7' },
      },
    ];
    const doc = parser.parse(renderPeppolUbl(invoice)) as { Invoice: Record<string, any> };
    const root = doc.Invoice;
    expect(root.CustomizationID).toBe(
      'urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0',
    );
    expect(root.LegalMonetaryTotal.LineExtensionAmount['#text']).toBe('209.97');
    expect(root.TaxTotal.TaxAmount['#text']).toBe('21.89'); // 59.97 × 19 % = 11.39; 150 × 7 % = 10.50
    expect(root.LegalMonetaryTotal.PayableAmount['#text']).toBe('231.86');
    expect(root.InvoiceLine[1].InvoicedQuantity).toMatchObject({ '#text': '1.5', '@_unitCode': 'HUR' });
  });

  it('escapes text so that markup in a name cannot break the document', () => {
    const invoice = sampleInvoice(1);
    invoice.seller.name = 'Smith & Sons <Ltd> "quoted"';
    const xml = renderPeppolUbl(invoice);
    expect(xml).toContain('Smith &amp; Sons &lt;Ltd&gt; &quot;quoted&quot;');
    expect(
      (parser.parse(xml) as { Invoice: Record<string, any> }).Invoice.AccountingSupplierParty.Party
        .PartyLegalEntity.RegistrationName,
    ).toBe('Smith & Sons <Ltd> "quoted"');
  });
});

describeWithCorpus(
  'UBL 2.1 schema validity (official XSD from the reference corpus)',
  ['oasis-ubl-2.1/xsd'],
  (corpus) => {
    const xsd = (root: string) => join(corpus, 'oasis-ubl-2.1', 'xsd', 'maindoc', `UBL-${root}-2.1.xsd`);

    it('invoices of 1, 20 and 100 lines, unsigned and signed, are valid UBL 2.1 Invoices', async () => {
      const { key } = await testSigner('test');
      const documents: Record<string, string> = {};
      for (const lines of [1, 20, 100]) {
        const xml = renderPeppolUbl(sampleInvoice(lines));
        documents[`invoice-${lines}.xml`] = xml;
        documents[`signed-${lines}.xml`] = signEnveloped(xml, key, 'ubl-extensions').xml;
      }
      const results = await validateXsd(xsd('Invoice'), documents);
      expect(results.map((r) => [r.file, r.errors])).toEqual(Object.keys(documents).map((f) => [f, []]));
    });

    it('a credit note is a valid UBL 2.1 CreditNote', async () => {
      const creditNote = sampleInvoice(3);
      creditNote.typeCode = '381';
      creditNote.precedingInvoices = [{ id: 'INV-2026-0001', issueDate: '2026-11-02' }];
      const [result] = await validateXsd(xsd('CreditNote'), {
        'credit-note.xml': renderPeppolUbl(creditNote),
      });
      expect(result!.errors).toEqual([]);
    });

    it('every sample, in every scenario, renders to a valid UBL 2.1 document', async () => {
      const samples = join(__dirname, '..', 'samples');
      const invoices: Record<string, string> = {};
      const creditNotes: Record<string, string> = {};
      for (const file of readdirSync(samples).filter((f) => f.endsWith('.json'))) {
        const { document } = JSON.parse(readFileSync(join(samples, file), 'utf8')) as {
          document: CanonicalInvoice;
        };
        const xml = renderPeppolUbl(document);
        if (xml.includes('<CreditNote ')) creditNotes[file.replace('.json', '.xml')] = xml;
        else invoices[file.replace('.json', '.xml')] = xml;
      }
      expect(Object.keys(creditNotes)).toEqual(['credit-note.xml']);
      const results = [
        ...(await validateXsd(xsd('Invoice'), invoices)),
        ...(await validateXsd(xsd('CreditNote'), creditNotes)),
      ];
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
      expect(results).toHaveLength(Object.keys(invoices).length + 1);
    });

    it('an invoice and a credit note that use every business term are valid UBL 2.1', async () => {
      const [invoice] = await validateXsd(xsd('Invoice'), {
        'full-invoice.xml': renderPeppolUbl(fullInvoice('380')),
      });
      const [creditNote] = await validateXsd(xsd('CreditNote'), {
        'full-credit-note.xml': renderPeppolUbl(fullInvoice('381')),
      });
      expect(invoice!.errors).toEqual([]);
      expect(creditNote!.errors).toEqual([]);
    });

    it('the schema check itself finds a misplaced element (the check can fail)', async () => {
      const xml = renderPeppolUbl(sampleInvoice(1)).replace(
        /(<cbc:DocumentCurrencyCode>EUR<\/cbc:DocumentCurrencyCode>)/,
        '$1<cbc:Bogus>1</cbc:Bogus>',
      );
      const [result] = await validateXsd(xsd('Invoice'), { 'broken.xml': xml });
      expect(result!.errors.length).toBeGreaterThan(0);
      expect(result!.errors[0]!.message).toContain('Bogus');
    });
  },
);
