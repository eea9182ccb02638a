import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeServer, listenTracked, readLimitedBody } from './http-server';
import { ensureSelfSignedCertificate, FolderCertificateStore } from '../adapters/folder-certificate-store';
import {
  buildNotification,
  notificationFileName,
  signNotification,
  type SdiError,
  type SdiMessage,
  type SdiMessageType,
} from '../connectors/sdi/messages';
import {
  buildRiceviFattureRequest,
  buildRiceviFileResponse,
  buildSoapFault,
  buildTrasmissioneRequest,
  parseRiceviFattureResponse,
  parseRiceviFileRequest,
  SDI_SOAP_ACTIONS,
  soapActionOf,
  TRASMISSIONE_OPERATION_OF,
  type SoapMessage,
} from '../connectors/sdi/soap';
import { describeError, isEInvoiceError } from '../errors';
import type { SigningCredential } from '../ports/certificate-store';
import { verifyCades } from '../signing/cades';
import { verifyXmlSignature } from '../signing/verify';
import { XMLDSIG_NS } from '../signing/xmldsig';
import { XsdValidatorPool } from '../xml/xsd';
import { parseXmlTree, type XmlTreeElement } from '../xml/xml-tree';

/** Where `einvoice sandbox --authority sdi` would listen unless told otherwise. */
export const SDI_STANDIN_PORT = 7074;

/** The notifications SDI pushes to the transmitter. */
export type SdiPushedType = Exclude<SdiMessageType, 'MT'>;

/**
 * What happens to a file that passes the checks: RC (delivered) then, for the public administration, NE
 * (EC01 accepted, EC02 refused) or DT (no answer within the terms); or MC (not delivered), then AT.
 */
export type SdiOutcome = 'rc' | 'rc-ne-ec01' | 'rc-ne-ec02' | 'rc-dt' | 'mc' | 'mc-at';

/** The scenario by the invoice's CodiceDestinatario (FatturaElettronicaHeader/DatiTrasmissione). */
export const SDI_STANDIN_RULES: Readonly<Record<string, SdiOutcome>> = {
  AAAAAA: 'rc-ne-ec01',
  BBBBBB: 'rc-ne-ec02',
  DDDDDD: 'rc-dt',
  MMMMMM: 'mc-at',
  MMMMMMM: 'mc',
  XXXXXXX: 'mc-at',
};

const OUTCOME_TEXT: Record<SdiOutcome, string> = {
  rc: 'RC',
  'rc-ne-ec01': 'RC, then NE EC01 (accepted) after delays.ne',
  'rc-ne-ec02': 'RC, then NE EC02 (refused) after delays.ne',
  'rc-dt': 'RC, then DT (decorrenza termini) after delays.dt',
  mc: 'MC (not delivered)',
  'mc-at': 'MC, then AT (attestazione di trasmissione) after delays.at',
};

export interface SdiStandInDelays {
  /** From the answer to RiceviFile to the first notification (RC, NS or MC). Default 1000 ms. */
  rc?: number;
  /** From RC to NE. Default 3000 ms. */
  ne?: number;
  /** From RC to DT. Default 5000 ms. */
  dt?: number;
  /** From MC to AT. Default 5000 ms. */
  at?: number;
}

export interface SdiStandInFaults {
  /** The share of submissions (0 to 1) answered with Errore EI02 (service unavailable); nothing is stored. */
  ei02Rate?: number;
  /** The next n submissions are answered EI02. */
  ei02Next?: number;
  /** The next n notifications (or the next n of a type) are computed and recorded as lost, never sent. */
  loseNotifications?: number | Partial<Record<SdiPushedType, number>>;
  /** The next n submissions are accepted and stored, then the connection is closed without an answer. */
  timeoutAfterAccept?: number;
  /** Every notification is sent twice. */
  repeatNotifications?: boolean;
}

export interface SdiStandInOptions {
  /** Default 7074 (`SDI_STANDIN_PORT`); 0 takes a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /**
   * The folder whose `sdi-standin/` keeps the state (files received, identifiers, notifications not yet sent)
   * across restarts, and the signing certificate. Without it, a temporary folder removed by `stop()`.
   */
  dataDir?: string;
  /** The schema folder (`EINVOICE_SCHEMAS_DIR`): files are checked against `fatturapa-1.2` when installed. */
  schemasDir?: string;
  /** The service's TrasmissioneFatture endpoint, where notifications are pushed. Without it they are kept. */
  transmitterEndpoint?: string;
  delays?: SdiStandInDelays;
  faults?: SdiStandInFaults;
  /** Scenarios by CodiceDestinatario, over `SDI_STANDIN_RULES`. */
  rules?: Record<string, SdiOutcome>;
  /** The scenario of other codes: default `rc-ne-ec01` for FPA12 (public administration), `rc` for FPR12. */
  outcomes?: { FPA12?: SdiOutcome; FPR12?: SdiOutcome };
  /** The credential notifications are signed with; default a self-signed one created in the data folder. */
  certificate?: SigningCredential;
  /** Pushes: further attempts after a failure (default 3), the first backoff (doubling, default 200 ms), the timeout of each (default 10 s). */
  push?: { retries?: number; backoffMs?: number; timeoutMs?: number };
  /**
   * Add a `Suggerimento` to each error of a NotificaScarto, as SDI's discard notifications now carry; the
   * published MessaggiTypes_v1.1.xsd does not declare it, so by default (false) they are left out.
   */
  suggestions?: boolean;
  /** Random numbers for `ei02Rate` (tests pass a seeded one); default Math.random. */
  random?: () => number;
  /**
   * The first IdentificativoSdI it gives (default 1). SDI's are unique across SDI: stand-ins that send to one
   * service side by side need ranges of their own.
   */
  firstId?: number;
}

