import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  mexicoCityTime,
  PAC_STANDIN_RFC,
  PacStandIn,
  type PacStandInOptions,
} from '../shared/sandbox/pac-standin';
import { cadenaOriginal, cadenaTimbre, findTimbre } from '../shared/signing/cfdi-cadena';
import { sealCfdi, setRootAttributes, verifyCfdiSeal, verifyTimbre } from '../shared/signing/cfdi-seal';
import { loadSatCsd, noCertificadoOf, satCertificateInfo, type SatCsd } from '../shared/signing/sat-csd';
import { parseXmlTree } from '../shared/xml/xml-tree';
import { describeWithCorpus } from './support/corpus';
import { eventually, onTeardown, tempDir } from './support/temp';

const ASSETS = 'cfdi-cfdiutils/tests/assets';
const OPENSSL = '/usr/bin/openssl';
const HOUR = 3_600_000;

interface Answer {
  status: number;
  body: any;
}

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describeWithCorpus(
  'PAC stand-in (CFDI 4.0)',
  [`${ASSETS}/cfdi40-valid.xml`, `${ASSETS}/certs/EKU9003173C9.cer`, `${ASSETS}/certs/EKU9003173C9.key`],
  (corpus) => {
    const certs = join(corpus, ASSETS, 'certs');
    // the stand-in's clock: the corpus CSD (EKU9003173C9) is valid from May 2023 to May 2027
    const clock = new Date('2025-06-02T18:00:00Z');
    const now = () => clock;
    let csd: SatCsd;
    let unsealed: string;
    let folio = 0;

    beforeAll(() => {
      const password = /\(password ([^)\s]+)\)/.exec(readFileSync(join(certs, 'README.md'), 'utf8'))?.[1];
      csd = loadSatCsd(
        readFileSync(join(certs, 'EKU9003173C9.cer')),
        readFileSync(join(certs, 'EKU9003173C9.key')),
        password ?? '',
      );
      // the asset without its TimbreFiscalDigital (its empty Complemento kept)
      unsealed = readFileSync(join(corpus, ASSETS, 'cfdi40-valid.xml'), 'utf8').replace(
        /\s*<tfd:TimbreFiscalDigital[^>]*\/>/,
        '',
      );
    });

    /** The asset sealed again with a Folio of its own (a Sello of its own), its Fecha an hour before the clock. */
    function cfdi(
      spec: { fecha?: string; total?: string; receptor?: string; transform?: (xml: string) => string } = {},
    ): string {
      let xml = setRootAttributes(unsealed, [
        ['Folio', `T${++folio}`],
        ['Fecha', spec.fecha ?? mexicoCityTime(clock.getTime() - HOUR)],
        ...(spec.total ? [['Total', spec.total] as const] : []),
      ]);
      if (spec.receptor) xml = xml.replace('Rfc="MCI7306249Y1"', `Rfc="${spec.receptor}"`);
      if (spec.transform) xml = spec.transform(xml);
      return sealCfdi(xml, csd, { at: clock });
    }

    async function started(options: PacStandInOptions = {}): Promise<PacStandIn> {
      const standIn = new PacStandIn({ port: 0, now, ...options });
      await standIn.start();
      onTeardown(() => standIn.stop());
      return standIn;
    }

    async function stamp(standIn: PacStandIn, xml: string, headers: Record<string, string> = {}) {
      return answerOf(
        await fetch(`${standIn.url}/cfdi40/stamp`, {
          method: 'POST',
          headers: { 'content-type': 'application/xml', ...headers },
          body: xml,
        }),
      );
    }

    async function cancel(standIn: PacStandIn, request: object, key: KeyObject | null = csd.privateKey) {
      const body = JSON.stringify(request);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (key) headers['x-cancel-signature'] = sign('sha256', Buffer.from(body), key).toString('base64');
      return answerOf(await fetch(`${standIn.url}/cfdi40/cancel`, { method: 'POST', headers, body }));
    }

    /** SAT's status query for a stamped CFDI (its expression: RFCs, Total, UUID, end of the Sello). */
    async function status(
      standIn: PacStandIn,
      xml: string,
      uuid: string,
      change: Record<string, string> = {},
    ) {
      const root = parseXmlTree(xml);
      const rfc = (name: string) =>
        root.children.find((c) => c.localName === name)!.getAttribute('Rfc') ?? '';
      const query = new URLSearchParams({
        re: rfc('Emisor'),
        rr: rfc('Receptor'),
        tt: root.getAttribute('Total') ?? '',
        id: uuid,
        fe: (root.getAttribute('Sello') ?? '').slice(-8),
        ...change,
      });
      return (await answerOf(await fetch(`${standIn.url}/cfdi40/status?${query.toString()}`))).body;
    }

    const decoded = (answer: Answer) => Buffer.from(answer.body.cfdi as string, 'base64').toString('utf8');

    describe('stamping', () => {
      let standIn: PacStandIn;
      beforeAll(async () => {
        standIn = await started({ schemasDir: join(corpus, 'sat-cfdi-xsd') });
      });

      it('stamps a sealed CFDI with a TimbreFiscalDigital whose SelloSAT verifies with its SAT certificate', async () => {
        const sent = cfdi();
        const answer = await stamp(standIn, sent);
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({
          status: 'success',
          code: '200',
          fechaTimbrado: mexicoCityTime(clock),
          noCertificadoSAT: standIn.noCertificadoSat,
        });
        expect(answer.body.uuid).toMatch(
          /^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$/,
        );
        // 18:00 UTC is noon in Mexico City (UTC-6, no daylight saving time since 2022)
        expect(answer.body.fechaTimbrado).toBe('2025-06-02T12:00:00');

        const stamped = decoded(answer);
        const tfd = findTimbre(stamped)!;
        expect(tfd.parentNode?.localName).toBe('Complemento');
        expect(tfd.namespaceURI).toBe('http://www.sat.gob.mx/TimbreFiscalDigital');
        expect(tfd.getAttribute('xsi:schemaLocation')).toBe(
          'http://www.sat.gob.mx/TimbreFiscalDigital http://www.sat.gob.mx/sitio_internet/cfd/TimbreFiscalDigital/TimbreFiscalDigitalv11.xsd',
        );
        expect(tfd.getAttribute('Version')).toBe('1.1');
        expect(tfd.getAttribute('UUID')).toBe(answer.body.uuid);
        expect(tfd.getAttribute('FechaTimbrado')).toBe(answer.body.fechaTimbrado);
        expect(tfd.getAttribute('RfcProvCertif')).toBe(PAC_STANDIN_RFC);
        expect(tfd.getAttribute('SelloCFD')).toBe(parseXmlTree(sent).getAttribute('Sello'));
        expect(tfd.getAttribute('NoCertificadoSAT')).toBe(standIn.noCertificadoSat);
        expect(tfd.getAttribute('SelloSAT')).toBe(answer.body.selloSAT);

        // SelloSAT: RSA-SHA256 over the timbre's cadena, with the stand-in's SAT certificate
        const cadena = cadenaTimbre(stamped);
        expect(cadena).toBe(
          `||1.1|${answer.body.uuid}|${answer.body.fechaTimbrado}|${PAC_STANDIN_RFC}|${tfd.getAttribute('SelloCFD')}|${standIn.noCertificadoSat}||`,
        );
        const satCertificate = new X509Certificate(standIn.certificatePem);
        const signature = Buffer.from(answer.body.selloSAT as string, 'base64');
        expect(verify('sha256', Buffer.from(cadena, 'utf8'), satCertificate.publicKey, signature)).toBe(true);
        expect(verifyTimbre(stamped, standIn.certificatePem)).toMatchObject({ valid: true, problems: [] });
        const dir = tempDir('einvoice-pac-');
        writeFileSync(join(dir, 'cadena.txt'), cadena);
        writeFileSync(join(dir, 'sello.bin'), signature);
        writeFileSync(
          join(dir, 'sat.pub.pem'),
          satCertificate.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
        );
        const openssl = execFileSync(
          OPENSSL,
          [
            'dgst',
            '-sha256',
            '-verify',
            join(dir, 'sat.pub.pem'),
            '-signature',
            join(dir, 'sello.bin'),
            join(dir, 'cadena.txt'),
          ],
          { stdio: ['ignore', 'pipe', 'pipe'] },
        ).toString();
        expect(openssl.trim()).toBe('Verified OK');

        // the rest of the document is as sent, and its own seal still verifies
        expect(stamped.replace(/ *<tfd:TimbreFiscalDigital[^>]*\/>\n/, '')).toBe(sent);
        expect(verifyCfdiSeal(stamped).valid).toBe(true);
        const download = await fetch(`${standIn.url}/stamps/${answer.body.uuid as string}`);
        expect(await download.text()).toBe(stamped);
      });

      it('serves its SAT certificate, whose serial number is its NoCertificado as SAT writes it', async () => {
        expect(standIn.noCertificadoSat).toMatch(/^\d{20}$/);
        const certificate = new X509Certificate(standIn.certificatePem);
        expect(certificate.serialNumber.toLowerCase()).toBe(
          Buffer.from(standIn.noCertificadoSat, 'ascii').toString('hex'),
        );
        expect(noCertificadoOf(certificate)).toBe(standIn.noCertificadoSat);
        expect(satCertificateInfo(certificate)).toMatchObject({ rfc: PAC_STANDIN_RFC, isFiel: false });
        expect(certificate.subject).toContain('O=SAT test');
        expect(certificate.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
        const served = await fetch(`${standIn.url}/certificates/${standIn.noCertificadoSat}`);
        expect(served.status).toBe(200);
        expect(await served.text()).toBe(standIn.certificatePem);
        expect((await fetch(`${standIn.url}/certificates/30001000000500000001`)).status).toBe(404);
      });

      it('answers the same CFDI again with 307 and the original stamp, never a second UUID', async () => {
        const sent = cfdi();
        const first = await stamp(standIn, sent);
        const again = await stamp(standIn, sent);
        expect(again.status).toBe(200);
        expect(again.body).toMatchObject({
          status: 'success',
          code: '307',
          uuid: first.body.uuid,
          fechaTimbrado: first.body.fechaTimbrado,
          selloSAT: first.body.selloSAT,
          cfdi: first.body.cfdi,
        });
        // the stamped CFDI sent back is the same duplicate
        expect((await stamp(standIn, decoded(first))).body).toMatchObject({
          code: '307',
          uuid: first.body.uuid,
        });
        const listed = (await answerOf(await fetch(`${standIn.url}/stamps`))).body as Array<{ uuid: string }>;
        expect(listed.filter((s) => s.uuid === first.body.uuid)).toHaveLength(1);
      });

      it('refuses a CFDI changed after sealing with 302', async () => {
        const changed = setRootAttributes(cfdi(), [['Total', '3327.02']]);
        const answer = await stamp(standIn, changed);
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ status: 'error', code: '302' });
        expect(answer.body.message).toContain('Sello mal formado o inválido');
      });

      it('refuses a Fecha 4 days old with 401, and one ahead of the clock', async () => {
        const old = await stamp(standIn, cfdi({ fecha: mexicoCityTime(clock.getTime() - 96 * HOUR) }));
        expect(old.status).toBe(400);
        expect(old.body).toMatchObject({ status: 'error', code: '401' });
        expect(old.body.message).toContain('Fecha y hora de generación fuera de rango');
        const ahead = await stamp(standIn, cfdi({ fecha: mexicoCityTime(clock.getTime() + 2 * HOUR) }));
        expect(ahead.body.code).toBe('401');
        // 70 hours old is within the window
        expect(
          (await stamp(standIn, cfdi({ fecha: mexicoCityTime(clock.getTime() - 70 * HOUR) }))).body.code,
        ).toBe('200');
      });

      it('refuses what is not a CFDI 4.0 with 301, and a NoCertificado that is not the certificate’s with 303', async () => {
        expect((await stamp(standIn, '<cfdi:Comprobante')).body.code).toBe('301');
        expect((await stamp(standIn, '<Invoice xmlns="urn:x"/>')).body.code).toBe('301');
        // a seal that verifies, over a cadena with another certificate's number
        const wrongNumber = setRootAttributes(cfdi(), [['NoCertificado', '30001000000500000001']]);
        const sello = sign('sha256', Buffer.from(cadenaOriginal(wrongNumber), 'utf8'), csd.privateKey);
        const answer = await stamp(
          standIn,
          setRootAttributes(wrongNumber, [['Sello', sello.toString('base64')]]),
        );
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ status: 'error', code: '303' });
      });

      it('says in describe() that the XSD is skipped when cfdv40.xsd does not compile', () => {
        const text = standIn.describe();
        expect(text).toContain('/cfdi40/stamp');
        expect(text).toContain('/cfdi40/cancel');
        expect(text).toContain('/cfdi40/status');
        expect(text).toMatch(/XSD: not checked: .*cfdv40\.xsd does not compile/);
        expect(text).toContain(standIn.noCertificadoSat);
      });
    });

    it('checks the CFDI against cfdv40.xsd when it compiles in the schema folder (301 when invalid)', async () => {
      // a schema of its own in the place of SAT's (whose catalogues the corpus lacks): Exportacion 01 to 04,
      // Complemento with a strict wildcard as in cfdv40.xsd
      const schemasDir = tempDir('einvoice-pac-schemas-');
      mkdirSync(join(schemasDir, 'cfdi'));
      writeFileSync(
        join(schemasDir, 'cfdi', 'cfdv40.xsd'),
        `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.sat.gob.mx/cfd/4" elementFormDefault="qualified">
  <xs:element name="Comprobante">
    <xs:complexType>
      <xs:sequence>
        <xs:any namespace="##targetNamespace" processContents="lax" minOccurs="0" maxOccurs="unbounded"/>
      </xs:sequence>
      <xs:attribute name="Version" use="required" fixed="4.0"/>
      <xs:attribute name="Exportacion" use="required">
        <xs:simpleType><xs:restriction base="xs:string"><xs:pattern value="0[1-4]"/></xs:restriction></xs:simpleType>
      </xs:attribute>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
  <xs:element name="Complemento">
    <xs:complexType><xs:sequence><xs:any minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
  </xs:element>
</xs:schema>
`,
      );
      const standIn = await started({ schemasDir });
      expect(standIn.describe()).toContain(`XSD: cfdv40.xsd from ${join(schemasDir, 'cfdi', 'cfdv40.xsd')}`);
      const first = await stamp(standIn, cfdi());
      expect(first.body.code).toBe('200');
      // the stamped CFDI passes too: its TimbreFiscalDigital in the strict wildcard of Complemento
      expect((await stamp(standIn, decoded(first))).body).toMatchObject({
        code: '307',
        uuid: first.body.uuid,
      });
      const invalid = await stamp(
        standIn,
        cfdi({ transform: (xml) => xml.replace('Exportacion="01"', 'Exportacion="09"') }),
      );
      expect(invalid.status).toBe(400);
      expect(invalid.body.code).toBe('301');
      expect(invalid.body.message).toContain('Exportacion');
    });

    it('creates the Complemento, as the last child, when the CFDI has none', async () => {
      const standIn = await started();
      const sent = cfdi({
        transform: (xml) => xml.replace(/\s*<cfdi:Complemento>\s*<\/cfdi:Complemento>/, ''),
      });
      expect(sent).not.toContain('Complemento');
      const answer = await stamp(standIn, sent);
      expect(answer.body.code).toBe('200');
      const stamped = decoded(answer);
      const root = parseXmlTree(stamped);
      expect(root.children.at(-1)!.nodeName).toBe('cfdi:Complemento');
      expect(root.children.at(-1)!.children[0]!.localName).toBe('TimbreFiscalDigital');
      expect(
        stamped.replace(
          /\n *<cfdi:Complemento>\n *<tfd:TimbreFiscalDigital[^>]*\/>\n *<\/cfdi:Complemento>/,
          '',
        ),
      ).toBe(sent);
      expect(verifyTimbre(stamped, standIn.certificatePem).valid).toBe(true);
    });

    it('recovers from an answer lost after stamping: the CFDI sent again answers 307 with the stamp made', async () => {
      const standIn = await started({ faults: { timeoutAfterStamp: 1 } });
      const sent = cfdi();
      await expect(stamp(standIn, sent)).rejects.toThrow();
      const again = await stamp(standIn, sent);
      expect(again.status).toBe(200);
      expect(again.body.code).toBe('307');
      const listed = (await answerOf(await fetch(`${standIn.url}/stamps`))).body;
      expect(listed).toHaveLength(1);
      expect(again.body.uuid).toBe(listed[0].uuid);
      const stats = (await answerOf(await fetch(`${standIn.url}/stats`))).body;
      expect(stats).toMatchObject({ stamped: 1, duplicates: 1, timeoutsAfterStamp: 1 });
    });

    it('answers 503 without processing while errorNext lasts', async () => {
      const standIn = await started({ faults: { errorNext: 1 } });
      const sent = cfdi();
      const unavailable = await stamp(standIn, sent);
      expect(unavailable.status).toBe(503);
      expect(unavailable.body.status).toBe('error');
      expect(standIn.stats().stamped).toBe(0);
      expect((await stamp(standIn, sent)).body.code).toBe('200');
      expect(standIn.stats()).toMatchObject({ stamped: 1, unavailable: 1 });
    });

    it('needs x-api-key when it has one', async () => {
      const standIn = await started({ apiKey: 'k-123' });
      const sent = cfdi();
      const refused = await stamp(standIn, sent);
      expect(refused.status).toBe(401);
      expect((await stamp(standIn, sent, { 'x-api-key': 'wrong' })).status).toBe(401);
      expect((await stamp(standIn, sent, { 'x-api-key': 'k-123' })).body.code).toBe('200');
      // the SAT certificate is public
      expect((await fetch(`${standIn.url}/certificates/${standIn.noCertificadoSat}`)).status).toBe(200);
    });

    describe('cancellation and status', () => {
      let standIn: PacStandIn;
      beforeAll(async () => {
        standIn = await started({ delays: { acceptance: 600_000 } });
      });

      it('cancels a CFDI under 1000 MXN at once (motivo 02); the status query says Cancelado', async () => {
        const sent = cfdi({ total: '500.00' });
        const { uuid } = (await stamp(standIn, sent)).body;
        expect(await status(standIn, sent, uuid)).toEqual({
          codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.',
          estado: 'Vigente',
          esCancelable: 'Cancelable sin aceptación',
          estatusCancelacion: '',
        });
        const answer = await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' });
        expect(answer.status).toBe(200);
        expect(answer.body).toMatchObject({
          status: 'success',
          code: '201',
          estatusCancelacion: 'Cancelado sin aceptación',
        });
        expect(await status(standIn, sent, uuid)).toEqual({
          codigoEstatus: 'S - Comprobante obtenido satisfactoriamente.',
          estado: 'Cancelado',
          esCancelable: 'Cancelable sin aceptación',
          estatusCancelacion: 'Cancelado sin aceptación',
        });
        // cancelled before: 202
        expect((await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' })).body).toMatchObject(
          {
            code: '202',
            estatusCancelacion: 'Cancelado sin aceptación',
          },
        );
      });

      it('answers No Encontrado for a query whose total, Sello ending or UUID do not match', async () => {
        const sent = cfdi();
        const { uuid } = (await stamp(standIn, sent)).body;
        const notFound = {
          codigoEstatus: 'N - 602: Comprobante no encontrado.',
          estado: 'No Encontrado',
          esCancelable: '',
          estatusCancelacion: '',
        };
        expect(await status(standIn, sent, uuid, { tt: '3327.00' })).toEqual(notFound);
        expect(await status(standIn, sent, uuid, { fe: 'AAAAAAAA' })).toEqual(notFound);
        expect(await status(standIn, sent, randomUUID().toUpperCase())).toEqual(notFound);
        expect((await status(standIn, sent, uuid, { tt: '3327.010000' })).estado).toBe('Vigente');
      });

      it('refuses motivo 01 without a folioSustitucion stamped here, and takes it with one', async () => {
        const sent = cfdi({ total: '100.00' });
        const { uuid } = (await stamp(standIn, sent)).body;
        const without = await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '01' });
        expect(without.status).toBe(400);
        expect(without.body).toMatchObject({ status: 'error', code: '301' });
        expect(without.body.message).toMatch(/^CA301/);
        const unknown = await cancel(standIn, {
          rfcEmisor: 'EKU9003173C9',
          uuid,
          motivo: '01',
          folioSustitucion: randomUUID(),
        });
        expect(unknown.body.code).toBe('301');
        const replacement = (await stamp(standIn, cfdi({ total: '100.00' }))).body.uuid;
        const answer = await cancel(standIn, {
          rfcEmisor: 'EKU9003173C9',
          uuid,
          motivo: '01',
          folioSustitucion: replacement,
        });
        expect(answer.body).toMatchObject({ code: '201', estatusCancelacion: 'Cancelado sin aceptación' });
      });

      it('keeps a large one En proceso until the receptor accepts it', async () => {
        const sent = cfdi();
        const { uuid } = (await stamp(standIn, sent)).body;
        expect((await status(standIn, sent, uuid)).esCancelable).toBe('Cancelable con aceptación');
        const answer = await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '03' });
        expect(answer.body).toMatchObject({
          code: '201',
          estatusCancelacion: 'En proceso',
          estado: 'Vigente',
        });
        expect(await status(standIn, sent, uuid)).toMatchObject({
          estado: 'Vigente',
          estatusCancelacion: 'En proceso',
        });
        const accepted = await answerOf(
          await fetch(`${standIn.url}/control/cancellations/${uuid as string}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ accept: true }),
          }),
        );
        expect(accepted.body).toMatchObject({
          estatusCancelacion: 'Cancelado con aceptación',
          estado: 'Cancelado',
        });
        expect(await status(standIn, sent, uuid)).toMatchObject({
          estado: 'Cancelado',
          estatusCancelacion: 'Cancelado con aceptación',
        });
      });

      it('cancels at once for the público en general, whatever the total', async () => {
        const sent = cfdi({ receptor: 'XAXX010101000' });
        const { uuid } = (await stamp(standIn, sent)).body;
        expect((await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' })).body).toMatchObject(
          {
            estatusCancelacion: 'Cancelado sin aceptación',
          },
        );
      });

      it('refuses an unknown UUID (205), another issuer (203) and a signature that does not verify (302)', async () => {
        const { uuid } = (await stamp(standIn, cfdi({ total: '10.00' }))).body;
        const unknown = await cancel(standIn, {
          rfcEmisor: 'EKU9003173C9',
          uuid: randomUUID(),
          motivo: '02',
        });
        expect(unknown).toMatchObject({ status: 400, body: { status: 'error', code: '205' } });
        expect((await cancel(standIn, { rfcEmisor: 'AAA010101AAA', uuid, motivo: '02' })).body.code).toBe(
          '203',
        );
        expect(
          (await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' }, null)).body.code,
        ).toBe('302');
        const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
        expect(
          (await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' }, privateKey)).body.code,
        ).toBe('302');
        expect((await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '05' })).body.code).toBe(
          '301',
        );
        // none of these cancelled it
        expect(standIn.stamps().find((s) => s.uuid === uuid)?.estatusCancelacion).toBe('');
      });
    });

    it('lets the receptor answer by itself after delays.acceptance', async () => {
      const standIn = await started({ delays: { acceptance: 100 } });
      const sent = cfdi();
      const { uuid } = (await stamp(standIn, sent)).body;
      expect(
        (await cancel(standIn, { rfcEmisor: 'EKU9003173C9', uuid, motivo: '02' })).body.estatusCancelacion,
      ).toBe('En proceso');
      await eventually(
        async () => ((await status(standIn, sent, uuid)).estado === 'Cancelado' ? true : undefined),
        5000,
        'the automatic acceptance',
      );
      expect((await status(standIn, sent, uuid)).estatusCancelacion).toBe('Cancelado con aceptación');
    });

    it('keeps its stamps, cancellations and SAT certificate across a restart on the same data folder', async () => {
      const dataDir = tempDir('einvoice-pac-data-');
      const first = new PacStandIn({ port: 0, now, dataDir, delays: { acceptance: 600_000 } });
      await first.start();
      const sent = cfdi();
      const stamped = (await stamp(first, sent)).body;
      expect(stamped.code).toBe('200');
      const pending = cfdi();
      const pendingUuid = (await stamp(first, pending)).body.uuid;
      await cancel(first, { rfcEmisor: 'EKU9003173C9', uuid: pendingUuid, motivo: '02' });
      const noCertificadoSat = first.noCertificadoSat;
      await first.stop();

      const second = await started({ dataDir, delays: { acceptance: 600_000 } });
      expect(second.noCertificadoSat).toBe(noCertificadoSat);
      const again = await stamp(second, sent);
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ code: '307', uuid: stamped.uuid, cfdi: stamped.cfdi });
      expect((await status(second, pending, pendingUuid)).estatusCancelacion).toBe('En proceso');
      expect(second.stats().stamped).toBe(2);
    });
  },
);
