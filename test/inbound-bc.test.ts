import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CompanySetup } from '../shared/edoc/setup';
import type { DocumentRecord } from '../shared/model/record';
import { packageRoot } from '../shared/util/package-root';
import { BcStandIn } from './support/bc-standin';
import { corpusDir } from './support/corpus';
import { createHarness, TENANT, type Harness } from './support/harness';
import { onTeardown } from './support/temp';

const SAMPLE = JSON.parse(
  readFileSync(join(packageRoot(), 'samples', 'edoc', 'transfer.json'), 'utf8'),
) as Record<string, unknown>;
const SETUP: CompanySetup = {
  companyId: 'CRONUS',
  extDocNoMandatory: true,
  dimensionCodes: ['COSTCENTER'],
  vendorNumbers: { GB1232434: 'V30000' },
};

describe('inbound flows to Business Central (on the embedded runtime, against a BC stand-in)', () => {
  let bc: BcStandIn;
  let h: Harness;

  beforeEach(async () => {
    const server = new BcStandIn();
    await server.start();
    onTeardown(() => server.stop());
    bc = server;
    h = await createHarness(
      { BC_API_URL: bc.apiUrl, BC_TOKEN_URL: bc.tokenUrl, BC_CLIENT_ID: bc.client.id },
      undefined,
      { realClock: true },
    );
    mkdirSync(join(h.settings.keyDir, 'secrets'), { recursive: true });
    writeFileSync(join(h.settings.keyDir, 'secrets', 'bc-client-secret'), bc.client.secret);
    await h.services.tenants.setCompany(TENANT, 'CRONUS', SETUP);
  });

  const inbound = async (content: string, contentType: string, format: string): Promise<DocumentRecord> => {
    const { record } = await h.services.pipeline.submit({
      tenantId: TENANT,
      context: { direction: 'inbound', format, companyId: 'CRONUS' },
      content: Buffer.from(content),
      contentType,
    });
    return h.services.pipeline.waitForTerminal(TENANT, record.id, 30_000, 20);
  };

  it('edoc-to-bc: checks the transfer document, maps it, creates the purchase invoice through the API', async () => {
    const done = await inbound(JSON.stringify(SAMPLE), 'application/json', 'edoc-transfer');
    expect(done.flowId).toBe('edoc-to-bc');
    expect(done.status).toBe('completed');
    expect(done.variables).toMatchObject({
      bcPath: 'companies(CRONUS)/purchaseInvoices',
      bcDocumentNumber: 'PI-1001',
    });
    expect(bc.calls).toHaveLength(1);
    const call = bc.calls[0]!;
    expect(call.path).toBe('companies(CRONUS)/purchaseInvoices');
    expect(call.body).toMatchObject({
      vendorNumber: 'V10000',
      vendorInvoiceNumber: 'R-2026-17',
      postingDate: '2026-11-05',
    });
    expect(call.body.purchaseInvoiceLines).toEqual([
      expect.objectContaining({
        sequence: 10000,
        lineType: 'Item',
        quantity: 2,
        unitCost: 150,
        dimensionSetLines: [{ code: 'COSTCENTER', valueCode: '1000' }],
      }),
      expect.objectContaining({ sequence: 20000, lineType: 'Item' }),
      expect.objectContaining({ sequence: 30000, lineType: 'Charge', lineObjectNumber: 'FREIGHT' }),
    ]);
    const records = JSON.parse(
      (await h.services.pipeline.artifact(TENANT, done.id, 'bc-records.json')).content.toString(),
    ) as {
      records: Array<{ table: number }>;
    };
    expect(records.records.map((r) => r.table)).toEqual([38, 39, 39, 39, 5805, 5805, 480, 480]);
  });

  it('edoc-to-bc: a document with errors is rejected with every problem, and BC is not called', async () => {
    const header = { ...(SAMPLE.header as object), external_number: undefined, vendor_nmae: 'x' };
    const done = await inbound(JSON.stringify({ ...SAMPLE, header }), 'application/json', 'edoc-transfer');
    expect(done.status).toBe('rejected');
    expect(done.history.at(-1)).toMatchObject({
      stepId: 'check',
      code: 'edoc.invalid',
      message: expect.stringContaining('2 errors'),
    });
    expect(done.history.at(-1)!.message).toContain('[edoc.unknown-field] /header/vendor_nmae');
    expect(done.history.at(-1)!.message).toContain('[setting extDocNoMandatory]');
    expect(bc.calls).toEqual([]);
  });

  it("edoc-to-bc: another company's document is not imported", async () => {
    const done = await inbound(
      JSON.stringify({ ...SAMPLE, header: { ...(SAMPLE.header as object), company_id: 'OTHER' } }),
      'application/json',
      'edoc-transfer',
    );
    expect(done).toMatchObject({ status: 'rejected' });
    expect(done.history.at(-1)).toMatchObject({ code: 'edoc.not-imported' });
  });

  it('edoc-to-bc with Posting Journal: journal lines in one $batch', async () => {
    await h.services.tenants.setCompany(TENANT, 'CRONUS', { ...SETUP, costDocumentType: 'posting_journal' });
    const document = {
      ...SAMPLE,
      header: { ...(SAMPLE.header as object), workflow_type: 'Invoice without order reference' },
      positions: [
        { ...(SAMPLE.positions as object[])[0], account: '6100', gross_amount: 357, order_number: undefined },
      ],
    };
    const done = await inbound(JSON.stringify(document), 'application/json', 'edoc-transfer');
    expect(done.status).toBe('completed');
    expect(bc.calls[0]!.path).toBe('$batch');
    const requests = bc.calls[0]!.body.requests as Array<{ url: string; body: Record<string, unknown> }>;
    expect(requests.map((r) => [r.url, r.body.accountType, r.body.amount])).toEqual([
      ['companies(CRONUS)/journals(DEFAULT)/journalLines', 'Vendor', -523.6],
      ['companies(CRONUS)/journals(DEFAULT)/journalLines', 'G/L Account', 357],
    ]);
  });

  it("BC's refusal (an unknown vendor) rejects the document with BC's message", async () => {
    const done = await inbound(
      JSON.stringify({ ...SAMPLE, header: { ...(SAMPLE.header as object), vendor_id: 'V99999' } }),
      'application/json',
      'edoc-transfer',
    );
    expect(done.status).toBe('rejected');
    expect(done.history.at(-1)).toMatchObject({
      stepId: 'submit',
      code: 'submit.http-400',
      message: expect.stringContaining(
        "Internal_RecordNotFound: The Vendor does not exist. Identification fields and values: No.='V99999'",
      ),
    });
  });

  const corpus = corpusDir();
  (corpus ? it : it.skip)(
    'ubl-to-bc: a PEPPOL BIS 3 vendor invoice becomes a BC purchase invoice',
    async () => {
      const xml = readFileSync(
        join(corpus!, 'peppol-bis-invoice-3', 'rules', 'examples', 'base-example.xml'),
        'utf8',
      );
      const done = await inbound(xml, 'application/xml', 'peppol-bis3-ubl');
      expect(done.flowId).toBe('ubl-to-bc');
      expect(done.status).toBe('completed');
      expect(done.history.map((e) => e.stepId).filter((s, i, all) => all.indexOf(s) === i)).toEqual([
        'read',
        'validate',
        'to-edoc',
        'check',
        'map',
        'submit',
        'answer',
      ]);
      expect(bc.calls[0]).toMatchObject({
        path: 'companies(CRONUS)/purchaseInvoices',
        body: { vendorNumber: 'V30000', vendorInvoiceNumber: 'Snippet1' },
      });
      expect((bc.calls[0]!.body.purchaseInvoiceLines as unknown[]).length).toBe(2);
      const transfer = JSON.parse(
        (await h.services.pipeline.artifact(TENANT, done.id, 'transfer.json')).content.toString(),
      ) as {
        header: Record<string, unknown>;
      };
      expect(transfer.header).toMatchObject({ ecm_id: done.id, company_id: 'CRONUS', vendor_id: 'V30000' });
    },
  );
});