type FileState =
  'received' | 'rejected' | 'delivered' | 'not-delivered' | 'accepted' | 'refused' | 'expired' | 'attested';

interface NotificationRecord {
  type: SdiPushedType;
  /** The notification's file name (`<file>_RC_001.xml`). */
  name: string;
  messageId: string;
  /** Epoch milliseconds when it is (or was) due. */
  dueAt: number;
  status: 'scheduled' | 'sent' | 'failed' | 'lost';
  attempts: number;
  sentAt?: string;
  lastError?: string;
}

interface PlanStep {
  type: SdiPushedType;
  esito?: 'EC01' | 'EC02';
  delay: number;
}

interface FileRecord {
  identificativoSdI: string;
  nomeFile: string;
  receivedAt: string;
  size: number;
  sha256: string;
  state: FileState;
  checked: boolean;
  formato?: string;
  codiceDestinatario?: string;
  /** Keys of the invoices in the file (seller, type, date, number, year), once accepted. */
  invoiceKeys?: string[];
  /** The first invoice, for RiferimentoFattura. */
  invoice?: { numero: string; anno: string };
  outcome?: SdiOutcome;
  errors?: SdiError[];
  plan: PlanStep[];
  notifications: NotificationRecord[];
}

interface Delivery {
  identificativoSdI: string;
  nomeFile: string;
  endpoint: string;
  at: string;
  esito?: string;
  error?: string;
}

interface State {
  nextId: number;
  nextMessageId: number;
  files: FileRecord[];
  deliveries: Delivery[];
  counters: { ei02: number; timeoutsAfterAccept: number; pushAttemptsFailed: number; repeated: number };
}

interface InvoiceFacts {
  formato: string;
  codiceDestinatario: string;
  trasmittente: string;
  progressivoInvio: string;
  seller: string;
  invoices: Array<{ tipo: string; data: string; numero: string }>;
}

const FATTURAPA_NS = 'http://ivaservizi.agenziaentrate.gov.it/docs/xsd/fatture/v1.2';
const FILE_NAME = /^IT[A-Z0-9]{11,16}_[A-Za-z0-9]{1,5}\.(xml|xml\.p7m)$/;
const MAX_FILE = 5 * 1024 * 1024;
const MAX_BODY = 25 * 1024 * 1024;
const MAX_ERRORS = 50;
const DEFAULT_DELAYS: Required<SdiStandInDelays> = { rc: 1000, ne: 3000, dt: 5000, at: 5000 };

/** The discard codes the stand-in uses, with SDI's descriptions and a suggestion. */
const DISCARDS: Record<string, { description: string; suggestion: string }> = {
  '00001': {
    description: 'Nome file non valido',
    suggestion: 'Il nome del file deve essere IT<identificativo trasmittente>_<progressivo>.xml o .xml.p7m',
  },
  '00002': { description: 'Nome file duplicato', suggestion: 'Inviare il file con un nuovo progressivo' },
  '00003': {
    description: 'Le dimensioni del file superano quelle ammesse',
    suggestion: 'Il file non può superare 5 MB',
  },
  '00100': { description: 'Certificato di firma scaduto', suggestion: 'Firmare con un certificato valido' },
  '00102': { description: 'File non integro (firma non valida)', suggestion: 'Firmare di nuovo il file' },
  '00200': {
    description: 'File non conforme al formato',
    suggestion: 'Verificare il file rispetto allo schema della FatturaPA',
  },
  '00404': {
    description: 'Fattura duplicata',
    suggestion: 'La fattura (cedente, tipo documento, data e numero) è già stata inviata',
  },
};

function discard(code: string, detail?: string): SdiError {
  const known = DISCARDS[code]!;
  const description = detail ? `${known.description}: ${detail}` : known.description;
  return {
    code,
    description: description.length > 255 ? `${description.slice(0, 252)}...` : description,
    suggestion: known.suggestion,
  };
}

/** Refusals of a check, as the discard notification will list them. */
class Discard extends Error {
  constructor(readonly errors: SdiError[]) {
    super(errors.map((e) => `${e.code} ${e.description}`).join('; '));
  }
}

/** Text of a FatturaPA file, decoded as its XML declaration says (UTF-8 unless Latin-1 is declared). */
function decodeXml(content: Buffer): string {
  const declaration = /^\s*<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/i.exec(
    content.subarray(0, 200).toString('latin1'),
  );
  const latin1 = /^(iso-8859-1|latin1|windows-1252)$/i.test(declaration?.[1] ?? '');
  return content.toString(latin1 ? 'latin1' : 'utf8').replace(/^\uFEFF/, '');
}

/** A child element by local name (FatturaPA's children are unqualified). */
function child(el: XmlTreeElement | undefined, ...path: string[]): XmlTreeElement | undefined {
  let current = el;
  for (const name of path) current = current?.children.find((c) => c.localName === name);
  return current;
}

function text(el: XmlTreeElement | undefined, ...path: string[]): string {
  return child(el, ...path)?.textContent.trim() ?? '';
}

