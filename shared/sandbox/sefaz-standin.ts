import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import forge from 'node-forge';
import { cStatTable } from '../connectors/sefaz/codes';
import {
  MAX_EVENTS_PER_LOTE,
  MAX_NFE_PER_LOTE,
  MAX_REQUEST_BYTES,
  nfeProc,
} from '../connectors/sefaz/messages';
import {
  childOf,
  childrenOf,
  NFE_NS,
  optionalText,
  parseSefazXml,
  readSefazRequest,
  SEFAZ_CONTENT_TYPE,
  SEFAZ_SERVICE_NAMES,
  SEFAZ_SERVICES,
  sefazAnswer,
  sefazFault,
  XMLDSIG_NS,
  type SefazService,
  type SefazXml,
} from '../connectors/sefaz/soap';
import { localDateTime, ufOfCode } from '../connectors/sefaz/ufs';
import { describeError, isEInvoiceError } from '../errors';
import { escapeXml } from '../formats/xml-writer';
import { accessKeyCheckDigit, parseAccessKey } from '../formats/nfe-key';
import { verifyXmlSignature } from '../signing/verify';
import { ENVELOPED, XML_CANONICALIZATIONS, XML_SIGNATURE_ALGORITHMS } from '../signing/xmldsig';
import { XsdValidatorPool } from '../xml/xsd';
import type { XmlTreeElement } from '../xml/xml-tree';
import { closeServer, listenTracked, readLimitedBody } from './http-server';

/** Where `einvoice sandbox --authority sefaz` would listen unless told otherwise. */
export const SEFAZ_STANDIN_PORT = 7076;

/** The CNPJ of the client certificate unless told otherwise: the test CNPJ 99.999.999/0001-91. */
export const SEFAZ_STANDIN_CNPJ = '99999999000191';

/** The state of the services NFeStatusServico4 reports: 107 in operation, 108 stopped briefly, 109 stopped. */
export type SefazServiceStatus = '107' | '108' | '109';

export interface SefazStandInFaults {
  /** The next n lotes of NFeAutorizacao4 are processed and recorded, then the connection is closed without an answer. */
  timeoutAfterAuthorise?: number;
  /** The next n requests to a service are read, then the connection is closed without processing them. */
  dropNext?: number;
  /** The next n requests to a service are answered HTTP 500 with a SOAP Fault (Receiver), unprocessed. */
  errorNext?: number;
  /** Milliseconds added before every answer of a service. */
  latencyMs?: number;
}

/** The deadlines of a cancellation (110111), counted from the authorisation (dhRecbto). */
export interface SefazCancellationRules {
  /** Cancelled within this many hours: 135. Default 24 (the national rule). */
  deadlineHours?: number;
  /** After the deadline and within this many hours: 155, homologated late; later: 501. Default 168 (7 days). */
  lateHours?: number;
}

export interface SefazStandInOptions {
  /** Default 7076 (`SEFAZ_STANDIN_PORT`); 0 takes a free port. */
  port?: number;
  /** Default 127.0.0.1; the server certificate names it besides 127.0.0.1, ::1 and localhost. */
  host?: string;
  /**
   * The folder whose `sefaz-standin/` keeps the state (authorisations, receipts, events, counters) and the
   * test certificates across restarts. Without it, a temporary folder removed by `stop()`.
   */
  dataDir?: string;
  /** The CNPJ of the client certificate (`CN=EMPRESA TESTE:<CNPJ>`); default `SEFAZ_STANDIN_CNPJ`. */
  clientCnpj?: string;
  /**
   * Mutual TLS as SEFAZ requires it: the client must present a certificate issued by the stand-in's test CA,
   * or the handshake fails. Default true; false serves HTTPS without asking for one.
   */
  requireClientCertificate?: boolean;
  /**
   * The schema folder (`EINVOICE_SCHEMAS_DIR`): requests are checked against the PL_009_V4 schemas when
   * `enviNFe_v4.00.xsd` is found in `nfe/PL_009_V4/`, `nfe-sped/schemes/PL_009_V4/`, `PL_009_V4/` or `nfe/`
   * there, and compiles. Otherwise only the fields the stand-in reads are checked.
   */
  schemasDir?: string;
  /** How many times NFeRetAutorizacao4 answers 105 (in processing) for a receipt before 104. Default 1. */
  pendingPolls?: number;
  /** The state of the services at start (`setStatus` changes it). Default 107. */
  status?: SefazServiceStatus;
  /** The environment the stand-in is (tpAmb): requests of the other are rejected with 252. Default 2 (homologação). */
  tpAmb?: '1' | '2';
  cancellation?: SefazCancellationRules;
  /**
   * Reject any namespace prefix in the data area with 404, as SEFAZ does (a `ds:` signature too). Default
   * false: signatures are verified with or without the `ds:` prefix.
   */
  rejectNamespacePrefixes?: boolean;
  faults?: SefazStandInFaults;
  /** The stand-in's clock (dhRecbto, deadlines, certificate validity); default the system clock. */
  now?: () => Date;
}

/** A certificate and its key issued by the stand-in's test CA (PEM). */
export interface SefazTestCertificate {
  keyPem: string;
  certPem: string;
}

/** Codes the stand-in answers that `cstat.json` does not list, with the text of the manual (MOC 7.0). */
const CODES_OUTSIDE_TABLE: Readonly<Record<string, string>> = {
  '502':
    'Rejeição: Erro na Chave de Acesso - Campo Id não corresponde à concatenação dos campos correspondentes',
};

/** SEFAZ's signature profile (MOC 7.0): RSA-SHA1 over SHA-1 digests, inclusive C14N, enveloped. */
const RSA_SHA1 = XML_SIGNATURE_ALGORITHMS['rsa-sha1'].uri;
const SHA1 = XML_SIGNATURE_ALGORITHMS['rsa-sha1'].digest;
const C14N = XML_CANONICALIZATIONS.inclusive;
const VER_APLIC = 'SEFAZ-STANDIN-1.0';
/** The unit an answer names when the request names none that is valid. */
const FALLBACK_CUF = '43';
/** Bodies are read up to this; over MAX_REQUEST_BYTES they are refused as the authorisers do (214). */
const MAX_BODY = 2 * MAX_REQUEST_BYTES;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** dhEmi may be this far ahead of the clock (rule 212), and this far behind (rule 228). */
const EMISSION_FUTURE_TOLERANCE = 5 * MINUTE;
const EMISSION_MAX_AGE = 30 * DAY;
const CERTIFICATE_YEARS = 10;
const XMOTIVO_MAX = 255;
const SERVICE_PATH = /^(?:\/ws)?\/([A-Za-z0-9]+?)(?:\.asmx)?$/;

/** The schemas of PL_009_V4 the requests are checked against, by the stand-in's id. */
const SCHEMA_FILES = {
  enviNFe: 'enviNFe_v4.00.xsd',
  consStatServ: 'consStatServ_v4.00.xsd',
  consReciNFe: 'consReciNFe_v4.00.xsd',
  consSitNFe: 'consSitNFe_v4.00.xsd',
  envEvento: 'envEvento_v1.00.xsd',
  envEvento110111: 'envEventoCancNFe_v1.00.xsd',
  envEvento110110: 'envCCe_v1.00.xsd',
} as const;
type SchemaId = keyof typeof SCHEMA_FILES;

/** Where the PL_009_V4 schemas are looked for in the schema folder. */
export const NFE_SCHEMA_FOLDERS: readonly string[] = [
  'nfe/PL_009_V4',
  'nfe-sped/schemes/PL_009_V4',
  'PL_009_V4',
  'nfe',
];

const EVENT_NAMES: Readonly<Record<string, { descEvento: string[]; xEvento: string }>> = {
  '110111': { descEvento: ['Cancelamento'], xEvento: 'Cancelamento registrado' },
  '110110': {
    descEvento: ['Carta de Correcao', 'Carta de Correção'],
    xEvento: 'Carta de Correção registrada',
  },
};

interface EventRecord {
  /** infEvento/@Id: "ID" + tpEvento + chNFe + nSeqEvento. */
  id: string;
  tpEvento: string;
  nSeqEvento: number;
  nProt: string;
  dhRegEvento: string;
  cStat: '135' | '155';
}

interface AuthorisationRecord {
  chNFe: string;
  /** The natural key (tpAmb, cUF, issuer, mod, serie, nNF): one NF-e per number (rule 539). */
  natural: string;
  cUF: string;
  issuer: string;
  dhEmi: string;
  nProt: string;
  digVal: string;
  dhRecbto: string;
  /** The instant of the authorisation (ISO), by the stand-in's clock. */
  authorisedAt: string;
  /** The receipt of the lote it came in (every lote gets one, synchronous ones too). */
  nRec: string;
  /** The protNFe as answered. */
  prot: string;
  events: EventRecord[];
  /** The registered cancellation, when cancelled. */
  cancelled?: { id: string; nProt: string; late: boolean };
}

interface ReceiptRecord {
  nRec: string;
  cUF: string;
  receivedAt: string;
  polls: number;
  /** The protNFe of each NF-e of the lote, authorised or rejected, as answered. */
  protocols: string[];
}

