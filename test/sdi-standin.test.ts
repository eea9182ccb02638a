import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { dirname, join } from 'node:path';
import {
  ensureSelfSignedCertificate,
  FolderCertificateStore,
} from '../shared/adapters/folder-certificate-store';
import { parseNotification, verifyNotification, type SdiMessage } from '../shared/connectors/sdi/messages';
import {
  buildRiceviFattureResponse,
  buildRiceviFileRequest,
  parseRiceviFileResponse,
  parseRicezioneRequest,
  parseTrasmissioneRequest,
  type RiceviFileResponse,
  type TrasmissioneOperation,
} from '../shared/connectors/sdi/soap';
import { SdiStandIn, type SdiStandInOptions } from '../shared/sandbox/sdi-standin';
import { signCades } from '../shared/signing/cades';
import { signEnveloped } from '../shared/signing/xmldsig';
import { XSD_CATALOGUE } from '../shared/xml/xsd';
import { describeWithCorpus } from './support/corpus';
import { testSigner } from './support/signer';
import { eventually, onTeardown, tempDir } from './support/temp';
import { validateXsd } from './support/xsd';

// ---------------------------------------------------------------------------------------------------------
// A small FatturaPA 1.2 invoice (FPR12 to a business, FPA12 to a public administration).

interface InvoiceSpec {
  formato?: 'FPR12' | 'FPA12';
  codice?: string;
  numero?: string;
  data?: string;
  progressivo?: string;
  divisa?: string;
}