/** The facts the checks and scenarios need, from a FatturaPA 1.2 document; a discard 00200 when it is none. */
function readInvoice(xml: string): InvoiceFacts {
  let root: XmlTreeElement;
  try {
    root = parseXmlTree(xml);
  } catch (error) {
    const detail = isEInvoiceError(error) ? error.details[0] : undefined;
    throw new Discard([
      discard('00200', detail ? `${detail.message} (${detail.path ?? ''})` : describeError(error).message),
    ]);
  }
  if (root.localName !== 'FatturaElettronica' || root.namespaceURI !== FATTURAPA_NS)
    throw new Discard([discard('00200', `l'elemento radice non è FatturaElettronica di ${FATTURAPA_NS}`)]);
  const header = child(root, 'FatturaElettronicaHeader');
  const trasmissione = child(header, 'DatiTrasmissione');
  const seller = child(header, 'CedentePrestatore', 'DatiAnagrafici', 'IdFiscaleIVA');
  const facts: InvoiceFacts = {
    formato: text(trasmissione, 'FormatoTrasmissione') || (root.getAttribute('versione') ?? ''),
    codiceDestinatario: text(trasmissione, 'CodiceDestinatario'),
    trasmittente: `${text(trasmissione, 'IdTrasmittente', 'IdPaese')}${text(trasmissione, 'IdTrasmittente', 'IdCodice')}`,
    progressivoInvio: text(trasmissione, 'ProgressivoInvio'),
    seller: `${text(seller, 'IdPaese')}${text(seller, 'IdCodice')}`,
    invoices: root.children
      .filter((c) => c.localName === 'FatturaElettronicaBody')
      .map((body) => {
        const general = child(body, 'DatiGenerali', 'DatiGeneraliDocumento');
        return {
          tipo: text(general, 'TipoDocumento'),
          data: text(general, 'Data'),
          numero: text(general, 'Numero'),
        };
      }),
  };
  const missing = [
    ['FormatoTrasmissione', facts.formato],
    ['CodiceDestinatario', facts.codiceDestinatario],
    ['CedentePrestatore/DatiAnagrafici/IdFiscaleIVA', facts.seller],
    ['FatturaElettronicaBody', facts.invoices.length > 0 ? 'yes' : ''],
    ...facts.invoices.flatMap((invoice, i) => [
      [`FatturaElettronicaBody[${i + 1}]/DatiGenerali/DatiGeneraliDocumento/Data`, invoice.data],
      [`FatturaElettronicaBody[${i + 1}]/DatiGenerali/DatiGeneraliDocumento/Numero`, invoice.numero],
    ]),
  ].filter(([, value]) => !value);
  if (missing.length > 0)
    throw new Discard(missing.slice(0, MAX_ERRORS).map(([path]) => discard('00200', `${path} mancante`)));
  return facts;
}

const nowIso = () => new Date().toISOString();

/** A SOAP message's body as fetch takes it. */
const bodyInit = (message: SoapMessage): string | Uint8Array<ArrayBuffer> =>
  typeof message.body === 'string' ? message.body : Uint8Array.from(message.body);

/**
 * A stand-in of Italy's Sistema di Interscambio on its SDICoop channel, for local runs and tests (SDI has no
 * public sandbox): it takes files at `POST /SdIRiceviFile` (SOAP RiceviFile), checks them as SDI does (file
 * name, duplicate name, size, CAdES .p7m, XML signature, FatturaPA XSD when installed, duplicate invoice),
 * and pushes the signed notifications (RC, NS, MC, NE, DT, AT) to the transmitter's TrasmissioneFatture
 * endpoint, retrying failed pushes. Scenarios follow the invoice's CodiceDestinatario (`SDI_STANDIN_RULES`);
 * faults can be injected. `POST /deliver` delivers a vendor invoice to a RicezioneFatture endpoint. State
 * (identifiers, files, notifications not yet sent) is kept in the data folder and resumed on start.
 */
export class SdiStandIn {
  url = '';
  /** The signing certificate of the notifications (PEM), for the service to trust; set by `start()`. */
  certificatePem = '';
  /** The file holding `certificatePem`, when the stand-in created or found it in its folder. */
  certificateFile: string | undefined;
  private credential: SigningCredential | undefined;
  private readonly root: string;
  private readonly temporary: boolean;
  private state: State = {
    nextId: 1,
    nextMessageId: 1,
    files: [],
    deliveries: [],
    counters: { ei02: 0, timeoutsAfterAccept: 0, pushAttemptsFailed: 0, repeated: 0 },
  };
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly aborts = new Set<AbortController>();
  private stopped = false;
  private checks: Promise<void> = Promise.resolve();
  private readonly xsd: XsdValidatorPool | undefined;
  private xsdStatus = 'not checked (no schemasDir)';
  private readonly faults: {
    ei02Next: number;
    timeoutAfterAccept: number;
    lose: number;
    loseByType: Partial<Record<SdiPushedType, number>>;
  };
  private readonly delays: Required<SdiStandInDelays>;
  private readonly random: () => number;