interface Counters {
  requests: Record<string, number>;
  authorised: number;
  duplicates: number;
  rejected: Record<string, number>;
  events: Record<string, number>;
  eventsRejected: Record<string, number>;
  stopped: number;
  malformed: number;
  faults: { dropped: number; errors: number; timeoutsAfterAuthorise: number };
}

interface State {
  nextProt: number;
  nextRec: number;
  authorisations: AuthorisationRecord[];
  receipts: ReceiptRecord[];
  counters: Counters;
}

/** What the handler of a service answers: the answer element, and whether the answer is to be lost. */
interface Outcome {
  answer: string;
  lose?: boolean;
}

/** A request that cannot be read as the service's message: answered with a SOAP Fault (Sender). */
class Unreadable extends Error {}

const tag = (name: string, value: string | undefined) =>
  value === undefined ? '' : `<${name}>${escapeXml(value)}</${name}>`;

const increment = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * The xMotivo of a code: the official text (`cstat.json`, else the manual's for the few it lacks), its
 * placeholders (`[nRec:999999999999999]`) replaced by the values given, as the authorisers fill them in, and a
 * detail in brackets where one helps (a schema error); cut to the 255 characters xMotivo may hold.
 */
export function sefazMotivo(
  cStat: string,
  values: ReadonlyArray<[string, string]> = [],
  detail?: string,
): string {
  const official =
    cStatTable().entries.get(cStat)?.xMotivo ?? CODES_OUTSIDE_TABLE[cStat] ?? `Rejeição: código ${cStat}`;
  const text =
    official.replace(/\s*\[[^\]]*\]/g, '') +
    (values.length > 0 ? ` ${values.map(([name, value]) => `[${name}:${value}]`).join('')}` : '') +
    (detail ? ` [${detail.replace(/\s+/g, ' ').trim()}]` : '');
  return text.length > XMOTIVO_MAX ? `${text.slice(0, XMOTIVO_MAX - 1)}…` : text;
}

/** The CNPJ (14 characters) or CPF (11 digits) of an ICP-Brasil-like certificate: the end of its CN, after ':'. */
export function icpBrasilHolder(certificate: X509Certificate): string | undefined {
  const cn = certificate.subject
    .split('\n')
    .find((line) => line.startsWith('CN='))
    ?.slice(3);
  return /:([0-9A-Z]{12}[0-9]{2}|[0-9]{11})$/.exec(cn ?? '')?.[1];
}

/** The first 8 characters of a CNPJ (its base: the company, whatever the establishment); a CPF whole. */
const holderBase = (holder: string) => (holder.length === 14 ? holder.slice(0, 8) : holder);

