import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureSelfSignedCertificate } from '../shared/adapters/folder-certificate-store';
import type { DocumentRecord } from '../shared/model/record';
import { PacStandIn, type PacStandInOptions } from '../shared/sandbox/pac-standin';
import { cadenaOriginal } from '../shared/signing/cfdi-cadena';
import { verifyCfdiSeal, verifyTimbre } from '../shared/signing/cfdi-seal';
import { packageRoot } from '../shared/util/package-root';
import { startRuntime, type RuntimeProcess } from './support/runtime';
import { runtimeApi } from './support/runtime-api';
import { onTeardown, tempDir } from './support/temp';

/**
 * The Mexican feature end to end on the embedded runtime (the built CLI) against the PAC stand-in: the CFDI
 * made with SAT's figures, sealed with the company's CSD (a test CSD made here, as the demo makes one),
 * stamped, the stamped CFDI kept; a lost answer recovered from the PAC's 307, never stamped twice.
 */
describe('Mexico: CFDI 4.0 sealed and stamped by the PAC stand-in', () => {
  let runtime: RuntimeProcess;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = tempDir();
    runtime = await startRuntime(dataDir, { PAC_URL: '' });
    onTeardown(() => runtime.stop());
    expect((await api('PUT', '/features/mx-cfdi-pac', {})).status).toBe(200);
    // the company's CSD in the tenant's key folder, as SAT issues one: its RFC and certificate number
    await ensureSelfSignedCertificate(join(dataDir, 'keys'), 'local--mx-csd', 'EKU9003173C9 test CSD', 730, {
      rfc: 'EKU9003173C9',
      noCertificado: '30001000000500000007',
    });
  }, 60_000);

  const { api, submitSample, artifact } = runtimeApi(() => runtime);

  let companies = 0;
  async function pac(options: PacStandInOptions = {}) {
    const standIn = new PacStandIn({ port: 0, ...options });
    await standIn.start();
    onTeardown(() => standIn.stop());
    const companyId = `mx-${++companies}`;
    const set = await api('PUT', `/features/mx-cfdi-pac/companies/${companyId}`, {
      csd: 'mx-csd',
      pacUrl: standIn.url,
      // the stand-in plays SAT's status service and certificate repository too
      statusUrl: `${standIn.url}/ConsultaCFDIService.svc`,
      satCertificatesUrl: `${standIn.url}/certificates`,
    });
    expect(set.status).toBe(200);
    return { standIn, companyId };
  }

  const submit = (companyId: string, name: string, change?: (document: Record<string, any>) => void) =>
    submitSample('mx', companyId, name, change);

  it('stamps each sample: sealed with the CSD, SAT figures per concept, the stamp verified with the PAC certificate', async () => {
    const { standIn, companyId } = await pac();
    const names = readdirSync(join(packageRoot(), 'samples', 'mx')).filter((n) => n.endsWith('.json'));
    expect(names).toHaveLength(6);
    for (const name of names) {
      const record = await submit(companyId, name);
      expect({ name, status: record.status }).toEqual({ name, status: 'completed' });
      const stamped = await artifact(record, 'cfdi-timbrado.xml');
      expect(stamped).toContain(`UUID="${record.variables!.uuid}"`);
      const seal = verifyCfdiSeal(stamped);
      expect(seal).toMatchObject({ valid: true, noCertificado: '30001000000500000007', rfc: 'EKU9003173C9' });
      expect(verifyTimbre(stamped, standIn.certificatePem)).toMatchObject({ valid: true });
      // the seal verifies with openssl, independently of the product
      const dir = tempDir();
      writeFileSync(join(dir, 'cadena.txt'), cadenaOriginal(stamped));
      writeFileSync(join(dir, 'sello.bin'), Buffer.from(/ Sello="([^"]+)"/.exec(stamped)![1]!, 'base64'));
      const certificate = new X509Certificate(
        Buffer.from(/ Certificado="([^"]+)"/.exec(stamped)![1]!, 'base64'),
      );
      writeFileSync(join(dir, 'key.pem'), certificate.publicKey.export({ type: 'spki', format: 'pem' }));
      const openssl = spawnSync(
        'openssl',
        [
          'dgst',
          '-sha256',
          '-verify',
          join(dir, 'key.pem'),
          '-signature',
          join(dir, 'sello.bin'),
          join(dir, 'cadena.txt'),
        ],
        { encoding: 'utf8' },
      );
      expect(openssl.stdout.trim()).toBe('Verified OK');
    }
    // Ingreso: SubTotal 4,174.16 less the discount of 956.04, IVA 16 % per concept (458.90 + 56.00)
    const ingreso = await artifact(
      await submit(companyId, 'ingreso.json', (d) => (d.id = 'A-1002')),
      'cfdi.xml',
    );
    expect(ingreso).toContain('SubTotal="4174.16" Descuento="956.04" Moneda="MXN" Total="3733.02"');
    expect(ingreso).toContain('TotalImpuestosTrasladados="514.90"');
    const retenciones = await artifact(
      await submit(companyId, 'retenciones.json', (d) => (d.id = 'H-302')),
      'cfdi.xml',
    );
    // honorarios: 10,000 + IVA 1,600 - ISR 1,000 - IVA withheld 1,066.67
    expect(retenciones).toContain('Total="9533.33"');
    expect(retenciones).toContain('TotalImpuestosRetenidos="2066.67"');
  });

  it('an answer lost after stamping: the same sealed CFDI again, the PAC answers 307 with the first stamp', async () => {
    const { standIn, companyId } = await pac({ faults: { timeoutAfterStamp: 1 } });
    const record = await submit(companyId, 'ingreso.json', (d) => (d.id = 'A-LOST-1'));
    expect(record.status).toBe('completed');
    const stamps = record.history.filter((h) => h.stepId === 'stamp' && h.action === 'submit-http');
    expect(stamps.map((h) => h.outcome)).toEqual(['transient', 'accepted']);
    expect(stamps[1]!.code).toBe('response.307');
    expect(standIn.stamps()).toHaveLength(1);
    expect(record.variables?.uuid).toBe(standIn.stamps()[0]!.uuid);
  });

  it('refuses what SAT refuses, with its code: a CSD of another RFC is stopped before sending', async () => {
    const { standIn, companyId } = await pac();
    const record = await submit(companyId, 'ingreso.json', (d) => {
      d.id = 'A-OTHER-1';
      d.seller.taxRegistrationId = 'AAA010101AAA';
      d.seller.legalRegistration = { id: 'AAA010101AAA' };
    });
    expect(record.status).toBe('failed');
    expect(record.history[record.history.length - 1]).toMatchObject({
      stepId: 'seal',
      code: 'csd.rfc-mismatch',
    });
    expect(standIn.stamps()).toHaveLength(0);
  });

  it('checks the Mexican extension with its schema, located', async () => {
    const { companyId } = await pac();
    const record = await submit(companyId, 'ingreso.json', (d) => {
      d.id = 'A-EXT-1';
      d.extensions = { ...d.extensions, 'mx.usoCFDI': 'Z99', 'mx.colonia': 'Centro' };
    });
    expect(record.status).toBe('rejected');
    const findings = JSON.parse(await artifact(record, 'validation.json')) as {
      problems: Array<{ code: string; path: string }>;
    };
    expect(
      findings.problems
        .filter((p) => p.code === 'extension.invalid')
        .map((p) => p.path)
        .sort(),
    ).toEqual(['/extensions/mx.colonia', '/extensions/mx.usoCFDI']);
  });

  async function related(id: string, data: unknown) {
    const answer = await api('POST', `/invoices/${id}/related`, { kind: 'cancel', data });
    expect(answer.status).toBe(202);
    const cancellation = (answer.json as { id: string }).id;
    for (let i = 0; i < 80; i++) {
      const record = (await api('GET', `/invoices/${cancellation}`)).json as DocumentRecord;
      if (['completed', 'rejected', 'failed'].includes(record.status)) return record;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`cancellation ${cancellation} did not end`);
  }

  it('cancels a stamped CFDI at the PAC (02), following SAT status until cancelled; 01 without a replacement is refused locally', async () => {
    const { standIn, companyId } = await pac({ delays: { acceptance: 300 } });
    const stamped = await submit(companyId, 'ingreso.json', (d) => (d.id = 'A-CANCEL-1'));
    expect(stamped.status).toBe('completed');
    expect(stamped.variables).toMatchObject({
      rfcEmisor: 'EKU9003173C9',
      rfcReceptor: 'MCI7306249Y1',
      total: '3733.02',
    });

    const refused = await related(stamped.id, { motivo: '01' });
    expect(refused.status).toBe('rejected');
    expect(refused.history[refused.history.length - 1]).toMatchObject({
      stepId: 'cancel',
      code: 'cancel.invalid',
    });
    expect(standIn.stats().cancellations).toEqual({});

    // over 1,000 MXN: the receiver must accept; the stand-in's receiver accepts after 300 ms
    const cancelled = await related(stamped.id, { motivo: '02' });
    expect(cancelled.status).toBe('completed');
    expect(cancelled.variables).toMatchObject({ estado: 'Cancelado' });
    expect(cancelled.history.filter((h) => h.stepId === 'status').map((h) => h.outcome)).toContain(
      'accepted',
    );
    const status = standIn.status({
      re: 'EKU9003173C9',
      rr: 'MCI7306249Y1',
      tt: '3733.02',
      id: stamped.variables!.uuid!,
      fe: stamped.variables!.selloTail!,
    });
    expect(status).toMatchObject({ estado: 'Cancelado', estatusCancelacion: 'Cancelado con aceptación' });
  });
});
