import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
} from '../shared/adapters/folder-certificate-store';
import { FolderSecretStore } from '../shared/adapters/secret-stores';
import { MemoryObjectStore } from '../shared/adapters/memory-object-store';
import { queryCfdiStatusAction } from '../shared/actions/query-cfdi-status';
import { satCertificatePath, verifyTimbreAction } from '../shared/actions/verify-timbre';
import { createConnectors } from '../shared/composition';
import {
  consultaRequest,
  consultaResponse,
  expressionOf,
  parseConsultaRequest,
  parseConsultaResponse,
  statusExpression,
} from '../shared/connectors/sat/consulta';
import type { ActionContext, ActionResult } from '../shared/engine/action';
import { PacStandIn } from '../shared/sandbox/pac-standin';
import { sealCfdi } from '../shared/signing/cfdi-seal';
import { satCertificateInfo, type SatCsd } from '../shared/signing/sat-csd';
import { cfdiOfSample } from './support/cfdi-samples';
import { onTeardown, tempDir } from './support/temp';

const EXPRESSION = {
  re: 'EKU9003173C9',
  rr: 'MCI7306249Y1',
  tt: '3733.02',
  id: '6F35D3B5-3651-5370-BC2C-14CDBE384CD7',
  fe: 'a+b/c==Q',
};

describe("SAT's CFDI status service: the SOAP codec", () => {
  it('asks with the printed expression, escaped, and reads it back', () => {
    const request = consultaRequest(EXPRESSION);
    expect(statusExpression(EXPRESSION)).toBe(
      '?re=EKU9003173C9&rr=MCI7306249Y1&tt=3733.02&id=6F35D3B5-3651-5370-BC2C-14CDBE384CD7&fe=a+b/c==Q',
    );
    expect(request).toContain('<tem:expresionImpresa>?re=EKU9003173C9&amp;rr=MCI7306249Y1&amp;tt=');
    // taken as printed: a seal's ending keeps its + and =
    expect(parseConsultaRequest(request)).toEqual(EXPRESSION);
  });

  it("reads SAT's answer as SAT writes it, empty fields included", () => {
    const status = {
      codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.',
      estado: 'Vigente',
      esCancelable: 'Cancelable con aceptación',
      estatusCancelacion: '',
      validacionEFOS: '200',
    };
    const answer = consultaResponse(status);
    expect(answer).toContain('<a:EstatusCancelacion/>');
    expect(parseConsultaResponse(answer)).toEqual(status);
  });

  it('a SOAP fault is a retryable error with its reason; anything else a clear refusal', () => {
    const fault =
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode>s:Server</faultcode><faultstring>Servicio no disponible</faultstring></s:Fault></s:Body></s:Envelope>';
    expect(() => parseConsultaResponse(fault)).toThrow(
      expect.objectContaining({
        code: 'sat.fault',
        retryable: true,
        message: expect.stringContaining('Servicio no disponible'),
      }),
    );
    expect(() => parseConsultaResponse('<html/>')).toThrow(
      expect.objectContaining({ code: 'sat.bad-answer' }),
    );
    expect(() =>
      parseConsultaResponse('<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'),
    ).toThrow(expect.objectContaining({ code: expect.stringMatching(/^xml\./) }));
  });

  it("SAT's certificate repository layout: 6, 6, 2, 2, 2 digits", () => {
    expect(satCertificatePath('00001000000504465028')).toBe('000010/000005/04/46/50');
  });
});