function pemKeyPair(): { publicPem: string; privatePem: string } {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

type NameAttribute = { name?: string; shortName?: string; value: string };

interface CertificateSpec {
  subject: NameAttribute[];
  publicPem: string;
  issuer: { subject: NameAttribute[]; keyPem: string };
  extensions: object[];
  validity: { notBefore: Date; notAfter: Date };
}

function makeCertificate(spec: CertificateSpec): string {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(spec.publicPem);
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = spec.validity.notBefore;
  cert.validity.notAfter = spec.validity.notAfter;
  cert.setSubject(spec.subject);
  cert.setIssuer(spec.issuer.subject);
  cert.setExtensions(spec.extensions);
  cert.sign(forge.pki.privateKeyFromPem(spec.issuer.keyPem), forge.md.sha256.create());
  return forge.pki.certificateToPem(cert);
}

const CA_SUBJECT: NameAttribute[] = [
  { name: 'countryName', value: 'BR' },
  { name: 'organizationName', value: 'ICP-Brasil' },
  { shortName: 'OU', value: 'Teste - einvoice SEFAZ stand-in' },
  { name: 'commonName', value: 'AC TESTE einvoice SEFAZ stand-in' },
];

/** Whether a certificate is usable at both instants (the TLS layer reads the system clock, the checks the stand-in's). */
function validAt(certificate: X509Certificate, ...instants: number[]): boolean {
  const from = Date.parse(certificate.validFrom);
  const to = Date.parse(certificate.validTo);
  return instants.every((t) => t >= from && t <= to);
}

function readCertificate(file: string): X509Certificate | undefined {
  try {
    return existsSync(file) ? new X509Certificate(readFileSync(file)) : undefined;
  } catch {
    return undefined;
  }
}

/** The facts of a signature checked: the code of its first problem (or none), its digest, its certificate's holder. */
interface SignatureVerdict {
  cStat?: string;
  detail?: string;
  digVal?: string;
  holder?: string;
}

/**
 * The fields of an NF-e's access key, from the document (rule 502): `[name, value as the key writes it]`,
 * empty values where the document has none.
 */
function keyFieldsOf(inf: XmlTreeElement): Array<[string, string, number]> {
  const ide = childOf(inf, 'ide');
  const emit = childOf(inf, 'emit');
  const read = (el: XmlTreeElement | undefined, name: string) => (el && optionalText(el, name)) ?? '';
  const pad = (value: string, width: number) => (/^\d+$/.test(value) ? value.padStart(width, '0') : value);
  const dhEmi = read(ide, 'dhEmi');
  const issuer = read(emit, 'CNPJ') || read(emit, 'CPF');
  return [
    ['cUF', read(ide, 'cUF'), 2],
    ['dhEmi', /^\d{4}-\d{2}/.test(dhEmi) ? dhEmi.slice(2, 4) + dhEmi.slice(5, 7) : '', 4],
    [read(emit, 'CNPJ') ? 'CNPJ' : 'CPF', issuer.padStart(14, '0'), 14],
    ['mod', read(ide, 'mod'), 2],
    ['serie', pad(read(ide, 'serie'), 3), 3],
    ['nNF', pad(read(ide, 'nNF'), 9), 9],
    ['tpEmis', read(ide, 'tpEmis'), 1],
    ['cNF', pad(read(ide, 'cNF'), 8), 8],
    ['cDV', read(ide, 'cDV'), 1],
  ];
}

/**
 * A local stand-in of a SEFAZ authoriser's NF-e 4.00 web services, for offline tests and the demo: SOAP 1.2
 * over HTTPS with mutual TLS, the five services of `connectors/sefaz/soap.ts`, each answering with SEFAZ's
 * own result codes and texts (`cstat.json`). Every service is at `POST /ws/<Service>.asmx` and at
 * `POST /<Service>` (the service name as SEFAZ_SERVICES spells it, in any case); the service the envelope's
 * `nfeDadosMsg` names must be the one of the path.
 *
 * TLS: a test CA, a server certificate for 127.0.0.1/localhost and a client A1 certificate
 * (`CN=EMPRESA TESTE:<CNPJ>`, as ICP-Brasil writes the holder) are made at the first start and kept in
 * `<dataDir>/sefaz-standin/tls/`; the client's is also a PKCS#12 bundle with a password. The client must
 * present a certificate of that CA (unless `requireClientCertificate` is false).
 *
 * NFeAutorizacao4: lote checks (225 schema, 764 indSinc 1 with more than one NF-e, 404 prefixes when asked),
 * then each NF-e in the manual's order: 290–293 and 297/298 signature and its certificate (RSA-SHA1 over
 * SHA-1 digests, inclusive C14N, enveloped, by the Id of infNFe, the certificate issued by the test CA),
 * 227 Id without "NFe", 236 the key's check digit, 502 the key is not the document's cUF/dhEmi/issuer/mod/
 * serie/nNF/tpEmis/cNF/cDV, 252 tpAmb, 212/228 dhEmi too far ahead/behind, 213 the signing certificate's
 * CNPJ-base is not the issuer's, 218 the key was cancelled, 204 the key was authorised (xMotivo with the
 * original nProt and dhAut: never a second authorisation), 539 the number was authorised under another key.
 * Then 100 with nProt, digVal (the NF-e's DigestValue) and dhRecbto. indSinc 1 answers 104 with the protNFe;
 * indSinc 0 answers 103 with nRec, and NFeRetAutorizacao4 answers 105 `pendingPolls` times, then 104 with
 * the protNFe of each NF-e (106 for an unknown receipt). The lote is processed when received.
 *
 * NFeConsultaProtocolo4: 100 with the protNFe, 101 (151 when cancelled late) with the protNFe and the
 * procEventoNFe of each event, 217 unknown key (216 when its number was authorised under another key), 236
 * bad check digit. NFeRecepcaoEvento4: 128 with a retEvento per event: cancelamento 110111 (135 in the
 * deadline, 155 late, 501 beyond; 222 another nProt; 218 already cancelled) and carta de correção 110110
 * (135, each nSeqEvento once, 580 on a cancelled NF-e); for both 491 other types, 572 Id, 236, 494 unknown
 * key, 574 author not the issuer, 577/578 dhEvento, 573 the same event twice, 290–298 and 213 signature.
 * NFeStatusServico4 answers the status (107, 108, 109); while 108 or 109 every service answers that code.
 *
 * Also: `GET /stats`, `GET /nfe/<chNFe>` (the nfeProc of an authorised NF-e), `POST /control/status`
 * (`{"status":"108"}`). State lives in `<dataDir>/sefaz-standin/` and is resumed on start.
 */
export class SefazStandIn {
  url = '';
  /** The test CA (PEM): what a client trusts the server with, and what issued the client certificate. */
  caPem = '';
  /** The client A1 certificate (PEM) and its key (PKCS#8 PEM). */
  clientCertPem = '';
  clientKeyPem = '';
  /** The client certificate, its key and the CA as PKCS#12 (opened with `clientPfxPassword`). */
  clientPfx: Buffer = Buffer.alloc(0);
  clientPfxPassword = '';
  readonly clientCnpj: string;
  /** Files of the TLS material, in `<dataDir>/sefaz-standin/tls/`. */
  readonly caFile: string;
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
  readonly clientPfxFile: string;
  private readonly root: string;
  private readonly temporary: boolean;
  private readonly tlsDir: string;
  private caKeyPem = '';
  private serverKeyPem = '';
  private serverCertPem = '';
  private state: State = SefazStandIn.emptyState();
  private readonly byKey = new Map<string, AuthorisationRecord>();
  private readonly byNatural = new Map<string, AuthorisationRecord>();
  private readonly byRec = new Map<string, ReceiptRecord>();
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private stopped = false;
  private serviceStatus: SefazServiceStatus;
  private readonly faults: { timeoutAfterAuthorise: number; dropNext: number; errorNext: number };
  private readonly clock: () => Date;
  private readonly tpAmb: '1' | '2';
  private xsd: XsdValidatorPool | undefined;
  private schemaFiles: Partial<Record<SchemaId, string>> = {};
  private xsdStatus = 'not checked (no schemasDir)';

  constructor(readonly options: SefazStandInOptions = {}) {
    this.temporary = options.dataDir === undefined;
    this.root = options.dataDir
      ? join(options.dataDir, 'sefaz-standin')
      : mkdtempSync(join(tmpdir(), 'einvoice-sefaz-standin-'));
    this.tlsDir = join(this.root, 'tls');
    this.caFile = join(this.tlsDir, 'ca.crt.pem');
    this.clientCertFile = join(this.tlsDir, 'client.crt.pem');
    this.clientKeyFile = join(this.tlsDir, 'client.key.pem');
    this.clientPfxFile = join(this.tlsDir, 'client.p12');
    this.clientCnpj = options.clientCnpj ?? SEFAZ_STANDIN_CNPJ;
    if (!/^[0-9A-Z]{12}[0-9]{2}$/.test(this.clientCnpj))
      throw new RangeError(`clientCnpj "${this.clientCnpj}" is not a CNPJ of 14 characters`);
    this.serviceStatus = options.status ?? '107';
    this.faults = {
      timeoutAfterAuthorise: options.faults?.timeoutAfterAuthorise ?? 0,
      dropNext: options.faults?.dropNext ?? 0,
      errorNext: options.faults?.errorNext ?? 0,
    };
    this.clock = options.now ?? (() => new Date());
    this.tpAmb = options.tpAmb ?? '2';
  }

  private static emptyState(): State {
    return {
      nextProt: 1,
      nextRec: 1,
      authorisations: [],
      receipts: [],
      counters: {
        requests: {},
        authorised: 0,
        duplicates: 0,
        rejected: {},
        events: {},
        eventsRejected: {},
        stopped: 0,
        malformed: 0,
        faults: { dropped: 0, errors: 0, timeoutsAfterAuthorise: 0 },
      },
    };
  }

  private get stateFile(): string {
    return join(this.root, 'state.json');
  }

  private get pendingPolls(): number {
    return this.options.pendingPolls ?? 1;
  }

  private get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  /** Loads the state and the TLS material (made at the first start), checks the schemas, listens (HTTPS). */
  async start(): Promise<string> {
    this.stopped = false;
    mkdirSync(join(this.root, 'nfe'), { recursive: true });
    mkdirSync(join(this.root, 'events'), { recursive: true });
    this.state = existsSync(this.stateFile)
      ? (JSON.parse(readFileSync(this.stateFile, 'utf8')) as State)
      : SefazStandIn.emptyState();
    this.byKey.clear();
    this.byNatural.clear();
    this.byRec.clear();
    for (const record of this.state.authorisations) this.index(record);
    for (const receipt of this.state.receipts) this.byRec.set(receipt.nRec, receipt);
    this.loadTls();
    await this.prepareXsd();
    const mutual = this.options.requireClientCertificate ?? true;
    this.server = createServer(
      {
        key: this.serverKeyPem,
        cert: this.serverCertPem,
        ca: [this.caPem],
        requestCert: mutual,
        rejectUnauthorized: mutual,
        minVersion: 'TLSv1.2',
      },
      (req, res) => {
        this.handle(req, res).catch((error) => {
          if (!res.headersSent)
            res
              .writeHead(500, { 'content-type': SEFAZ_CONTENT_TYPE })
              .end(sefazFault('Receiver', describeError(error).message));
        });
      },
    );
    // the TLS server is an HTTP server too (https.Server extends it in the types by declaration merging)
    const address = await listenTracked(
      this.server,
      this.options.port ?? SEFAZ_STANDIN_PORT,
      this.host,
      this.sockets,
    );
    this.url = address.replace(/^http:/, 'https:');
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await closeServer(this.server, this.sockets);
    this.server = undefined;
    await this.xsd?.close();
    this.xsd = undefined;
    if (this.temporary) rmSync(this.root, { recursive: true, force: true });
  }

  /** The state NFeStatusServico4 reports from now on; while 108 or 109, every service answers that code. */
  setStatus(status: SefazServiceStatus): void {
    if (!['107', '108', '109'].includes(status))
      throw new RangeError(`status "${String(status)}" is not 107, 108 or 109`);
    this.serviceStatus = status;
  }

  get status(): SefazServiceStatus {
    return this.serviceStatus;
  }

  /** The URL of a service, as the stand-in serves it (`<url>/ws/<Service>.asmx`). */
  serviceUrl(service: SefazService): string {
    return `${this.url}/ws/${service}.asmx`;
  }

  /**
   * A further A1 certificate issued by the test CA, for another company (`CN=<company>:<cnpj>`): a second
   * issuer in a test, or a signer whose CNPJ-base is not the issuer's (213). Call after `start()`.
   */
  issueCertificate(cnpj: string, company = 'OUTRA EMPRESA TESTE'): SefazTestCertificate {
    if (!this.caKeyPem) throw new Error('The test CA is made by start()');
    const key = pemKeyPair();
    return { keyPem: key.privatePem, certPem: this.clientCertificate(key.publicPem, cnpj, company) };
  }

  /** The endpoints, the rules with their codes, TLS, the schema check and the faults, as text. */
  describe(): string {
    const u = this.url || `https://${this.host}:${this.options.port ?? SEFAZ_STANDIN_PORT}`;
    const faults = this.options.faults ?? {};
    const faultList = [
      faults.timeoutAfterAuthorise
        ? `the next ${faults.timeoutAfterAuthorise} lotes of NFeAutorizacao4 are processed, then left without an answer`
        : '',
      faults.dropNext ? `the next ${faults.dropNext} requests are dropped unprocessed` : '',
      faults.errorNext ? `the next ${faults.errorNext} requests answer HTTP 500 (SOAP Fault)` : '',
      faults.latencyMs ? `${faults.latencyMs} ms before every answer` : '',
    ].filter(Boolean);
    const deadline = this.options.cancellation?.deadlineHours ?? 24;
    const late = this.options.cancellation?.lateHours ?? 168;
    return [
      `SEFAZ stand-in (NF-e 4.00, SOAP 1.2, tpAmb ${this.tpAmb}) at ${u}, status ${this.serviceStatus}`,
      ...SEFAZ_SERVICE_NAMES.map(
        (s) =>
          `  POST ${u}/ws/${s}.asmx  (or ${u}/${s})  ${SEFAZ_SERVICES[s].request} -> ${SEFAZ_SERVICES[s].answer}`,
      ),
      `  GET  ${u}/stats   GET ${u}/nfe/{chNFe} (nfeProc)   POST ${u}/control/status {"status":"107"|"108"|"109"}`,
      `TLS: ${this.options.requireClientCertificate === false ? 'server certificate only' : 'mutual TLS, client certificates of the test CA only'}; ` +
        `CA ${this.caFile}; client CN=EMPRESA TESTE:${this.clientCnpj} in ${this.clientPfxFile} (password in ${this.clientPfxFile}.password) and ${this.clientCertFile}`,
      `Schemas: ${this.xsdStatus}`,
      'NFeAutorizacao4: 225 schema, 764 indSinc=1 with more than one NF-e' +
        `${this.options.rejectNamespacePrefixes ? ', 404 namespace prefix' : ''}; per NF-e 290-293 signing certificate ` +
        '(absent, not valid now, no CNPJ, not of the test CA), 298 signature not RSA-SHA1/SHA-1/C14N/enveloped by the Id of infNFe, ' +
        '297 signature does not verify, 227 Id without "NFe", 236 check digit, 502 key is not the document\'s fields, 252 tpAmb, ' +
        "212/228 dhEmi over 5 min ahead/30 days behind, 213 signing CNPJ-base is not the issuer's, 218 cancelled key, " +
        '204 key authorised before ([nProt][dhAut] of the original), 539 number authorised under another key; then 100. ' +
        `indSinc=1: 104 + protNFe; indSinc=0: 103 + nRec, NFeRetAutorizacao4 105 x ${this.pendingPolls} then 104 (106 unknown nRec)`,
      'NFeConsultaProtocolo4: 100 + protNFe, 101/151 cancelled + procEventoNFe, 217 unknown (216 another key of that number), 236',
      `NFeRecepcaoEvento4: 128 + retEvento; 110111 cancelamento 135 within ${deadline} h, 155 within ${late} h, else 501; 222 nProt, 218 cancelled; ` +
        '110110 carta de correção 135 (580 cancelled NF-e); 491 type, 572 Id, 236, 494 unknown key, 574 author, 577/578 dhEvento, 573 duplicate, 290-298/213 signature',
      'NFeStatusServico4: 107, 108 or 109 (setStatus); while 108/109 every service answers it',
      `Faults: ${faultList.length ? faultList.join('; ') : 'none'}`,
    ].join('\n');
  }

  /** Counters: requests by service, authorisations, duplicates (204, 539), rejections and events by code, faults. */
  stats() {
    const c = this.state.counters;
    return {
      requests: { ...c.requests },
      authorised: c.authorised,
      cancelled: this.state.authorisations.filter((a) => a.cancelled).length,
      duplicates: c.duplicates,
      rejected: { ...c.rejected },
      receipts: this.state.receipts.length,
      events: { registered: { ...c.events }, rejected: { ...c.eventsRejected } },
      stopped: c.stopped,
      malformed: c.malformed,
      faults: { ...c.faults },
    };
  }

  /** The authorisations, oldest first. */
  authorisations() {
    return this.state.authorisations.map((a) => ({
      chNFe: a.chNFe,
      nProt: a.nProt,
      digVal: a.digVal,
      dhRecbto: a.dhRecbto,
      nRec: a.nRec,
      cancelled: a.cancelled !== undefined,
      events: a.events.map((e) => ({ ...e })),
    }));
  }

  /** The nfeProc (NFe with its protNFe) of an authorised key, as kept. */
  nfeProcOf(chNFe: string): string | undefined {
    const file = join(this.root, 'nfe', `${chNFe}.xml`);
    return this.byKey.has(chNFe) && existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  }

  // -------------------------------------------------------------------------------------------------------
  // State, TLS material, schemas
  // -------------------------------------------------------------------------------------------------------

  private index(record: AuthorisationRecord): void {
    this.byKey.set(record.chNFe, record);
    this.byNatural.set(record.natural, record);
  }

  private save(): void {
    if (this.stopped) return;
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state));
    renameSync(temporary, this.stateFile);
  }

  private validity(): { notBefore: Date; notAfter: Date } {
    const now = Date.now();
    const clock = this.clock().getTime();
    return {
      notBefore: new Date(Math.min(now, clock) - DAY),
      notAfter: new Date(Math.max(now, clock) + CERTIFICATE_YEARS * 365 * DAY),
    };
  }

  private clientCertificate(publicPem: string, cnpj: string, company: string): string {
    return makeCertificate({
      subject: [
        { name: 'countryName', value: 'BR' },
        { name: 'organizationName', value: 'ICP-Brasil' },
        { shortName: 'OU', value: 'Teste - einvoice SEFAZ stand-in' },
        { shortName: 'OU', value: 'RFB e-CNPJ A1' },
        { name: 'commonName', value: `${company}:${cnpj}` },
      ],
      publicPem,
      issuer: { subject: CA_SUBJECT, keyPem: this.caKeyPem },
      extensions: [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, nonRepudiation: true, keyEncipherment: true },
        { name: 'extKeyUsage', clientAuth: true, emailProtection: true },
      ],
      validity: this.validity(),
    });
  }

  /**
   * The test CA, the server and the client certificates of the data folder; each is made again when missing,
   * out of its validity, not issued by the CA, or (the server's) not naming the host, (the client's) not of
   * `clientCnpj`.
   */
  private loadTls(): void {
    const dir = this.tlsDir;
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const file = (name: string) => join(dir, name);
    const writeKey = (path: string, pem: string) => {
      writeFileSync(path, pem, { mode: 0o600 });
      chmodSync(path, 0o600);
    };
    const instants = [Date.now(), this.clock().getTime()];
    let ca = readCertificate(this.caFile);
    const fresh = !ca || !existsSync(file('ca.key.pem')) || !validAt(ca, ...instants);
    if (fresh) {
      const key = pemKeyPair();
      writeKey(file('ca.key.pem'), key.privatePem);
      writeFileSync(
        this.caFile,
        makeCertificate({
          subject: CA_SUBJECT,
          publicPem: key.publicPem,
          issuer: { subject: CA_SUBJECT, keyPem: key.privatePem },
          extensions: [
            { name: 'basicConstraints', cA: true, critical: true },
            { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
          ],
          validity: this.validity(),
        }),
      );
      ca = readCertificate(this.caFile)!;
    }
    this.caKeyPem = readFileSync(file('ca.key.pem'), 'utf8');
    this.caPem = readFileSync(this.caFile, 'utf8');
    const issued = (c: X509Certificate | undefined): c is X509Certificate =>
      c !== undefined && validAt(c, ...instants) && c.checkIssued(ca!) && c.verify(ca!.publicKey);

    const server = readCertificate(file('server.crt.pem'));
    const hostNamed = (c: X509Certificate) =>
      /^[\d.]+$|:/.test(this.host)
        ? c.checkIP(this.host) !== undefined
        : c.checkHost(this.host) !== undefined;
    if (fresh || !issued(server) || !hostNamed(server) || !existsSync(file('server.key.pem'))) {
      const key = pemKeyPair();
      const extra = ['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(this.host) ? [] : [this.host];
      const altNames = [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
        ...extra.map((h) => (/^[\d.]+$|:/.test(h) ? { type: 7, ip: h } : { type: 2, value: h })),
      ];
      writeKey(file('server.key.pem'), key.privatePem);
      writeFileSync(
        file('server.crt.pem'),
        makeCertificate({
          subject: [
            { name: 'countryName', value: 'BR' },
            { name: 'organizationName', value: 'einvoice SEFAZ stand-in' },
            { name: 'commonName', value: 'localhost' },
          ],
          publicPem: key.publicPem,
          issuer: { subject: CA_SUBJECT, keyPem: this.caKeyPem },
          extensions: [
            { name: 'basicConstraints', cA: false },
            { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
            { name: 'extKeyUsage', serverAuth: true },
            { name: 'subjectAltName', altNames },
          ],
          validity: this.validity(),
        }),
      );
    }
    this.serverKeyPem = readFileSync(file('server.key.pem'), 'utf8');
    this.serverCertPem = readFileSync(file('server.crt.pem'), 'utf8');

    const client = readCertificate(this.clientCertFile);
    const passwordFile = `${this.clientPfxFile}.password`;
    if (
      fresh ||
      !issued(client) ||
      icpBrasilHolder(client) !== this.clientCnpj ||
      !existsSync(this.clientKeyFile) ||
      !existsSync(this.clientPfxFile) ||
      !existsSync(passwordFile)
    ) {
      const key = pemKeyPair();
      const certPem = this.clientCertificate(key.publicPem, this.clientCnpj, 'EMPRESA TESTE');
      const password = randomBytes(12).toString('hex');
      const p12 = forge.pkcs12.toPkcs12Asn1(
        forge.pki.privateKeyFromPem(key.privatePem),
        [forge.pki.certificateFromPem(certPem), forge.pki.certificateFromPem(this.caPem)],
        password,
        { algorithm: 'aes256', friendlyName: `EMPRESA TESTE:${this.clientCnpj}` },
      );
      writeKey(this.clientKeyFile, key.privatePem);
      writeFileSync(this.clientCertFile, certPem);
      writeKey(passwordFile, password);
      writeFileSync(this.clientPfxFile, Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), {
        mode: 0o600,
      });
    }
    this.clientKeyPem = readFileSync(this.clientKeyFile, 'utf8');
    this.clientCertPem = readFileSync(this.clientCertFile, 'utf8');
    this.clientPfx = readFileSync(this.clientPfxFile);
    this.clientPfxPassword = readFileSync(passwordFile, 'utf8').trim();
  }

  /** Finds the PL_009_V4 schemas in the schema folder and checks that they compile; otherwise they are skipped. */
  private async prepareXsd(): Promise<void> {
    const dir = this.options.schemasDir;
    if (!dir || this.xsd) return;
    const folder = NFE_SCHEMA_FOLDERS.map((f) => join(dir, f)).find((f) =>
      existsSync(join(f, SCHEMA_FILES.enviNFe)),
    );
    if (!folder) {
      this.xsdStatus = `not checked: no ${SCHEMA_FILES.enviNFe} in ${NFE_SCHEMA_FOLDERS.map((f) => join(dir, f)).join(', ')}`;
      return;
    }
    const files: Partial<Record<SchemaId, string>> = {};
    for (const [id, name] of Object.entries(SCHEMA_FILES) as Array<[SchemaId, string]>)
      if (existsSync(join(folder, name))) files[id] = join(folder, name);
    const pool = new NfeXsdPool(dir, files);
    const compiled: string[] = [];
    for (const id of Object.keys(files) as SchemaId[]) {
      const root = id.startsWith('envEvento') ? 'envEvento' : id;
      try {
        // an empty root element only tells whether the schema compiles: its own problems are expected
        await pool.validate(`<${root} xmlns="${NFE_NS}"/>`, id);
        compiled.push(SCHEMA_FILES[id]);
      } catch (error) {
        if (id === 'enviNFe') {
          this.xsdStatus = `not checked: ${files[id]} does not compile (${describeError(error).message})`;
          await pool.close();
          return;
        }
        delete files[id];
      }
    }
    this.xsd = pool;
    this.schemaFiles = files;
    this.xsdStatus = `PL_009_V4 from ${folder} (${compiled.join(', ')})`;
  }

  /** The first problem of `xml` against a schema, or undefined (valid, or the schema is not there). */
  private async schemaProblem(id: SchemaId, xml: string): Promise<string | undefined> {
    if (!this.xsd || !this.schemaFiles[id]) return undefined;
    const problems = await this.xsd.validate(xml, id);
    return problems[0]?.message;
  }

  // -------------------------------------------------------------------------------------------------------
  // HTTP
  // -------------------------------------------------------------------------------------------------------

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  }

  private sendFault(res: ServerResponse, status: number, code: 'Sender' | 'Receiver', reason: string): void {
    res.writeHead(status, { 'content-type': SEFAZ_CONTENT_TYPE }).end(sefazFault(code, reason));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readLimitedBody(req, MAX_BODY);
    const url = new URL(req.url ?? '/', 'https://stand-in');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const method = req.method ?? 'GET';
    if (method === 'GET' && path === '/stats') return this.sendJson(res, 200, this.stats());
    const nfe = /^\/nfe\/([0-9A-Z]{44})$/.exec(path);
    if (method === 'GET' && nfe) {
      const xml = this.nfeProcOf(nfe[1]!);
      if (xml === undefined) return this.sendJson(res, 404, { code: '217', message: sefazMotivo('217') });
      res.writeHead(200, { 'content-type': 'application/xml; charset=utf-8' }).end(xml);
      return;
    }
    if (method === 'POST' && path === '/control/status') {
      let status: unknown;
      try {
        status = (JSON.parse((body ?? Buffer.alloc(0)).toString('utf8')) as { status?: unknown }).status;
      } catch {
        status = undefined;
      }
      if (status !== '107' && status !== '108' && status !== '109')
        return this.sendJson(res, 400, { message: 'Expected {"status": "107" | "108" | "109"}' });
      this.setStatus(status);
      return this.sendJson(res, 200, { status });
    }
    const named = SERVICE_PATH.exec(path)?.[1]?.toLowerCase();
    const service = SEFAZ_SERVICE_NAMES.find((s) => s.toLowerCase() === named);
    if (!service) return this.sendJson(res, 404, { message: `No route ${method} ${path}` });
    if (method !== 'POST')
      return this.sendFault(res, 405, 'Sender', `${service} takes POST (SOAP 1.2), not ${method}`);

    const counters = this.state.counters;
    increment(counters.requests, service);
    const latency = this.options.faults?.latencyMs;
    if (latency) await new Promise((resolveDelay) => setTimeout(resolveDelay, latency));
    if (this.faults.dropNext > 0) {
      this.faults.dropNext--;
      counters.faults.dropped++;
      this.save();
      req.socket.destroy();
      return;
    }
    if (this.faults.errorNext > 0) {
      this.faults.errorNext--;
      counters.faults.errors++;
      this.save();
      return this.sendFault(res, 500, 'Receiver', 'Erro interno do servidor (stand-in: errorNext)');
    }
    if (body === undefined || body.length > MAX_REQUEST_BYTES) {
      increment(counters.rejected, '214');
      this.save();
      return this.sendFault(res, 400, 'Sender', sefazMotivo('214', [], `over ${MAX_REQUEST_BYTES} bytes`));
    }

    let doc: SefazXml;
    try {
      doc = this.readRequest(service, body);
    } catch (error) {
      counters.malformed++;
      this.save();
      const reason = error instanceof Unreadable ? error.message : describeError(error).message;
      return this.sendFault(res, 400, 'Sender', `${sefazMotivo('243')}: ${reason}`);
    }
    const outcome = await this.serve(service, doc);
    this.save();
    if (outcome.lose) {
      req.socket.destroy();
      return;
    }
    res.writeHead(200, { 'content-type': SEFAZ_CONTENT_TYPE }).end(sefazAnswer(service, outcome.answer));
  }

  /** The request element of a SOAP request to `service`, parsed with the safe parser (no DTD). */
  private readRequest(service: SefazService, body: Buffer): SefazXml {
    let payload: ReturnType<typeof readSefazRequest>;
    try {
      payload = readSefazRequest(body);
    } catch (error) {
      if (!isEInvoiceError(error)) throw error;
      const detail = error.details[0];
      throw new Unreadable(
        `${error.message}${detail?.message && !error.message.includes(detail.message) ? ` (${detail.message})` : ''}`,
      );
    }
    if (payload.service !== service)
      throw new Unreadable(`nfeDadosMsg is of ${payload.service ?? 'no service'}, posted to ${service}`);
    const expected = SEFAZ_SERVICES[service].request;
    if (payload.element !== expected)
      throw new Unreadable(`${service} takes ${expected}, not ${payload.element}`);
    return parseSefazXml(payload.xml, `The ${expected}`, 'sefaz.invalid-request');
  }

  private async serve(service: SefazService, doc: SefazXml): Promise<Outcome> {
    switch (service) {
      case 'NFeStatusServico4':
        return this.statusServico(doc);
      case 'NFeAutorizacao4':
        return this.autorizacao(doc);
      case 'NFeRetAutorizacao4':
        return this.retAutorizacao(doc);
      case 'NFeConsultaProtocolo4':
        return this.consulta(doc);
      case 'NFeRecepcaoEvento4':
        return this.recepcaoEvento(doc);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // Answers
  // -------------------------------------------------------------------------------------------------------

  /** dhRecbto and the like: the clock in the time zone of the unit. */
  private dh(now: Date, cUF: string): string {
    return localDateTime(now, ufOfCode(cUF) ?? ufOfCode(FALLBACK_CUF)!);
  }

  private rejected(cStat: string): void {
    increment(this.state.counters.rejected, cStat);
    if (cStat === '204' || cStat === '539') this.state.counters.duplicates++;
  }

  /** A lote-level answer (the stopped service, a schema failure, …) counted as a rejection unless a state. */
  private count(cStat: string): void {
    if (cStat === '108' || cStat === '109') this.state.counters.stopped++;
    else this.rejected(cStat);
  }

  private retEnviNFe(cUF: string, cStat: string, motivo: string, now: Date, tail = ''): string {
    return (
      `<retEnviNFe xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', this.tpAmb)}${tag('verAplic', VER_APLIC)}` +
      `${tag('cStat', cStat)}${tag('xMotivo', motivo)}${tag('cUF', cUF)}${tag('dhRecbto', this.dh(now, cUF))}${tail}</retEnviNFe>`
    );
  }

  private retConsReciNFe(
    nRec: string,
    cUF: string,
    cStat: string,
    motivo: string,
    now: Date,
    tail = '',
  ): string {
    return (
      `<retConsReciNFe xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', this.tpAmb)}${tag('verAplic', VER_APLIC)}` +
      `${tag('nRec', nRec)}${tag('cStat', cStat)}${tag('xMotivo', motivo)}${tag('cUF', cUF)}` +
      `${tag('dhRecbto', this.dh(now, cUF))}${tail}</retConsReciNFe>`
    );
  }

  private retConsSitNFe(
    chNFe: string,
    cUF: string,
    cStat: string,
    motivo: string,
    now: Date,
    tail = '',
  ): string {
    return (
      `<retConsSitNFe xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', this.tpAmb)}${tag('verAplic', VER_APLIC)}` +
      `${tag('cStat', cStat)}${tag('xMotivo', motivo)}${tag('cUF', cUF)}${tag('dhRecbto', this.dh(now, cUF))}` +
      `${tag('chNFe', chNFe)}${tail}</retConsSitNFe>`
    );
  }

  private retEnvEvento(idLote: string, cOrgao: string, cStat: string, motivo: string, tail = ''): string {
    return (
      `<retEnvEvento xmlns="${NFE_NS}" versao="1.00">${tag('idLote', idLote)}${tag('tpAmb', this.tpAmb)}` +
      `${tag('verAplic', VER_APLIC)}${tag('cOrgao', cOrgao)}${tag('cStat', cStat)}${tag('xMotivo', motivo)}${tail}</retEnvEvento>`
    );
  }

  private protNFe(fields: {
    chNFe: string;
    cStat: string;
    motivo: string;
    dhRecbto: string;
    nProt?: string;
    digVal?: string;
  }): string {
    return (
      `<protNFe versao="4.00"><infProt${fields.nProt ? ` Id="ID${fields.nProt}"` : ''}>${tag('tpAmb', this.tpAmb)}` +
      `${tag('verAplic', VER_APLIC)}${tag('chNFe', fields.chNFe)}${tag('dhRecbto', fields.dhRecbto)}` +
      `${tag('nProt', fields.nProt)}${tag('digVal', fields.digVal)}${tag('cStat', fields.cStat)}` +
      `${tag('xMotivo', fields.motivo)}</infProt></protNFe>`
    );
  }

  private nextProt(cUF: string, now: Date): string {
    const seq = this.state.nextProt++;
    return `1${cUF}${String(now.getUTCFullYear() % 100).padStart(2, '0')}${String(seq).padStart(10, '0')}`;
  }

  private nextRec(cUF: string): string {
    return `${cUF}1${String(this.state.nextRec++).padStart(12, '0')}`;
  }

  /** The code of a namespace prefix in the data area, when prefixes are refused (404). */
  private prefixProblem(root: XmlTreeElement): string | undefined {
    if (!this.options.rejectNamespacePrefixes) return undefined;
    const visit = (el: XmlTreeElement): string | undefined =>
      el.nodeName.includes(':') ? el.nodeName : el.children.map(visit).find((found) => found !== undefined);
    return visit(root);
  }

  // -------------------------------------------------------------------------------------------------------
  // NFeStatusServico4
  // -------------------------------------------------------------------------------------------------------

  private async statusServico(doc: SefazXml): Promise<Outcome> {
    const now = this.clock();
    const root = doc.root;
    const requested = optionalText(root, 'cUF') ?? '';
    const cUF = ufOfCode(requested) ? requested : FALLBACK_CUF;
    const answer = (cStat: string, motivo: string, tail = '') =>
      `<retConsStatServ xmlns="${NFE_NS}" versao="4.00">${tag('tpAmb', this.tpAmb)}${tag('verAplic', VER_APLIC)}` +
      `${tag('cStat', cStat)}${tag('xMotivo', motivo)}${tag('cUF', cUF)}${tag('dhRecbto', this.dh(now, cUF))}${tail}</retConsStatServ>`;
    const problem =
      (await this.schemaProblem('consStatServ', doc.text)) ??
      (root.getAttribute('versao') !== '4.00' ? 'versao não é 4.00' : undefined) ??
      (!ufOfCode(requested) ? `cUF "${requested}"` : undefined) ??
      (optionalText(root, 'xServ') !== 'STATUS' ? 'xServ não é STATUS' : undefined);
    if (problem) {
      this.count('215');
      return { answer: answer('215', sefazMotivo('215', [], problem)) };
    }
    if (optionalText(root, 'tpAmb') !== this.tpAmb) {
      this.count('252');
      return { answer: answer('252', sefazMotivo('252')) };
    }
    const status = this.serviceStatus;
    if (status !== '107') this.state.counters.stopped++;
    const tail =
      status === '107'
        ? tag('tMed', '1')
        : status === '108'
          ? tag('dhRetorno', this.dh(new Date(now.getTime() + 15 * MINUTE), cUF))
          : '';
    return { answer: answer(status, sefazMotivo(status), tail) };
  }

  // -------------------------------------------------------------------------------------------------------
  // NFeAutorizacao4 and NFeRetAutorizacao4
  // -------------------------------------------------------------------------------------------------------

  private async autorizacao(doc: SefazXml): Promise<Outcome> {
    const root = doc.root;
    const documents = childrenOf(root, 'NFe');
    const firstIde = documents[0] && childOf(childOf(documents[0], 'infNFe') ?? documents[0], 'ide');
    const firstCUF = (firstIde && optionalText(firstIde, 'cUF')) ?? '';
    const cUF = ufOfCode(firstCUF) ? firstCUF : FALLBACK_CUF;
    const schema = await this.schemaProblem('enviNFe', doc.text);
    // from here on nothing waits: a lote sent at the same time finds what this one records
    const now = this.clock();
    const refuse = (cStat: string, detail?: string): Outcome => {
      this.count(cStat);
      return { answer: this.retEnviNFe(cUF, cStat, sefazMotivo(cStat, [], detail), now) };
    };
    if (this.serviceStatus !== '107') return refuse(this.serviceStatus);
    const indSinc = optionalText(root, 'indSinc');
    const problem =
      schema ??
      (root.getAttribute('versao') !== '4.00' ? 'versao não é 4.00' : undefined) ??
      (!/^\d{1,15}$/.test(optionalText(root, 'idLote') ?? '') ? 'idLote' : undefined) ??
      (indSinc !== '0' && indSinc !== '1' ? 'indSinc' : undefined) ??
      (documents.length < 1 || documents.length > MAX_NFE_PER_LOTE
        ? `${documents.length} NFe no lote`
        : undefined);
    if (problem) return refuse('225', problem);
    const prefixed = this.prefixProblem(root);
    if (prefixed) return refuse('404', prefixed);
    if (indSinc === '1' && documents.length > 1) return refuse('764');

    const nRec = this.nextRec(cUF);
    const protocols = documents.map((nfe) => this.authorise(doc, nfe, nRec, now));
    let lose = false;
    if (this.faults.timeoutAfterAuthorise > 0) {
      this.faults.timeoutAfterAuthorise--;
      this.state.counters.faults.timeoutsAfterAuthorise++;
      lose = true;
    }
    if (indSinc === '1')
      return { answer: this.retEnviNFe(cUF, '104', sefazMotivo('104'), now, protocols.join('')), lose };
    const receipt: ReceiptRecord = { nRec, cUF, receivedAt: now.toISOString(), polls: 0, protocols };
    this.state.receipts.push(receipt);
    this.byRec.set(nRec, receipt);
    return {
      answer: this.retEnviNFe(
        cUF,
        '103',
        sefazMotivo('103'),
        now,
        `<infRec>${tag('nRec', nRec)}${tag('tMed', '1')}</infRec>`,
      ),
      lose,
    };
  }

  /** The checks of one NF-e of a lote, in the manual's order, and its authorisation: its protNFe. */
  private authorise(doc: SefazXml, nfe: XmlTreeElement, nRec: string, now: Date): string {
    const inf = childOf(nfe, 'infNFe');
    const ide = inf && childOf(inf, 'ide');
    const emit = inf && childOf(inf, 'emit');
    const id = inf?.getAttribute('Id') ?? '';
    const chNFe = id.replace(/^NFe/, '');
    const cUF = (ide && optionalText(ide, 'cUF')) ?? FALLBACK_CUF;
    const dhRecbto = this.dh(now, cUF);
    // the digest, once read, goes into rejections too (as the authorisers answer them)
    const read: { digVal?: string } = {};
    const reject = (cStat: string, values: Array<[string, string]> = [], detail?: string) => {
      this.rejected(cStat);
      return this.protNFe({
        chNFe: /^[0-9A-Z]{44}$/.test(chNFe) ? chNFe : '0'.repeat(44),
        cStat,
        motivo: sefazMotivo(cStat, values, detail),
        dhRecbto,
        ...(read.digVal ? { digVal: read.digVal } : {}),
      });
    };
    if (!inf || !ide || !emit) return reject('225', [], 'NFe sem infNFe, ide ou emit');

    const signature = this.checkSignature(doc, nfe, id, now);
    read.digVal = signature.digVal;
    if (signature.cStat) return reject(signature.cStat, [], signature.detail);
    if (!id.startsWith('NFe')) return reject('227');
    if (!/^[0-9A-Z]{44}$/.test(chNFe)) return reject('502', [], `Id "${id}"`);
    if (accessKeyCheckDigit(chNFe.slice(0, 43)) !== chNFe[43]) return reject('236');
    const written = keyFieldsOf(inf);
    let at = 0;
    const differing: string[] = [];
    for (const [name, value, width] of written) {
      if (chNFe.slice(at, at + width) !== value) differing.push(name);
      at += width;
    }
    if (differing.length > 0) return reject('502', [], differing.join(', '));
    if (optionalText(ide, 'tpAmb') !== this.tpAmb) return reject('252');
    const dhEmi = optionalText(ide, 'dhEmi') ?? '';
    const emitted = Date.parse(dhEmi);
    if (!(emitted <= now.getTime() + EMISSION_FUTURE_TOLERANCE)) return reject('212');
    if (emitted < now.getTime() - EMISSION_MAX_AGE) return reject('228');
    const issuer = optionalText(emit, 'CNPJ') ?? optionalText(emit, 'CPF') ?? '';
    if (!signature.holder || holderBase(signature.holder) !== holderBase(issuer)) return reject('213');

    const previous = this.byKey.get(chNFe);
    if (previous?.cancelled) return reject('218', [['nProt', previous.cancelled.nProt]]);
    if (previous)
      return reject('204', [
        ['nProt', previous.nProt],
        ['dhAut', previous.dhRecbto],
      ]);
    // the number of the NF-e: unit, issuer, model, series and number (the key's fields but AAMM, tpEmis, cNF)
    const natural = [this.tpAmb, ...[0, 2, 3, 4, 5].map((i) => written[i]![1])].join('|');
    const sameNumber = this.byNatural.get(natural);
    if (sameNumber)
      return reject('539', [
        ['chNFe', sameNumber.chNFe],
        ['nRec', sameNumber.nRec],
      ]);

    const nProt = this.nextProt(chNFe.slice(0, 2), now);
    const prot = this.protNFe({
      chNFe,
      cStat: '100',
      motivo: sefazMotivo('100'),
      dhRecbto,
      nProt,
      digVal: read.digVal ?? '',
    });
    const record: AuthorisationRecord = {
      chNFe,
      natural,
      cUF: chNFe.slice(0, 2),
      issuer,
      dhEmi,
      nProt,
      digVal: read.digVal ?? '',
      dhRecbto,
      authorisedAt: now.toISOString(),
      nRec,
      prot,
      events: [],
    };
    // the authorised document as kept: checks that the protocol pairs with the NF-e it was made for
    writeFileSync(join(this.root, 'nfe', `${chNFe}.xml`), nfeProc(doc.textOf(nfe), prot));
    this.state.authorisations.push(record);
    this.index(record);
    this.state.counters.authorised++;
    return prot;
  }

  private async retAutorizacao(doc: SefazXml): Promise<Outcome> {
    const root = doc.root;
    const nRec = optionalText(root, 'nRec') ?? '';
    const receipt = this.byRec.get(nRec);
    const cUF = receipt?.cUF ?? (ufOfCode(nRec.slice(0, 2)) ? nRec.slice(0, 2) : FALLBACK_CUF);
    const schema = await this.schemaProblem('consReciNFe', doc.text);
    const now = this.clock();
    const answer = (cStat: string, motivo: string, tail = '') =>
      this.retConsReciNFe(/^\d{15}$/.test(nRec) ? nRec : '0'.repeat(15), cUF, cStat, motivo, now, tail);
    const refuse = (cStat: string, detail?: string): Outcome => {
      this.count(cStat);
      return { answer: answer(cStat, sefazMotivo(cStat, [], detail)) };
    };
    if (this.serviceStatus !== '107') return refuse(this.serviceStatus);
    const problem =
      schema ??
      (root.getAttribute('versao') !== '4.00' ? 'versao não é 4.00' : undefined) ??
      (!/^\d{15}$/.test(nRec) ? 'nRec' : undefined);
    if (problem) return refuse('215', problem);
    if (optionalText(root, 'tpAmb') !== this.tpAmb) return refuse('252');
    if (!receipt) return { answer: answer('106', sefazMotivo('106')) };
    if (receipt.polls < this.pendingPolls) {
      receipt.polls++;
      return { answer: answer('105', sefazMotivo('105')) };
    }
    receipt.polls++;
    return { answer: answer('104', sefazMotivo('104'), receipt.protocols.join('')) };
  }

  // -------------------------------------------------------------------------------------------------------
  // Signatures
  // -------------------------------------------------------------------------------------------------------

  /**
   * The signature of an NFe or evento, as SEFAZ checks it: its certificate (290 absent or unreadable, 291 not
   * valid now, 292 no CNPJ, 293 not issued by the test CA), its form (298: RSA-SHA1, SHA-1, inclusive C14N,
   * enveloped, one reference to `#<signedId>`, the last child of the signed document's root) and its value (297).
   */
  private checkSignature(
    doc: SefazXml,
    signed: XmlTreeElement,
    signedId: string,
    now: Date,
  ): SignatureVerdict {
    const signatures = signed.children.filter(
      (c) => c.localName === 'Signature' && c.namespaceURI === XMLDSIG_NS,
    );
    const signature = signatures[0];
    if (!signature) return { cStat: '290', detail: 'sem Signature' };
    const ds = (el: XmlTreeElement | undefined, name: string) => el && childOf(el, name, XMLDSIG_NS);
    const signedInfo = ds(signature, 'SignedInfo');
    const reference = ds(signedInfo, 'Reference');
    const digVal = (reference && optionalText(reference, 'DigestValue', XMLDSIG_NS)) ?? undefined;
    const x509 = ds(ds(ds(signature, 'KeyInfo'), 'X509Data'), 'X509Certificate')?.textContent.replace(
      /\s+/g,
      '',
    );
    if (!x509) return { cStat: '290', detail: 'sem X509Certificate', ...(digVal ? { digVal } : {}) };
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(Buffer.from(x509, 'base64'));
    } catch {
      return { cStat: '290', detail: 'certificado ilegível', ...(digVal ? { digVal } : {}) };
    }
    const holder = icpBrasilHolder(certificate);
    const verdict = (cStat?: string, detail?: string): SignatureVerdict => ({
      ...(cStat ? { cStat } : {}),
      ...(detail ? { detail } : {}),
      ...(digVal ? { digVal } : {}),
      ...(holder ? { holder } : {}),
    });
    if (!validAt(certificate, now.getTime())) return verdict('291');
    if (!holder) return verdict('292');
    const ca = new X509Certificate(this.caPem);
    if (!certificate.checkIssued(ca) || !certificate.verify(ca.publicKey)) return verdict('293');
    const algorithm = (el: XmlTreeElement | undefined) => el?.getAttribute('Algorithm') ?? '';
    const transforms = (ds(reference, 'Transforms')?.children ?? []).map(algorithm);
    const form: Array<[boolean, string]> = [
      [signatures.length === 1 && signed.children.at(-1) === signature, 'Signature não é o último elemento'],
      [algorithm(ds(signedInfo, 'SignatureMethod')) === RSA_SHA1, 'SignatureMethod não é rsa-sha1'],
      [algorithm(ds(signedInfo, 'CanonicalizationMethod')) === C14N, 'CanonicalizationMethod não é C14N'],
      [(signedInfo ? childrenOf(signedInfo, 'Reference', XMLDSIG_NS).length : 0) === 1, 'uma Reference'],
      [reference?.getAttribute('URI') === `#${signedId}`, `Reference URI não é #${signedId}`],
      [algorithm(ds(reference, 'DigestMethod')) === SHA1, 'DigestMethod não é sha1'],
      [transforms.length === 2 && transforms[0] === ENVELOPED && transforms[1] === C14N, 'Transforms'],
    ];
    const wrong = form.find(([ok]) => !ok);
    if (wrong) return verdict('298', wrong[1]);
    const result = verifyXmlSignature(doc.textOf(signed), {
      allowSha1: true,
      requireWholeDocument: false,
      trusted: [ca],
      now,
    });
    if (!result.valid) {
      const problem = result.problems[0];
      const code = problem?.code ?? '';
      if (code === 'verify.untrusted') return verdict('293');
      if (code.startsWith('verify.certificate')) return verdict('291');
      if (['verify.algorithm', 'verify.reference', 'verify.transform', 'verify.duplicate-id'].includes(code))
        return verdict('298', problem?.message);
      return verdict('297');
    }
    return verdict();
  }

  // -------------------------------------------------------------------------------------------------------
  // NFeConsultaProtocolo4
  // -------------------------------------------------------------------------------------------------------

  private async consulta(doc: SefazXml): Promise<Outcome> {
    const root = doc.root;
    const chNFe = optionalText(root, 'chNFe') ?? '';
    const cUF = ufOfCode(chNFe.slice(0, 2)) ? chNFe.slice(0, 2) : FALLBACK_CUF;
    const schema = await this.schemaProblem('consSitNFe', doc.text);
    const now = this.clock();
    const key = /^[0-9A-Z]{44}$/.test(chNFe) ? chNFe : '0'.repeat(44);
    const refuse = (cStat: string, detail?: string): Outcome => {
      this.count(cStat);
      return { answer: this.retConsSitNFe(key, cUF, cStat, sefazMotivo(cStat, [], detail), now) };
    };
    if (this.serviceStatus !== '107') return refuse(this.serviceStatus);
    const problem =
      schema ??
      (root.getAttribute('versao') !== '4.00' ? 'versao não é 4.00' : undefined) ??
      (optionalText(root, 'xServ') !== 'CONSULTAR' ? 'xServ não é CONSULTAR' : undefined) ??
      (key !== chNFe ? 'chNFe' : undefined);
    if (problem) return refuse('215', problem);
    if (optionalText(root, 'tpAmb') !== this.tpAmb) return refuse('252');
    const keyProblem = accessKeyProblem(chNFe);
    if (keyProblem) return refuse(keyProblem);
    const record = this.byKey.get(chNFe);
    if (!record) {
      const sameNumber = this.state.authorisations.find(
        (a) => a.chNFe.slice(0, 2) === chNFe.slice(0, 2) && a.chNFe.slice(6, 34) === chNFe.slice(6, 34),
      );
      return refuse(sameNumber ? '216' : '217');
    }
    const cStat = record.cancelled ? (record.cancelled.late ? '151' : '101') : '100';
    const events = record.events
      .map((e) => join(this.root, 'events', `${e.id}.xml`))
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file, 'utf8'))
      .join('');
    return { answer: this.retConsSitNFe(chNFe, cUF, cStat, sefazMotivo(cStat), now, record.prot + events) };
  }

  // -------------------------------------------------------------------------------------------------------
  // NFeRecepcaoEvento4
  // -------------------------------------------------------------------------------------------------------

  private async recepcaoEvento(doc: SefazXml): Promise<Outcome> {
    const root = doc.root;
    const eventos = childrenOf(root, 'evento');
    const firstInf = eventos[0] && childOf(eventos[0], 'infEvento');
    const written = (firstInf && optionalText(firstInf, 'cOrgao')) ?? '';
    const cOrgao = /^\d{2}$/.test(written) ? written : FALLBACK_CUF;
    const idLote = optionalText(root, 'idLote') ?? '';
    const schema = await this.schemaProblem('envEvento', doc.text);
    // each event against the schema of its type (in an envEvento of its own, idLote as sent)
    const specific: Array<string | undefined> = [];
    for (const evento of eventos) {
      const type = optionalText(childOf(evento, 'infEvento') ?? evento, 'tpEvento') ?? '';
      const id = `envEvento${type}`;
      specific.push(
        schema || !(id in SCHEMA_FILES)
          ? undefined
          : await this.schemaProblem(
              id as SchemaId,
              `<envEvento xmlns="${NFE_NS}" versao="1.00">${tag('idLote', idLote)}${doc.textOf(evento)}</envEvento>`,
            ),
      );
    }
    const now = this.clock();
    const lote = /^\d{1,15}$/.test(idLote) ? idLote : '0';
    const refuse = (cStat: string, detail?: string): Outcome => {
      if (cStat === '108' || cStat === '109') this.state.counters.stopped++;
      else increment(this.state.counters.eventsRejected, cStat);
      return { answer: this.retEnvEvento(lote, cOrgao, cStat, sefazMotivo(cStat, [], detail)) };
    };
    if (this.serviceStatus !== '107') return refuse(this.serviceStatus);
    const problem =
      schema ??
      (root.getAttribute('versao') !== '1.00' ? 'versao não é 1.00' : undefined) ??
      (lote !== idLote ? 'idLote' : undefined) ??
      (eventos.length < 1 || eventos.length > MAX_EVENTS_PER_LOTE
        ? `${eventos.length} eventos no lote`
        : undefined);
    if (problem) return refuse('215', problem);
    const prefixed = this.prefixProblem(root);
    if (prefixed) return refuse('404', prefixed);
    const answers = eventos.map((evento, i) => this.registerEvent(doc, evento, specific[i], now));
    return { answer: this.retEnvEvento(lote, cOrgao, '128', sefazMotivo('128'), answers.join('')) };
  }

  /** The checks of one event and its registration: its retEvento. */
  private registerEvent(
    doc: SefazXml,
    evento: XmlTreeElement,
    schemaProblem: string | undefined,
    now: Date,
  ): string {
    const inf = childOf(evento, 'infEvento');
    const read = (name: string) => (inf && optionalText(inf, name)) ?? '';
    const cOrgao = /^\d{2}$/.test(read('cOrgao')) ? read('cOrgao') : FALLBACK_CUF;
    const chNFe = read('chNFe');
    const tpEvento = read('tpEvento');
    const nSeqEvento = read('nSeqEvento');
    const dhRegEvento = this.dh(now, cOrgao);
    const retEvento = (fields: { cStat: string; motivo: string; nProt?: string; xEvento?: string }) =>
      `<retEvento versao="1.00"><infEvento${fields.nProt ? ` Id="ID${fields.nProt}"` : ''}>${tag('tpAmb', this.tpAmb)}` +
      `${tag('verAplic', VER_APLIC)}${tag('cOrgao', cOrgao)}${tag('cStat', fields.cStat)}${tag('xMotivo', fields.motivo)}` +
      `${/^[0-9A-Z]{44}$/.test(chNFe) ? tag('chNFe', chNFe) : ''}${/^\d{6}$/.test(tpEvento) ? tag('tpEvento', tpEvento) : ''}` +
      `${tag('xEvento', fields.xEvento)}${/^\d{1,2}$/.test(nSeqEvento) ? tag('nSeqEvento', nSeqEvento) : ''}` +
      `${tag('dhRegEvento', dhRegEvento)}${tag('nProt', fields.nProt)}</infEvento></retEvento>`;
    const reject = (cStat: string, values: Array<[string, string]> = [], detail?: string) => {
      increment(this.state.counters.eventsRejected, cStat);
      return retEvento({ cStat, motivo: sefazMotivo(cStat, values, detail) });
    };
    if (!inf) return reject('493', [], 'evento sem infEvento');
    const type = EVENT_NAMES[tpEvento];
    if (!type) return reject('491', [], `tpEvento ${tpEvento} não é 110111 nem 110110`);
    if (read('verEvento') !== '1.00') return reject('492');
    const detEvento = childOf(inf, 'detEvento');
    const detail = (name: string) => (detEvento && optionalText(detEvento, name)) ?? '';
    const seq = Number(nSeqEvento);
    const missing =
      schemaProblem ??
      (!detEvento || !type.descEvento.includes(detail('descEvento')) ? 'descEvento' : undefined) ??
      (tpEvento === '110111' && !/^\d{15}$/.test(detail('nProt')) ? 'nProt' : undefined) ??
      (tpEvento === '110111' && detail('xJust').length < 15 ? 'xJust' : undefined) ??
      (tpEvento === '110110' && detail('xCorrecao').length < 15 ? 'xCorrecao' : undefined) ??
      (!/^\d{1,2}$/.test(nSeqEvento) ? 'nSeqEvento' : undefined);
    if (missing) return reject('493', [], missing);

    const id = inf.getAttribute('Id') ?? '';
    const signature = this.checkSignature(doc, evento, id, now);
    if (signature.cStat) return reject(signature.cStat, [], signature.detail);
    if (id !== `ID${tpEvento}${chNFe}${nSeqEvento.padStart(2, '0')}`) return reject('572');
    if (read('tpAmb') !== this.tpAmb) return reject('252');
    const keyProblem = accessKeyProblem(chNFe);
    if (keyProblem) return reject(keyProblem);
    if (seq < 1 || seq > 20) return reject('594');
    const author = read('CNPJ') || read('CPF');
    if (!signature.holder || holderBase(signature.holder) !== holderBase(author)) return reject('213');
    const record = this.byKey.get(chNFe);
    if (!record) return reject('494');
    if (author !== record.issuer) return reject('574');
    const happened = Date.parse(read('dhEvento'));
    if (!(happened <= now.getTime() + EMISSION_FUTURE_TOLERANCE)) return reject('578');
    if (happened < Date.parse(record.dhEmi)) return reject('577');
    if (record.events.some((e) => e.id === id)) return reject('573');

    let cStat: '135' | '155' = '135';
    if (tpEvento === '110111') {
      if (record.cancelled) return reject('218', [['nProt', record.cancelled.nProt]]);
      if (detail('nProt') !== record.nProt) return reject('222');
      const hours = (now.getTime() - Date.parse(record.authorisedAt)) / HOUR;
      const deadline = this.options.cancellation?.deadlineHours ?? 24;
      const late = this.options.cancellation?.lateHours ?? 168;
      if (hours > late) return reject('501');
      if (hours > deadline) cStat = '155';
    } else if (record.cancelled) return reject('580');

    const nProt = this.nextProt(cOrgao, now);
    const answer = retEvento({ cStat, motivo: sefazMotivo(cStat), nProt, xEvento: type.xEvento });
    writeFileSync(
      join(this.root, 'events', `${id}.xml`),
      `<procEventoNFe versao="1.00" xmlns="${NFE_NS}">${doc.textOf(evento)}${answer}</procEventoNFe>`,
    );
    record.events.push({ id, tpEvento, nSeqEvento: seq, nProt, dhRegEvento, cStat });
    if (tpEvento === '110111') record.cancelled = { id, nProt, late: cStat === '155' };
    increment(this.state.counters.events, tpEvento);
    return answer;
  }
}