  constructor(readonly options: SdiStandInOptions = {}) {
    this.temporary = options.dataDir === undefined;
    this.root = options.dataDir
      ? join(options.dataDir, 'sdi-standin')
      : mkdtempSync(join(tmpdir(), 'einvoice-sdi-standin-'));
    this.delays = { ...DEFAULT_DELAYS, ...options.delays };
    const lose = options.faults?.loseNotifications;
    this.faults = {
      ei02Next: options.faults?.ei02Next ?? 0,
      timeoutAfterAccept: options.faults?.timeoutAfterAccept ?? 0,
      lose: typeof lose === 'number' ? lose : 0,
      loseByType: typeof lose === 'object' ? { ...lose } : {},
    };
    this.random = options.random ?? Math.random;
    this.state.nextId = options.firstId ?? 1;
    if (options.schemasDir) {
      this.xsd = new XsdValidatorPool(options.schemasDir);
      this.xsdStatus = `fatturapa-1.2 from ${options.schemasDir}`;
    }
  }

  private get stateFile(): string {
    return join(this.root, 'state.json');
  }

  /** Loads the state and the certificate, resumes pending work, listens; returns the base URL. */
  async start(): Promise<string> {
    this.stopped = false;
    mkdirSync(join(this.root, 'files'), { recursive: true });
    if (existsSync(this.stateFile)) this.state = JSON.parse(readFileSync(this.stateFile, 'utf8')) as State;
    this.credential = this.options.certificate;
    if (!this.credential) {
      const keyDir = join(this.root, 'keys');
      await ensureSelfSignedCertificate(keyDir, 'sdi', 'Sistema di Interscambio (stand-in)');
      this.credential = await new FolderCertificateStore(keyDir).get('sdi');
      this.certificateFile = join(keyDir, 'sdi.crt.pem');
    }
    this.certificatePem = this.credential.certificates[0]!.toString();
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error) => {
        if (!res.headersSent) this.sendSoap(res, 500, buildSoapFault('Server', describeError(error).message));
      });
    });
    this.url = await listenTracked(
      this.server,
      this.options.port ?? SDI_STANDIN_PORT,
      this.options.host ?? '127.0.0.1',
      this.sockets,
    );
    for (const file of this.state.files) {
      if (!file.checked) this.enqueueChecks(file);
      else {
        // every notification not sent yet (scheduled, or given up before the restart) is tried again
        for (const n of file.notifications)
          if (n.status === 'scheduled' || n.status === 'failed') {
            n.status = 'scheduled';
            n.attempts = 0;
            this.schedule(file, n);
          }
        this.advance(file);
      }
    }
    return this.url;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const abort of this.aborts) abort.abort();
    await closeServer(this.server, this.sockets);
    await this.checks.catch(() => undefined);
    await this.xsd?.close();
    if (this.temporary) rmSync(this.root, { recursive: true, force: true });
  }

  /** Endpoints, the transmitter endpoint, the checks, the scenario rules, delays and faults, as text. */
  describe(): string {
    const rules = { ...SDI_STANDIN_RULES, ...this.options.rules };
    const faults = this.options.faults ?? {};
    const faultList = [
      faults.ei02Next ? `the next ${faults.ei02Next} submissions answer EI02` : '',
      faults.ei02Rate ? `${faults.ei02Rate * 100}% of submissions answer EI02` : '',
      faults.timeoutAfterAccept
        ? `the next ${faults.timeoutAfterAccept} submissions are stored, then left without an answer`
        : '',
      faults.loseNotifications !== undefined
        ? `notifications lost (never sent): ${JSON.stringify(faults.loseNotifications)}`
        : '',
      faults.repeatNotifications ? 'every notification is sent twice' : '',
    ].filter(Boolean);
    return [
      `SDI stand-in (SDICoop) at ${this.url}`,
      `  POST ${this.url}/SdIRiceviFile   RiceviFile, SOAP 1.1 (SOAPAction ${SDI_SOAP_ACTIONS.RiceviFile}); File inline base64 or MTOM/XOP`,
      `  notifications to  ${this.options.transmitterEndpoint ?? '(no transmitterEndpoint: computed and kept, not sent)'}`,
      `                    TrasmissioneFatture, SOAP 1.1, signed with the certificate of GET /certificate` +
        (this.certificateFile ? ` (${this.certificateFile})` : ''),
      `  POST ${this.url}/deliver   {"endpoint","xml","nomeFile"?}: RiceviFatture with its MetadatiInvioFile to a RicezioneFatture endpoint`,
      `  GET  ${this.url}/files?nomeFile=N   files received and their notifications (a stand-in convenience: SDI has no such lookup)`,
      `  GET  ${this.url}/files/{IdentificativoSdI}/{notification file name}   a notification as sent`,
      `  GET  ${this.url}/stats   GET ${this.url}/certificate`,
      `Checks: file name ${FILE_NAME.source} (NS 00001), duplicate name (00002), size over 5 MB (00003), ` +
        `.p7m CAdES (00102 not a valid signature, 00100 certificate not valid when signed), XML signature (00102, 00100), ` +
        `FatturaPA XSD: ${this.xsdStatus} (00200), duplicate invoice: seller, TipoDocumento, Data, Numero (00404)`,
      'Scenario by CodiceDestinatario:',
      ...Object.entries(rules).map(([code, outcome]) => `  ${code.padEnd(8)} ${OUTCOME_TEXT[outcome]}`),
      `  other FPA12: ${OUTCOME_TEXT[this.options.outcomes?.FPA12 ?? 'rc-ne-ec01']}; other FPR12: ${OUTCOME_TEXT[this.options.outcomes?.FPR12 ?? 'rc']}`,
      `Delays (ms): rc ${this.delays.rc}, ne ${this.delays.ne}, dt ${this.delays.dt}, at ${this.delays.at}`,
      `Faults: ${faultList.length ? faultList.join('; ') : 'none'}`,
    ].join('\n');
  }

  /** Counters: files received, notifications by type (NS by code), EI02 answers, pushes. */
  stats() {
    const notifications = this.state.files.flatMap((f) => f.notifications.map((n) => ({ file: f, n })));
    const count = (type: SdiPushedType) => notifications.filter(({ n }) => n.type === type).length;
    const ns: Record<string, number> = {};
    for (const { file, n } of notifications)
      if (n.type === 'NS') for (const e of file.errors ?? []) ns[e.code] = (ns[e.code] ?? 0) + 1;
    const ne = { EC01: 0, EC02: 0 };
    for (const f of this.state.files) {
      if (f.notifications.some((n) => n.type === 'NE')) ne[f.state === 'refused' ? 'EC02' : 'EC01']++;
    }
    const status = (s: NotificationRecord['status']) =>
      notifications.filter(({ n }) => n.status === s).length;
    return {
      received: this.state.files.length,
      rc: count('RC'),
      ns,
      mc: count('MC'),
      ne,
      dt: count('DT'),
      at: count('AT'),
      ei02: this.state.counters.ei02,
      timeoutsAfterAccept: this.state.counters.timeoutsAfterAccept,
      delivered: this.state.deliveries.length,
      pushes: {
        sent: status('sent'),
        scheduled: status('scheduled'),
        failed: status('failed'),
        lost: status('lost'),
        failedAttempts: this.state.counters.pushAttemptsFailed,
        repeated: this.state.counters.repeated,
      },
    };
  }

  /** The files received (optionally those with this name), with their state and notifications. */
  files(nomeFile?: string) {
    return this.state.files
      .filter((f) => nomeFile === undefined || f.nomeFile === nomeFile)
      .map((f) => ({
        identificativoSdI: f.identificativoSdI,
        nomeFile: f.nomeFile,
        dataOraRicezione: f.receivedAt,
        state: f.state,
        ...(f.formato ? { formato: f.formato } : {}),
        ...(f.codiceDestinatario ? { codiceDestinatario: f.codiceDestinatario } : {}),
        ...(f.outcome ? { outcome: f.outcome } : {}),
        ...(f.errors ? { errors: f.errors } : {}),
        notifications: f.notifications.map((n) => ({
          type: n.type,
          nomeFile: n.name,
          messageId: n.messageId,
          status: n.status,
          attempts: n.attempts,
          dueAt: new Date(n.dueAt).toISOString(),
          ...(n.sentAt ? { sentAt: n.sentAt } : {}),
          ...(n.lastError ? { lastError: n.lastError } : {}),
        })),
      }));
  }

  private save(): void {
    if (this.stopped) return;
    const temporary = `${this.stateFile}.tmp`;
    writeFileSync(temporary, JSON.stringify(this.state));
    renameSync(temporary, this.stateFile);
  }

  private fileDir(file: FileRecord): string {
    return join(this.root, 'files', file.identificativoSdI);
  }

  private notificationPath(file: FileRecord, n: NotificationRecord): string {
    return join(this.fileDir(file), `n${file.notifications.indexOf(n) + 1}.xml`);
  }

  private sendSoap(res: ServerResponse, status: number, message: SoapMessage): void {
    res.writeHead(status, { 'content-type': message.contentType }).end(message.body);
  }

  private sendJson(res: ServerResponse, status: number, value: unknown): void {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readLimitedBody(req, MAX_BODY);
    if (body === undefined) return this.sendJson(res, 413, { message: 'Request body too large' });
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/SdIRiceviFile') {
      if (req.method !== 'POST')
        return this.sendSoap(res, 405, buildSoapFault('Client', 'POST a SOAP message'));
      return this.riceviFile(req, res, body);
    }
    if (req.method === 'GET' && path === '/stats') return this.sendJson(res, 200, this.stats());
    if (req.method === 'GET' && path === '/files')
      return this.sendJson(res, 200, this.files(url.searchParams.get('nomeFile') ?? undefined));
    if (req.method === 'GET' && path === '/certificate') {
      res.writeHead(200, { 'content-type': 'application/x-pem-file' }).end(this.certificatePem);
      return;
    }
    const download = /^\/files\/(\d+)\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && download) {
      const file = this.state.files.find((f) => f.identificativoSdI === download[1]);
      const n = file?.notifications.find((x) => x.name === decodeURIComponent(download[2]!));
      if (!file || !n) return this.sendJson(res, 404, { message: 'No such notification' });
      res
        .writeHead(200, { 'content-type': 'application/xml' })
        .end(readFileSync(this.notificationPath(file, n)));
      return;
    }
    if (req.method === 'POST' && path === '/deliver') return this.deliver(body, res);
    return this.sendJson(res, 404, { message: `No route ${req.method ?? ''} ${path}` });
  }

  /** RiceviFile: the synchronous answer (IdentificativoSdI, or Errore), then the checks in the background. */
  private riceviFile(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
    const action = soapActionOf(req.headers.soapaction);
    if (action && action !== SDI_SOAP_ACTIONS.RiceviFile)
      return this.sendSoap(res, 500, buildSoapFault('Client', `Unknown SOAPAction ${action}`));
    let request: { nomeFile: string; file: Buffer };
    try {
      request = parseRiceviFileRequest(body, req.headers['content-type']);
    } catch (error) {
      return this.sendSoap(res, 500, buildSoapFault('Client', describeError(error).message));
    }
    const refuse = (errore: 'EI01' | 'EI02') =>
      this.sendSoap(
        res,
        200,
        buildRiceviFileResponse({ identificativoSdI: '0', dataOraRicezione: nowIso(), errore }),
      );
    const rate = this.options.faults?.ei02Rate;
    if (this.faults.ei02Next > 0 || (rate !== undefined && rate > 0 && this.random() < rate)) {
      if (this.faults.ei02Next > 0) this.faults.ei02Next--;
      this.state.counters.ei02++;
      this.save();
      return refuse('EI02');
    }
    if (request.file.length === 0) return refuse('EI01');
    const file: FileRecord = {
      identificativoSdI: String(this.state.nextId++),
      nomeFile: request.nomeFile,
      receivedAt: nowIso(),
      size: request.file.length,
      sha256: createHash('sha256').update(request.file).digest('hex'),
      state: 'received',
      checked: false,
      plan: [],
      notifications: [],
    };
    mkdirSync(this.fileDir(file), { recursive: true });
    writeFileSync(join(this.fileDir(file), 'file'), request.file);
    this.state.files.push(file);
    this.save();
    this.enqueueChecks(file);
    if (this.faults.timeoutAfterAccept > 0) {
      this.faults.timeoutAfterAccept--;
      this.state.counters.timeoutsAfterAccept++;
      this.save();
      req.socket.destroy();
      return;
    }
    this.sendSoap(
      res,
      200,
      buildRiceviFileResponse({
        identificativoSdI: file.identificativoSdI,
        dataOraRicezione: file.receivedAt,
      }),
    );
  }

  /** Runs the checks of files one at a time, in the order received (duplicates are decided in that order). */
  private enqueueChecks(file: FileRecord): void {
    this.checks = this.checks
      .then(async () => {
        if (this.stopped) return;
        await this.check(file);
        if (this.stopped) return;
        this.save();
        this.advance(file);
      })
      .catch(() => undefined);
  }

  private async check(file: FileRecord): Promise<void> {
    try {
      const facts = await this.checkContent(file);
      const year = (date: string) => date.slice(0, 4);
      const keys = facts.invoices.map(
        (i) => `${facts.seller}|${i.tipo}|${i.data}|${i.numero}|${year(i.data)}`,
      );
      // as SDI says it: the invoice was sent before, under that file's IdentificativoSdI
      const original = this.state.files.find(
        (f) => f !== file && (f.invoiceKeys ?? []).some((k) => keys.includes(k)),
      );
      if (original)
        throw new Discard([
          discard('00404', `già trasmessa con IdentificativoSdI ${original.identificativoSdI}`),
        ]);
      file.invoiceKeys = keys;
      file.formato = facts.formato;
      file.codiceDestinatario = facts.codiceDestinatario;
      const first = facts.invoices[0]!;
      file.invoice = { numero: first.numero, anno: year(first.data) };
      file.outcome =
        { ...SDI_STANDIN_RULES, ...this.options.rules }[facts.codiceDestinatario] ??
        (facts.formato === 'FPA12'
          ? (this.options.outcomes?.FPA12 ?? 'rc-ne-ec01')
          : (this.options.outcomes?.FPR12 ?? 'rc'));
      file.plan = this.planOf(file.outcome);
    } catch (error) {
      file.errors =
        error instanceof Discard ? error.errors : [discard('00200', describeError(error).message)];
      file.plan = [{ type: 'NS', delay: this.delays.rc }];
    }
    file.checked = true;
  }

  private planOf(outcome: SdiOutcome): PlanStep[] {
    const d = this.delays;
    switch (outcome) {
      case 'rc':
        return [{ type: 'RC', delay: d.rc }];
      case 'rc-ne-ec01':
        return [
          { type: 'RC', delay: d.rc },
          { type: 'NE', esito: 'EC01', delay: d.ne },
        ];
      case 'rc-ne-ec02':
        return [
          { type: 'RC', delay: d.rc },
          { type: 'NE', esito: 'EC02', delay: d.ne },
        ];
      case 'rc-dt':
        return [
          { type: 'RC', delay: d.rc },
          { type: 'DT', delay: d.dt },
        ];
      case 'mc':
        return [{ type: 'MC', delay: d.rc }];
      case 'mc-at':
        return [
          { type: 'MC', delay: d.rc },
          { type: 'AT', delay: d.at },
        ];
    }
  }

  /** The checks of the file itself: name, duplicate name, size, signatures, format. */
  private async checkContent(file: FileRecord): Promise<InvoiceFacts> {
    if (!FILE_NAME.test(file.nomeFile)) throw new Discard([discard('00001', file.nomeFile)]);
    const earlier = (f: FileRecord) => Number(f.identificativoSdI) < Number(file.identificativoSdI);
    if (this.state.files.some((f) => f.nomeFile === file.nomeFile && earlier(f)))
      throw new Discard([discard('00002', file.nomeFile)]);
    if (file.size > MAX_FILE) throw new Discard([discard('00003')]);
    let content: Buffer = readFileSync(join(this.fileDir(file), 'file'));
    if (file.nomeFile.endsWith('.p7m')) {
      let verified: ReturnType<typeof verifyCades>;
      try {
        verified = verifyCades(content);
      } catch (error) {
        throw new Discard([discard('00102', describeError(error).message)]);
      }
      // verifyCades leaves the signer's validity to the caller: SDI judges it at the signing time
      const at = verified.signingTime ?? new Date(file.receivedAt);
      const { notBefore, notAfter } = verified.signer;
      if (at > notAfter || at < notBefore)
        throw new Discard([
          discard('00100', `valido dal ${notBefore.toISOString()} al ${notAfter.toISOString()}`),
        ]);
      content = verified.content;
    }
    const xml = decodeXml(content);
    const facts = readInvoice(xml);
    if (xml.includes(XMLDSIG_NS) && /<(?:[\w.-]+:)?Signature[\s>]/.test(xml)) {
      const verdict = verifyXmlSignature(xml);
      if (!verdict.valid) {
        const expired = verdict.problems.some((p) => p.code === 'verify.certificate-expired');
        throw new Discard([discard(expired ? '00100' : '00102', verdict.problems[0]?.message)]);
      }
    }
    if (this.xsd) {
      try {
        const problems = await this.xsd.validate(xml, 'fatturapa-1.2');
        if (problems.length > 0)
          throw new Discard(
            problems.slice(0, MAX_ERRORS).map((p) => discard('00200', `${p.message} (${p.path ?? ''})`)),
          );
      } catch (error) {
        if (!isEInvoiceError(error) || !['schema.unknown', 'schema.not-installed'].includes(error.code))
          throw error;
        this.xsdStatus = `not checked: ${error.message}`;
      }
    }
    return facts;
  }

  /** Creates and schedules the next notification of the file's plan, once the one before is done. */
  private advance(file: FileRecord): void {
    if (this.stopped || file.notifications.some((n) => n.status === 'scheduled')) return;
    const step = file.plan.shift();
    if (!step) return;
    const messageId = String(this.state.nextMessageId++);
    const progressive = file.notifications.length + 1;
    const n: NotificationRecord = {
      type: step.type,
      name: notificationFileName(file.nomeFile, step.type, Math.min(progressive, 999)),
      messageId,
      dueAt: Date.now() + step.delay,
      status: 'scheduled',
      attempts: 0,
    };
    file.notifications.push(n);
    const xml = signNotification(buildNotification(this.messageOf(file, n, step)), this.credential!);
    writeFileSync(this.notificationPath(file, n), xml);
    file.state = (
      {
        RC: 'delivered',
        NS: 'rejected',
        MC: 'not-delivered',
        NE: step.esito === 'EC02' ? 'refused' : 'accepted',
        DT: 'expired',
        AT: 'attested',
      } as const
    )[step.type];
    this.save();
    this.schedule(file, n);
  }

  private messageOf(file: FileRecord, n: NotificationRecord, step: PlanStep): SdiMessage {
    const base = {
      type: n.type,
      identificativoSdI: file.identificativoSdI,
      nomeFile: file.nomeFile,
      messageId: n.messageId,
    };
    const destinatario = {
      codice: file.codiceDestinatario ?? '',
      descrizione: 'Destinatario di prova (stand-in SDI)',
    };
    const reference = file.invoice ? { riferimentoFattura: file.invoice } : {};
    switch (n.type) {
      case 'RC':
        return { ...base, dataOraRicezione: file.receivedAt, dataOraConsegna: nowIso(), destinatario };
      case 'NS': {
        const errors = file.errors ?? [discard('00200')];
        return {
          ...base,
          dataOraRicezione: file.receivedAt,
          errors: this.options.suggestions
            ? errors
            : errors.map(({ code, description }) => ({ code, description })),
        };
      }
      case 'MC':
        return {
          ...base,
          dataOraRicezione: file.receivedAt,
          description: 'Il file non è stato recapitato al destinatario (stand-in SDI)',
        };
      case 'NE':
        return {
          ...base,
          esito: step.esito ?? 'EC01',
          ...reference,
          description:
            step.esito === 'EC02' ? 'Fattura rifiutata (stand-in SDI)' : 'Fattura accettata (stand-in SDI)',
        };
      case 'DT':
        return {
          ...base,
          ...reference,
          description: 'Decorrenza termini senza esito del committente (stand-in SDI)',
        };
      case 'AT':
        return {
          ...base,
          dataOraRicezione: file.receivedAt,
          destinatario,
          hashFileOriginale: file.sha256,
          note: 'Impossibilità di recapito al destinatario (stand-in SDI)',
        };
    }
  }

  private schedule(file: FileRecord, n: NotificationRecord): void {
    this.later(Math.max(0, n.dueAt - Date.now()), () => void this.push(file, n));
  }

  private later(ms: number, run: () => void): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      run();
    }, ms);
    this.timers.add(timer);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolveSleep) => this.later(ms, resolveSleep));
  }

  /** Whether a fault says to lose this notification (counting it down). */
  private lose(type: SdiPushedType): boolean {
    const byType = this.faults.loseByType[type];
    if (byType !== undefined && byType > 0) {
      this.faults.loseByType[type] = byType - 1;
      return true;
    }
    if (this.faults.lose > 0) {
      this.faults.lose--;
      return true;
    }
    return false;
  }

  /** Where the notifications go from now on (the service's events URL, known once the service runs). */
  setTransmitterEndpoint(url: string): void {
    this.options.transmitterEndpoint = url;
    // what could not be sent for want of an endpoint goes now
    for (const file of this.state.files)
      for (const n of file.notifications)
        if (n.status === 'failed' && n.attempts === 0) {
          n.status = 'scheduled';
          this.schedule(file, n);
        }
  }

  /** Pushes the notification, retrying with backoff; then it is sent, failed (kept) or lost (by a fault). */
  private async push(file: FileRecord, n: NotificationRecord): Promise<void> {
    if (this.stopped) return;
    if (this.lose(n.type)) n.status = 'lost';
    else {
      const endpoint = this.options.transmitterEndpoint;
      const retries = this.options.push?.retries ?? 3;
      const backoff = this.options.push?.backoffMs ?? 200;
      const xml = readFileSync(this.notificationPath(file, n));
      const message = buildTrasmissioneRequest(TRASMISSIONE_OPERATION_OF[n.type], {
        identificativoSdI: file.identificativoSdI,
        nomeFile: n.name,
        file: xml,
      });
      let sent = false;
      if (!endpoint) n.lastError = 'no transmitterEndpoint';
      for (let attempt = 0; endpoint && attempt <= retries && !sent && !this.stopped; attempt++) {
        if (attempt > 0) await this.sleep(backoff * 2 ** (attempt - 1));
        if (this.stopped) return;
        n.attempts++;
        const error = await this.post(endpoint, message);
        if (error === undefined) sent = true;
        else {
          n.lastError = error;
          this.state.counters.pushAttemptsFailed++;
        }
      }
      if (this.stopped) return;
      n.status = sent ? 'sent' : 'failed';
      if (sent) {
        n.sentAt = nowIso();
        delete n.lastError;
        if (this.options.faults?.repeatNotifications) {
          await this.post(endpoint!, message);
          if (this.stopped) return;
          this.state.counters.repeated++;
        }
      }
    }
    this.save();
    this.advance(file);
  }

  /** One SOAP POST: undefined when the endpoint took it (2xx), else why not. */
  private async post(endpoint: string, message: SoapMessage): Promise<string | undefined> {
    const abort = new AbortController();
    this.aborts.add(abort);
    const timer = setTimeout(() => abort.abort(), this.options.push?.timeoutMs ?? 10_000);
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': message.contentType, soapaction: `"${message.soapAction ?? ''}"` },
        body: bodyInit(message),
        signal: abort.signal,
      });
      await response.arrayBuffer();
      return response.ok ? undefined : `HTTP ${response.status}`;
    } catch (error) {
      return describeError(error).message;
    } finally {
      clearTimeout(timer);
      this.aborts.delete(abort);
    }
  }

  /** `POST /deliver`: a vendor invoice to a RicezioneFatture endpoint, with its MetadatiInvioFile. */
  private async deliver(body: Buffer, res: ServerResponse): Promise<void> {
    let request: { endpoint?: unknown; xml?: unknown; nomeFile?: unknown };
    try {
      request = JSON.parse(body.toString('utf8')) as typeof request;
    } catch {
      return this.sendJson(res, 400, { message: 'The body is not JSON' });
    }
    const { endpoint, xml, nomeFile } = request;
    if (typeof endpoint !== 'string' || !/^https?:\/\//.test(endpoint) || typeof xml !== 'string')
      return this.sendJson(res, 400, {
        message: 'Expected {"endpoint": "http(s)://…", "xml": "<FatturaElettronica…>"}',
      });
    if (nomeFile !== undefined && (typeof nomeFile !== 'string' || !FILE_NAME.test(nomeFile)))
      return this.sendJson(res, 400, { message: `nomeFile must match ${FILE_NAME.source}` });
    let facts: InvoiceFacts;
    try {
      facts = readInvoice(xml);
    } catch (error) {
      return this.sendJson(res, 400, { message: describeError(error).message });
    }
    const name = nomeFile ?? `${facts.trasmittente || facts.seller}_${facts.progressivoInvio || '00001'}.xml`;
    const identificativoSdI = String(this.state.nextId++);
    const metadataName = notificationFileName(name, 'MT', 1);
    const metadata = buildNotification({
      type: 'MT',
      identificativoSdI,
      nomeFile: name,
      codiceDestinatario: facts.codiceDestinatario,
      formato: facts.formato,
      tentativiInvio: 1,
      messageId: String(this.state.nextMessageId++),
    });
    const delivery: Delivery = { identificativoSdI, nomeFile: name, endpoint, at: nowIso() };
    this.state.deliveries.push(delivery);
    this.save();
    const message = buildRiceviFattureRequest({
      identificativoSdI,
      nomeFile: name,
      file: Buffer.from(xml, 'utf8'),
      nomeFileMetadati: metadataName,
      metadati: Buffer.from(metadata, 'utf8'),
    });
    try {
      const response = await fetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': message.contentType, soapaction: `"${message.soapAction ?? ''}"` },
        body: bodyInit(message),
        signal: AbortSignal.timeout(this.options.push?.timeoutMs ?? 10_000),
      });
      const answer = Buffer.from(await response.arrayBuffer());
      const { esito } = parseRiceviFattureResponse(answer, response.headers.get('content-type') ?? undefined);
      delivery.esito = esito;
    } catch (error) {
      delivery.error = describeError(error).message;
    }
    this.save();
    this.sendJson(res, delivery.error ? 502 : 200, {
      identificativoSdI,
      nomeFile: name,
      nomeFileMetadati: metadataName,
      ...(delivery.esito ? { esito: delivery.esito } : {}),
      ...(delivery.error ? { error: delivery.error } : {}),
    });
  }
}