function fattura(spec: InvoiceSpec = {}): string {
  const formato = spec.formato ?? 'FPR12';
  const codice = spec.codice ?? (formato === 'FPA12' ? 'UFF001' : 'ABC1234');
  const sede =
    '<Sede><Indirizzo>Via Roma 1</Indirizzo><CAP>00100</CAP><Comune>Roma</Comune><Nazione>IT</Nazione></Sede>';
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<p:FatturaElettronica versione="${formato}" xmlns:p="http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">` +
    `<FatturaElettronicaHeader><DatiTrasmissione>` +
    `<IdTrasmittente><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdTrasmittente>` +
    `<ProgressivoInvio>${spec.progressivo ?? '00001'}</ProgressivoInvio><FormatoTrasmissione>${formato}</FormatoTrasmissione>` +
    `<CodiceDestinatario>${codice}</CodiceDestinatario></DatiTrasmissione>` +
    `<CedentePrestatore><DatiAnagrafici><IdFiscaleIVA><IdPaese>IT</IdPaese><IdCodice>01234567890</IdCodice></IdFiscaleIVA>` +
    `<Anagrafica><Denominazione>Fornitore Srl</Denominazione></Anagrafica><RegimeFiscale>RF01</RegimeFiscale></DatiAnagrafici>${sede}</CedentePrestatore>` +
    `<CessionarioCommittente><DatiAnagrafici><IdFiscaleIVA><IdPaese>IT</IdPaese><IdCodice>09876543210</IdCodice></IdFiscaleIVA>` +
    `<Anagrafica><Denominazione>Cliente Spa</Denominazione></Anagrafica></DatiAnagrafici>${sede}</CessionarioCommittente>` +
    `</FatturaElettronicaHeader><FatturaElettronicaBody><DatiGenerali><DatiGeneraliDocumento>` +
    `<TipoDocumento>TD01</TipoDocumento><Divisa>${spec.divisa ?? 'EUR'}</Divisa><Data>${spec.data ?? '2025-06-01'}</Data><Numero>${spec.numero ?? '1'}</Numero>` +
    `</DatiGeneraliDocumento></DatiGenerali><DatiBeniServizi><DettaglioLinee><NumeroLinea>1</NumeroLinea>` +
    `<Descrizione>Consulenza</Descrizione><PrezzoUnitario>100.00</PrezzoUnitario><PrezzoTotale>100.00</PrezzoTotale>` +
    `<AliquotaIVA>22.00</AliquotaIVA></DettaglioLinee><DatiRiepilogo><AliquotaIVA>22.00</AliquotaIVA>` +
    `<ImponibileImporto>100.00</ImponibileImporto><Imposta>22.00</Imposta></DatiRiepilogo></DatiBeniServizi>` +
    `</FatturaElettronicaBody></p:FatturaElettronica>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// The service's side, as small as a test needs: a TrasmissioneFatture endpoint that collects notifications.

interface Received {
  operation: TrasmissioneOperation;
  soapAction: string;
  contentType: string;
  identificativoSdI: string;
  nomeFile: string;
  xml: string;
  message: SdiMessage;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Answer the next n requests with HTTP 500. */
  failNext: number;
  requests: number;
  /** Waits for a notification of this type about this file. */
  next(type: SdiMessage['type'], identificativoSdI: string): Promise<Received>;
}

async function listen(server: Server): Promise<string> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  onTeardown(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

async function receiver(): Promise<Receiver> {
  const state: Receiver = {
    url: '',
    received: [],
    failNext: 0,
    requests: 0,
    next: (type, identificativoSdI) =>
      eventually(
        async () =>
          state.received.find((r) => r.message.type === type && r.identificativoSdI === identificativoSdI),
        10_000,
        `${type} for ${identificativoSdI}`,
      ),
  };
  const server = createServer((req, res) => {
    void bodyOf(req).then((body) => {
      state.requests++;
      if (state.failNext > 0) {
        state.failNext--;
        res.writeHead(500).end();
        return;
      }
      const soapAction = String(req.headers.soapaction ?? '');
      const contentType = String(req.headers['content-type'] ?? '');
      const request = parseTrasmissioneRequest(body, { contentType, soapAction });
      const xml = request.file.toString('utf8');
      state.received.push({
        operation: request.operation,
        soapAction,
        contentType,
        identificativoSdI: request.identificativoSdI,
        nomeFile: request.nomeFile,
        xml,
        message: parseNotification(xml),
      });
      res.writeHead(200).end();
    });
  });
  state.url = `${await listen(server)}/TrasmissioneFatture`;
  return state;
}

const FAST = { rc: 20, ne: 20, dt: 20, at: 20 };

async function standIn(options: SdiStandInOptions = {}): Promise<SdiStandIn> {
  const instance = new SdiStandIn({ port: 0, delays: FAST, push: { backoffMs: 20 }, ...options });
  await instance.start();
  onTeardown(() => instance.stop());
  return instance;
}

async function submit(
  sdi: SdiStandIn,
  nomeFile: string,
  file: string | Buffer,
  mtom = false,
): Promise<RiceviFileResponse> {
  const message = buildRiceviFileRequest({ nomeFile, file: Buffer.from(file) }, { mtom });
  const answer = await fetch(`${sdi.url}/SdIRiceviFile`, {
    method: 'POST',
    headers: { 'content-type': message.contentType, soapaction: `"${message.soapAction!}"` },
    body: typeof message.body === 'string' ? message.body : Uint8Array.from(message.body),
  });
  expect(answer.status).toBe(200);
  return parseRiceviFileResponse(
    Buffer.from(await answer.arrayBuffer()),
    answer.headers.get('content-type')!,
  );
}

async function filesNamed(sdi: SdiStandIn, nomeFile: string): Promise<Array<Record<string, any>>> {
  const answer = await fetch(`${sdi.url}/files?nomeFile=${encodeURIComponent(nomeFile)}`);
  return (await answer.json()) as Array<Record<string, any>>;
}

const stats = async (sdi: SdiStandIn) =>
  (await (await fetch(`${sdi.url}/stats`)).json()) as Record<string, any>;

// ---------------------------------------------------------------------------------------------------------

describe('the SDI stand-in: RiceviFile and the notifications of a file', () => {
  let rx: Receiver;
  let sdi: SdiStandIn;

  beforeAll(async () => {
    rx = await receiver();
    sdi = await standIn({ transmitterEndpoint: rx.url });
  });

  it('answers with an IdentificativoSdI, then pushes a signed RC for a valid FPR12', async () => {
    const answer = await submit(sdi, 'IT01234567890_00001.xml', fattura());
    expect(answer.errore).toBeUndefined();
    expect(answer.identificativoSdI).toMatch(/^\d+$/);
    expect(Date.parse(answer.dataOraRicezione)).toBeGreaterThan(Date.now() - 60_000);
    const rc = await rx.next('RC', answer.identificativoSdI);
    expect(rc.operation).toBe('RicevutaConsegna');
    expect(rc.soapAction).toBe('"http://www.fatturapa.it/TrasmissioneFatture/RicevutaConsegna"');
    expect(rc.contentType).toBe('text/xml; charset=utf-8');
    expect(rc.nomeFile).toBe('IT01234567890_00001_RC_001.xml');
    expect(rc.message).toMatchObject({
      type: 'RC',
      identificativoSdI: answer.identificativoSdI,
      nomeFile: 'IT01234567890_00001.xml',
      dataOraRicezione: answer.dataOraRicezione,
      destinatario: { codice: 'ABC1234' },
    });
    expect(verifyNotification(rc.xml, sdi.certificatePem).valid).toBe(true);
    expect(await (await fetch(`${sdi.url}/certificate`)).text()).toBe(sdi.certificatePem);
    const [file] = await filesNamed(sdi, 'IT01234567890_00001.xml');
    expect(file).toMatchObject({
      identificativoSdI: answer.identificativoSdI,
      state: 'delivered',
      outcome: 'rc',
    });
    expect(file!.notifications).toEqual([
      expect.objectContaining({
        type: 'RC',
        nomeFile: 'IT01234567890_00001_RC_001.xml',
        status: 'sent',
        attempts: 1,
      }),
    ]);
    const download = await fetch(
      `${sdi.url}/files/${answer.identificativoSdI}/IT01234567890_00001_RC_001.xml`,
    );
    expect(await download.text()).toBe(rc.xml);
  });

  it('discards the same file name again (NS 00002) and the same invoice under another name (NS 00404)', async () => {
    const again = await submit(sdi, 'IT01234567890_00001.xml', fattura({ numero: '99' }));
    const ns = await rx.next('NS', again.identificativoSdI);
    expect(ns.operation).toBe('NotificaScarto');
    expect(ns.nomeFile).toBe('IT01234567890_00001_NS_001.xml');
    expect(ns.message.errors).toEqual([
      { code: '00002', description: 'Nome file duplicato: IT01234567890_00001.xml' },
    ]);
    expect(verifyNotification(ns.xml, sdi.certificatePem).valid).toBe(true);

    const duplicate = await submit(sdi, 'IT01234567890_00002.xml', fattura());
    expect((await rx.next('NS', duplicate.identificativoSdI)).message.errors).toEqual([
      { code: '00404', description: 'Fattura duplicata: già trasmessa con IdentificativoSdI 1' },
    ]);
    // another number is another invoice
    const other = await submit(sdi, 'IT01234567890_00003.xml', fattura({ numero: '2' }));
    await rx.next('RC', other.identificativoSdI);
    expect(Number(other.identificativoSdI)).toBe(Number(duplicate.identificativoSdI) + 1);
  });

  it('discards a file name that is not IT<id>_<progressive>.xml or .xml.p7m (NS 00001)', async () => {
    for (const name of ['fattura.xml', 'IT01234567890_123456.xml', 'IT01234567890_00004.XML']) {
      const answer = await submit(sdi, name, fattura({ numero: name }));
      const ns = await rx.next('NS', answer.identificativoSdI);
      expect(ns.message.errors?.[0]?.code).toBe('00001');
    }
    expect((await stats(sdi)).ns['00001']).toBe(3);
  });

  it('discards what is not a FatturaPA, and a FatturaPA with an invalid XML signature (NS 00200, 00102)', async () => {
    const notXml = await submit(sdi, 'IT01234567890_00010.xml', '<a><b></a>');
    expect((await rx.next('NS', notXml.identificativoSdI)).message.errors?.[0]).toMatchObject({
      code: '00200',
    });
    const other = await submit(sdi, 'IT01234567890_00011.xml', '<Invoice xmlns="urn:x"/>');
    expect((await rx.next('NS', other.identificativoSdI)).message.errors?.[0]?.description).toContain(
      'FatturaElettronica',
    );
    const { key } = await testSigner('seller');
    const signed = signEnveloped(fattura({ numero: 'S1' }), key, 'root-end', { profile: 'xades-bes' }).xml;
    const ok = await submit(sdi, 'IT01234567890_00012.xml', signed);
    await rx.next('RC', ok.identificativoSdI);
    const tampered = await submit(sdi, 'IT01234567890_00013.xml', signed.replace('>S1<', '>S2<'));
    expect((await rx.next('NS', tampered.identificativoSdI)).message.errors?.[0]?.code).toBe('00102');
  });

  it('takes the file as MTOM/XOP too, and answers EI01 to an empty file', async () => {
    const mtom = await submit(sdi, 'IT01234567890_00020.xml', fattura({ numero: 'M1' }), true);
    await rx.next('RC', mtom.identificativoSdI);
    const empty = await submit(sdi, 'IT01234567890_00021.xml', '');
    expect(empty.errore).toBe('EI01');
    expect(await filesNamed(sdi, 'IT01234567890_00021.xml')).toEqual([]);
  });

  it('answers a request that is not RiceviFile with a SOAP Fault', async () => {
    const answer = await fetch(`${sdi.url}/SdIRiceviFile`, {
      method: 'POST',
      headers: { 'content-type': 'text/xml' },
      body: '<nonsense/>',
    });
    expect(answer.status).toBe(500);
    const text = await answer.text();
    expect(() => parseRiceviFileResponse(text)).toThrow(
      /SOAP Fault soapenv:Client: The root element is nonsense/,
    );
  });

  it('follows the scenario of the CodiceDestinatario: FPA12 RC then NE EC01; BBBBBB EC02; DDDDDD DT; XXXXXXX MC then AT', async () => {
    const pa = await submit(sdi, 'IT01234567890_00030.xml', fattura({ formato: 'FPA12', numero: 'PA1' }));
    const rc = await rx.next('RC', pa.identificativoSdI);
    const ne = await rx.next('NE', pa.identificativoSdI);
    expect(rx.received.indexOf(rc)).toBeLessThan(rx.received.indexOf(ne));
    expect(ne.operation).toBe('NotificaEsito');
    expect(ne.nomeFile).toBe('IT01234567890_00030_NE_002.xml');
    expect(ne.message).toMatchObject({
      esito: 'EC01',
      riferimentoFattura: { numero: 'PA1', anno: '2025' },
      nomeFile: 'IT01234567890_00030.xml',
    });
    expect(verifyNotification(ne.xml, sdi.certificatePem).valid).toBe(true);

    const refused = await submit(
      sdi,
      'IT01234567890_00031.xml',
      fattura({ formato: 'FPA12', codice: 'BBBBBB', numero: 'PA2' }),
    );
    expect((await rx.next('NE', refused.identificativoSdI)).message.esito).toBe('EC02');
    const expired = await submit(
      sdi,
      'IT01234567890_00032.xml',
      fattura({ formato: 'FPA12', codice: 'DDDDDD', numero: 'PA3' }),
    );
    await rx.next('RC', expired.identificativoSdI);
    expect((await rx.next('DT', expired.identificativoSdI)).operation).toBe('NotificaDecorrenzaTermini');

    const foreign = await submit(
      sdi,
      'IT01234567890_00033.xml',
      fattura({ codice: 'XXXXXXX', numero: 'F1' }),
    );
    const mc = await rx.next('MC', foreign.identificativoSdI);
    expect(mc.operation).toBe('NotificaMancataConsegna');
    const at = await rx.next('AT', foreign.identificativoSdI);
    expect(at.operation).toBe('AttestazioneTrasmissioneFattura');
    expect(at.message.hashFileOriginale).toBe(
      createHash('sha256')
        .update(fattura({ codice: 'XXXXXXX', numero: 'F1' }))
        .digest('hex'),
    );
    expect(
      rx.received.filter((r) => r.identificativoSdI === foreign.identificativoSdI).map((r) => r.message.type),
    ).toEqual(['MC', 'AT']);
    const [file] = await filesNamed(sdi, 'IT01234567890_00033.xml');
    expect(file).toMatchObject({ state: 'attested', outcome: 'mc-at' });
    const counts = await stats(sdi);
    expect(counts).toMatchObject({ ne: { EC01: 1, EC02: 1 }, dt: 1, mc: 1, at: 1 });
  });

  it('describes its endpoints and scenario rules', () => {
    const text = sdi.describe();
    expect(text).toContain(`POST ${sdi.url}/SdIRiceviFile`);
    expect(text).toContain(`notifications to  ${rx.url}`);
    expect(text).toContain('GET  ' + sdi.url + '/files?nomeFile=N');
    expect(text).toMatch(/AAAAAA +RC, then NE EC01/);
    expect(text).toMatch(/XXXXXXX +MC, then AT/);
    expect(text).toContain('other FPA12: RC, then NE EC01');
  });
});

describe('the SDI stand-in: faults', () => {
  it('answers EI02 to the next n submissions, storing nothing', async () => {
    const rx = await receiver();
    const sdi = await standIn({ transmitterEndpoint: rx.url, faults: { ei02Next: 1 } });
    const refused = await submit(sdi, 'IT01234567890_00001.xml', fattura());
    expect(refused).toMatchObject({ errore: 'EI02', identificativoSdI: '0' });
    expect(await filesNamed(sdi, 'IT01234567890_00001.xml')).toEqual([]);
    const taken = await submit(sdi, 'IT01234567890_00001.xml', fattura());
    expect(taken.errore).toBeUndefined();
    await rx.next('RC', taken.identificativoSdI);
    expect(await stats(sdi)).toMatchObject({ received: 1, ei02: 1, rc: 1 });
  });

  it('answers EI02 at the configured rate', async () => {
    const sdi = await standIn({ faults: { ei02Rate: 0.5 }, random: () => 0.25 });
    expect((await submit(sdi, 'IT01234567890_00001.xml', fattura())).errore).toBe('EI02');
  });

  it('loses a notification (computed, recorded as lost, never sent), then sends the next ones', async () => {
    const rx = await receiver();
    const sdi = await standIn({ transmitterEndpoint: rx.url, faults: { loseNotifications: { RC: 1 } } });
    const lost = await submit(sdi, 'IT01234567890_00001.xml', fattura({ formato: 'FPA12' }));
    // the chain goes on: the NE of the same file comes
    await rx.next('NE', lost.identificativoSdI);
    expect(rx.received.some((r) => r.message.type === 'RC')).toBe(false);
    const [file] = await filesNamed(sdi, 'IT01234567890_00001.xml');
    expect(file!.notifications.map((n: any) => [n.type, n.status])).toEqual([
      ['RC', 'lost'],
      ['NE', 'sent'],
    ]);
    const next = await submit(sdi, 'IT01234567890_00002.xml', fattura({ numero: '2' }));
    await rx.next('RC', next.identificativoSdI);
    expect((await stats(sdi)).pushes).toMatchObject({ lost: 1, sent: 2 });
  });

  it('accepts and stores a file but never answers; GET /files finds it by name', async () => {
    const rx = await receiver();
    const sdi = await standIn({ transmitterEndpoint: rx.url, faults: { timeoutAfterAccept: 1 } });
    await expect(submit(sdi, 'IT01234567890_00001.xml', fattura())).rejects.toThrow();
    const [file] = await filesNamed(sdi, 'IT01234567890_00001.xml');
    expect(file).toMatchObject({
      nomeFile: 'IT01234567890_00001.xml',
      identificativoSdI: expect.stringMatching(/^\d+$/),
    });
    const rc = await rx.next('RC', file!.identificativoSdI);
    expect(rc.message.dataOraRicezione).toBe(file!.dataOraRicezione);
    expect((await stats(sdi)).timeoutsAfterAccept).toBe(1);
  });

  it('sends every notification twice with repeatNotifications', async () => {
    const rx = await receiver();
    const sdi = await standIn({ transmitterEndpoint: rx.url, faults: { repeatNotifications: true } });
    const answer = await submit(sdi, 'IT01234567890_00001.xml', fattura());
    await eventually(
      async () =>
        rx.received.filter((r) => r.identificativoSdI === answer.identificativoSdI).length === 2
          ? true
          : undefined,
      10_000,
    );
    const [first, second] = rx.received;
    expect(second!.xml).toBe(first!.xml);
    expect((await stats(sdi)).pushes).toMatchObject({ sent: 1, repeated: 1 });
  });

  it('retries a failed push with backoff, and keeps one that never gets through as failed', async () => {
    const rx = await receiver();
    rx.failNext = 2;
    const sdi = await standIn({ transmitterEndpoint: rx.url });
    const answer = await submit(sdi, 'IT01234567890_00001.xml', fattura());
    await rx.next('RC', answer.identificativoSdI);
    expect(rx.requests).toBe(3);
    const [file] = await filesNamed(sdi, 'IT01234567890_00001.xml');
    expect(file!.notifications[0]).toMatchObject({ status: 'sent', attempts: 3 });

    const nowhere = await standIn({
      transmitterEndpoint: 'http://127.0.0.1:9/closed',
      push: { retries: 1, backoffMs: 10 },
    });
    await submit(nowhere, 'IT01234567890_00001.xml', fattura());
    const kept = await eventually(async () => {
      const [f] = await filesNamed(nowhere, 'IT01234567890_00001.xml');
      return f?.notifications[0]?.status === 'failed' ? f.notifications[0] : undefined;
    }, 10_000);
    expect(kept).toMatchObject({ type: 'RC', attempts: 2, lastError: expect.any(String) });
    expect((await stats(nowhere)).pushes).toMatchObject({ failed: 1, failedAttempts: 2 });
  });
});

describe('the SDI stand-in: state across a restart', () => {
  it('keeps identifiers, files and certificate, and sends the notifications still due', async () => {
    const rx = await receiver();
    const dataDir = tempDir();
    const first = new SdiStandIn({
      port: 0,
      dataDir,
      transmitterEndpoint: rx.url,
      delays: { ...FAST, rc: 600 },
    });
    await first.start();
    const pending = await submit(first, 'IT01234567890_00001.xml', fattura());
    await first.stop();
    expect(rx.received).toEqual([]);

    const second = await standIn({ dataDir, transmitterEndpoint: rx.url });
    expect(second.certificatePem).toBe(first.certificatePem);
    const rc = await rx.next('RC', pending.identificativoSdI);
    expect(verifyNotification(rc.xml, second.certificatePem).valid).toBe(true);
    // the identifiers go on, and the file name is known
    const next = await submit(second, 'IT01234567890_00002.xml', fattura({ numero: '2' }));
    expect(Number(next.identificativoSdI)).toBe(Number(pending.identificativoSdI) + 1);
    const again = await submit(second, 'IT01234567890_00001.xml', fattura({ numero: '3' }));
    expect((await rx.next('NS', again.identificativoSdI)).message.errors?.[0]?.code).toBe('00002');
    expect(rx.received.filter((r) => r.identificativoSdI === pending.identificativoSdI)).toHaveLength(1);
  });
});

describe('the SDI stand-in: signed files (.xml.p7m)', () => {
  it('unwraps and verifies a CAdES file, and discards an invalid one (00102) or an expired certificate (00100)', async () => {
    const rx = await receiver();
    const sdi = await standIn({ transmitterEndpoint: rx.url });
    const { credential } = await testSigner('seller');
    const p7m = signCades(Buffer.from(fattura({ numero: 'P1' })), credential);
    const ok = await submit(sdi, 'IT01234567890_00001.xml.p7m', p7m);
    const rc = await rx.next('RC', ok.identificativoSdI);
    expect(rc.nomeFile).toBe('IT01234567890_00001_RC_001.xml');

    const broken = Buffer.from(p7m);
    broken[broken.length - 10] = broken[broken.length - 10]! ^ 0xff;
    const bad = await submit(sdi, 'IT01234567890_00002.xml.p7m', broken);
    expect((await rx.next('NS', bad.identificativoSdI)).message.errors?.[0]?.code).toBe('00102');
    const plain = await submit(sdi, 'IT01234567890_00003.xml.p7m', fattura({ numero: 'P2' }));
    expect((await rx.next('NS', plain.identificativoSdI)).message.errors?.[0]?.code).toBe('00102');

    const keys = tempDir();
    await ensureSelfSignedCertificate(keys, 'old', 'Expired signer', -1);
    const expired = signCades(
      Buffer.from(fattura({ numero: 'P3' })),
      await new FolderCertificateStore(keys).get('old'),
    );
    const late = await submit(sdi, 'IT01234567890_00004.xml.p7m', expired);
    expect((await rx.next('NS', late.identificativoSdI)).message.errors?.[0]?.code).toBe('00100');
  });
});

describe('the SDI stand-in: POST /deliver to a RicezioneFatture endpoint', () => {
  it('delivers a vendor invoice with RiceviFatture and its MetadatiInvioFile', async () => {
    const requests: Array<ReturnType<typeof parseRicezioneRequest>> = [];
    const server = createServer((req, res) => {
      void bodyOf(req).then((body) => {
        requests.push(
          parseRicezioneRequest(body, {
            contentType: String(req.headers['content-type']),
            soapAction: String(req.headers.soapaction),
          }),
        );
        const answer = buildRiceviFattureResponse();
        res.writeHead(200, { 'content-type': answer.contentType }).end(answer.body);
      });
    });
    const endpoint = `${await listen(server)}/RicezioneFatture`;
    const sdi = await standIn();
    const xml = fattura({ codice: 'KRRH6B9', progressivo: 'A7' });
    const answer = await fetch(`${sdi.url}/deliver`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ endpoint, xml }),
    });
    expect(answer.status).toBe(200);
    const result = (await answer.json()) as Record<string, string>;
    expect(result).toMatchObject({
      nomeFile: 'IT01234567890_A7.xml',
      nomeFileMetadati: 'IT01234567890_A7_MT_001.xml',
      esito: 'ER01',
    });
    expect(requests).toHaveLength(1);
    const [request] = requests;
    if (request?.operation !== 'RiceviFatture') throw new Error('expected RiceviFatture');
    expect(request.file.toString('utf8')).toBe(xml);
    expect(request.identificativoSdI).toBe(result.identificativoSdI);
    expect(parseNotification(request.metadati)).toEqual({
      type: 'MT',
      identificativoSdI: result.identificativoSdI,
      nomeFile: 'IT01234567890_A7.xml',
      codiceDestinatario: 'KRRH6B9',
      formato: 'FPR12',
      tentativiInvio: 1,
      messageId: expect.stringMatching(/^\d+$/),
    });
    expect((await stats(sdi)).delivered).toBe(1);

    const refused = await fetch(`${sdi.url}/deliver`, {
      method: 'POST',
      body: JSON.stringify({ endpoint: 'http://127.0.0.1:9/closed', xml }),
    });
    expect(refused.status).toBe(502);
    const bad = await fetch(`${sdi.url}/deliver`, {
      method: 'POST',
      body: JSON.stringify({ endpoint, xml: '<x/>' }),
    });
    expect(bad.status).toBe(400);
  });
});