describe('query-cfdi-status and verify-timbre against the PAC stand-in', () => {
  let standIn: PacStandIn;
  let stamped: string;
  const dir = tempDir();
  const connectors = createConnectors(
    new MemoryObjectStore(),
    new FolderCertificateStore(dir),
    new FolderSecretStore(dir),
  );

  beforeAll(async () => {
    standIn = new PacStandIn({ port: 0 });
    await standIn.start();
    onTeardown(() => standIn.stop());
    await ensureSelfSignedCertificate(dir, 'csd', 'EKU9003173C9 test CSD', 730, {
      rfc: 'EKU9003173C9',
      noCertificado: '30001000000500000011',
    });
    const credential = await new FolderCertificateStore(dir).get('csd');
    const csd: SatCsd = { ...credential, ...satCertificateInfo(credential.certificates[0]!) };
    const fecha = new Date(Date.now() + 60_000 - 6 * 3_600_000).toISOString().slice(0, 19);
    const sealed = sealCfdi(cfdiOfSample('ingreso.json', fecha), csd);
    const answer = (await (
      await fetch(`${standIn.url}/cfdi40/stamp`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml' },
        body: sealed,
      })
    ).json()) as { code: string; cfdi: string };
    expect(answer.code).toBe('200');
    stamped = Buffer.from(answer.cfdi, 'base64').toString('utf8');
  });

  /** Runs an action's step once, as the pipeline would, with `files` as the document's artifacts. */
  async function run(
    action: ReturnType<typeof queryCfdiStatusAction>,
    params: Record<string, unknown>,
    files: Record<string, string> = { 'cfdi-timbrado.xml': stamped },
    history: unknown[] = [],
  ): Promise<{ result: ActionResult; written: Record<string, string> }> {
    const written: Record<string, string> = {};
    const context = {
      params,
      step: { id: 'status', action: action.name },
      record: { history },
      stepStartedAt: new Date(),
      signal: new AbortController().signal,
      readArtifact: (name: string) =>
        name in files ? Promise.resolve(Buffer.from(files[name]!)) : Promise.reject(new Error(`no ${name}`)),
      writeArtifact: (name: string, content: Buffer | string) => {
        written[name] = content.toString();
        return Promise.resolve();
      },
    } as unknown as ActionContext;
    return { result: await action.run(context), written };
  }

  it('finds the stamped CFDI Vigente, by the expression read from it', async () => {
    const query = queryCfdiStatusAction(connectors);
    const { result, written } = await run(query, {
      url: `${standIn.url}/ConsultaCFDIService.svc`,
      until: 'valid',
    });
    expect(result).toMatchObject({ outcome: 'accepted', variables: { estado: 'Vigente' } });
    expect(JSON.parse(written['sat-status.json']!)).toMatchObject({
      expression: expressionOf(stamped),
      codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.',
    });
  });

  it('another seal ending is not found: pending while SAT may not list it yet, asked again paced', async () => {
    const query = queryCfdiStatusAction(connectors);
    const { result } = await run(query, {
      url: `${standIn.url}/ConsultaCFDIService.svc`,
      until: 'valid',
      ...expressionOf(stamped),
      fe: 'AAAAAAAA',
      interval: '2s',
    });
    expect(result).toMatchObject({ outcome: 'pending', postpone: true, retryAfterMs: 2000 });
    expect(result.message).toMatch(/no encontrado/i);
    // any answer will do: recorded, accepted
    const any = await run(query, {
      url: `${standIn.url}/ConsultaCFDIService.svc`,
      ...expressionOf(stamped),
      fe: 'AAAAAAAA',
    });
    expect(any.result).toMatchObject({ outcome: 'accepted', variables: { estado: 'No Encontrado' } });
  });

  it('a document that is not a stamped CFDI is refused, located', async () => {
    const query = queryCfdiStatusAction(connectors);
    const { result } = await run(
      query,
      { url: `${standIn.url}/ConsultaCFDIService.svc` },
      {
        'cfdi-timbrado.xml': cfdiOfSample('ingreso.json', '2026-11-27T10:00:00'),
      },
    );
    expect(result).toMatchObject({ outcome: 'rejected', code: 'cfdi.not-stamped' });
    expect(result.details?.map((d) => d.path)).toEqual(expect.arrayContaining(['/id', '/fe']));
  });

  it("verifies SelloSAT with SAT's certificate from the repository, or from the folder", async () => {
    const verify = verifyTimbreAction(connectors);
    const fromRepository = await run(verify, { certificateUrl: `${standIn.url}/certificates` });
    expect(fromRepository.result).toMatchObject({ outcome: 'accepted' });
    const folder = tempDir();
    writeFileSync(join(folder, `${standIn.noCertificadoSat}.cer`), standIn.certificatePem);
    const fromFolder = await run(verifyTimbreAction(connectors), { certificates: folder });
    expect(fromFolder.result).toMatchObject({ outcome: 'accepted' });
  });

  it('a stamp changed after the PAC made it is rejected, located; a certificate nowhere to be had is transient', async () => {
    const verify = verifyTimbreAction(connectors);
    const changed = stamped.replace(/FechaTimbrado="([^"]+)"/, 'FechaTimbrado="2020-01-01T00:00:00"');
    expect(changed).not.toBe(stamped);
    const { result } = await run(
      verify,
      { certificateUrl: `${standIn.url}/certificates` },
      { 'cfdi-timbrado.xml': changed },
    );
    expect(result).toMatchObject({ outcome: 'rejected', code: 'timbre.invalid' });
    expect(result.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'tfd.seal-invalid', path: 'tfd:TimbreFiscalDigital/@SelloSAT' }),
      ]),
    );
    // another SAT certificate than the stand-in's: not in the folder, not in the repository
    const other = stamped.replace(/NoCertificadoSAT="\d+"/, 'NoCertificadoSAT="00001000000504465028"');
    const empty = tempDir();
    await expect(
      run(
        verifyTimbreAction(connectors),
        { certificates: empty, certificateUrl: `${standIn.url}/certificates` },
        {
          'cfdi-timbrado.xml': other,
        },
      ),
    ).rejects.toMatchObject({ code: 'timbre.certificate-unavailable', retryable: true });
  });
});