/** The code of a key SEFAZ would refuse (614–618 a part out of range, 236 the check digit), or undefined. */
function accessKeyProblem(chNFe: string): string | undefined {
  try {
    parseAccessKey(chNFe);
    return undefined;
  } catch (error) {
    if (!isEInvoiceError(error)) throw error;
    if (error.code === 'nfe.key-check-digit') return '236';
    const path = error.details[0]?.path ?? '';
    return (
      { '/cUF': '614', '/year': '615', '/month': '616', '/cnpjCpf': '617', '/mod': '618' }[path] ?? '236'
    );
  }
}

/** The schema pool, with the PL_009_V4 schemas found outside the catalogue. */
class NfeXsdPool extends XsdValidatorPool {
  constructor(
    schemasDir: string,
    private readonly files: Partial<Record<SchemaId, string>>,
  ) {
    super(schemasDir);
  }

  override resolve(id: string, xml: string): string {
    return this.files[id as SchemaId] ?? super.resolve(id, xml);
  }
}

/**
 * A SEFAZ stand-in playing the contingency authoriser (SVC-AN, SVC-RS) beside `sefaz`: its own state in
 * `dataDir`, the same test CA, server and client certificates (copied before it starts), so that the
 * companies' A1 and the service's trust in the CA serve both.
 */
export function contingencyStandIn(
  sefaz: SefazStandIn,
  dataDir: string,
  schemasDir?: string,
  port = 0,
): SefazStandIn {
  cpSync(dirname(sefaz.caFile), join(dataDir, 'sefaz-standin', 'tls'), { recursive: true });
  return new SefazStandIn({ port, dataDir, ...(schemasDir ? { schemasDir } : {}) });
}