/**
 * The official MessaggiTypes_v1.1.xsd in EINVOICE_SDI_SCHEMAS (outside the repository), as in
 * sdi-messages.test.ts: the notifications the stand-in pushes conform to it.
 */
const sdiSchema = process.env.EINVOICE_SDI_SCHEMAS
  ? join(process.env.EINVOICE_SDI_SCHEMAS, 'MessaggiTypes_v1.1.xsd')
  : undefined;
if (!sdiSchema || !existsSync(sdiSchema))
  process.stderr.write(
    'NOTICE: EINVOICE_SDI_SCHEMAS is not set to a folder with MessaggiTypes_v1.1.xsd: the notifications of the stand-in are not checked against the official schema\n',
  );
(sdiSchema && existsSync(sdiSchema) ? describe : describe.skip)(
  'the SDI stand-in: its notifications against MessaggiTypes_v1.1.xsd (EINVOICE_SDI_SCHEMAS)',
  () => {
    it('pushes RC, NE, NS, MC, AT and DT that are valid', async () => {
      const rx = await receiver();
      const sdi = await standIn({ transmitterEndpoint: rx.url });
      const pa = await submit(
        sdi,
        'IT01234567890_00001.xml',
        fattura({ formato: 'FPA12', codice: 'AAAAAA' }),
      );
      const dt = await submit(
        sdi,
        'IT01234567890_00002.xml',
        fattura({ formato: 'FPA12', codice: 'DDDDDD', numero: '2' }),
      );
      const at = await submit(
        sdi,
        'IT01234567890_00003.xml',
        fattura({ formato: 'FPA12', codice: 'MMMMMM', numero: '3' }),
      );
      const ns = await submit(sdi, 'IT01234567890_00003.xml', fattura({ numero: '4' }));
      const all = await Promise.all([
        rx.next('RC', pa.identificativoSdI),
        rx.next('NE', pa.identificativoSdI),
        rx.next('DT', dt.identificativoSdI),
        rx.next('MC', at.identificativoSdI),
        rx.next('AT', at.identificativoSdI),
        rx.next('NS', ns.identificativoSdI),
      ]);
      const results = await validateXsd(sdiSchema!, Object.fromEntries(all.map((r) => [r.nomeFile, r.xml])));
      expect(results.filter((r) => r.errors.length > 0)).toEqual([]);
    });
  },
);

describeWithCorpus(
  'the SDI stand-in: the FatturaPA XSD (schema fatturapa-1.2)',
  ['fatturapa-gobl/schemas/FatturaPA_v1.2.2.xsd'],
  (corpus) => {
    const entry = XSD_CATALOGUE['fatturapa-1.2'];
    (entry ? it : it.skip)(
      'accepts a valid file and discards an invalid one with the libxml2 messages (NS 00200)',
      async () => {
        const schemasDir = tempDir();
        const target = join(schemasDir, entry!.path);
        mkdirSync(dirname(target), { recursive: true });
        copyFileSync(join(corpus, 'fatturapa-gobl/schemas/FatturaPA_v1.2.2.xsd'), target);
        copyFileSync(
          join(corpus, 'fatturapa-gobl/schemas/xmldsig-core.xsd'),
          join(dirname(target), 'xmldsig-core.xsd'),
        );
        const rx = await receiver();
        const sdi = await standIn({ transmitterEndpoint: rx.url, schemasDir });
        const valid = await submit(sdi, 'IT01234567890_00001.xml', fattura());
        await rx.next('RC', valid.identificativoSdI);
        const invalid = await submit(
          sdi,
          'IT01234567890_00002.xml',
          fattura({ numero: '2', divisa: 'EURO' }),
        );
        const ns = await rx.next('NS', invalid.identificativoSdI);
        expect(ns.message.errors?.[0]).toMatchObject({
          code: '00200',
          description: expect.stringContaining("Element 'Divisa'"),
        });
        expect(sdi.describe()).toContain(`FatturaPA XSD: fatturapa-1.2 from ${schemasDir}`);
      },
    );
  },
);
