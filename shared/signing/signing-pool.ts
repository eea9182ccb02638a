import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { KeyObject } from 'node:crypto';
import { EInvoiceError } from '../errors';
import type { SigningCredential } from '../ports/certificate-store';
import { packageRoot } from '../util/package-root';
import {
  signEnvelopedUtf8,
  type SignaturePlacement,
  type XmlCanonicalization,
  type XmlSignatureAlgorithm,
  type XmlDigestAlgorithm,
  type SignatureProfile,
} from './xmldsig';

/** What an XML signature is asked for, apart from the document and the credential. */
export interface XmlSignRequest {
  placement: SignaturePlacement;
  profile?: SignatureProfile;
  algorithm?: XmlSignatureAlgorithm;
  digest?: XmlDigestAlgorithm;
  canonicalization?: XmlCanonicalization;
  keyInfo?: 'certificate' | 'chain' | 'key-value';
  referenceId?: string;
  /** The signature's namespace prefix: default `ds`, `''` none (SEFAZ refuses prefixes). */
  prefix?: string;
  signingTime?: Date;
}

/** Signs XML documents: in the calling thread (`inlineXmlSigner`) or on signing threads (`SigningPool`). */
export interface XmlSigner {
  /** Signs a UTF-8 XML document; returns the signed document, UTF-8. */
  sign(xml: Buffer, credential: SigningCredential, request: XmlSignRequest): Promise<SignedXmlDocument>;
  close(): Promise<void>;
}

export interface SignedXmlDocument {
  xml: Buffer;
  /** `direct`: canonicalized in one pass over the text; `general`: through a DOM. */
  path: 'direct' | 'general';
}

function splitRequest(credential: SigningCredential, request: XmlSignRequest) {
  const { placement, signingTime, ...options } = request;
  return { placement, signingTime, options: { ...options, chain: credential.certificates.slice(1) } };
}

export const inlineXmlSigner: XmlSigner = {
  sign(xml, credential, request) {
    const { placement, signingTime, options } = splitRequest(credential, request);
    const signed = signEnvelopedUtf8(
      xml,
      { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
      placement,
      { ...options, ...(signingTime ? { signingTime } : {}) },
    );
    return Promise.resolve(signed);
  },
  close: () => Promise.resolve(),
};

/** A message to a signing thread. `key` comes with the first request for a credential on that thread. */
export interface SigningRequest {
  id: number;
  /** The document, UTF-8, in a buffer of its own (transferred, not copied). */
  xml: Uint8Array;
  keyId: string;
  key?: { privateKey: KeyObject; certificates: Buffer[] };
  placement: SignaturePlacement;
  signingTime?: number;
  options: Omit<XmlSignRequest, 'placement' | 'signingTime'>;
}

export type SigningReply =
  | { id: number; xml: Uint8Array; path: 'direct' | 'general' }
  | { id: number; error: { code: string; message: string; status: number; retryable: boolean } };

interface Thread {
  worker: Worker;
  keys: Set<string>;
  pending: Map<number, { resolve: (signed: SignedXmlDocument) => void; reject: (e: Error) => void }>;
}

/** The compiled worker script: next to this file in dist/, or in dist/ when running from sources. */
function workerScript(): string {
  const beside = join(__dirname, 'signing-worker.js');
  if (existsSync(beside)) return beside;
  const built = join(packageRoot(), 'dist', 'shared', 'signing', 'signing-worker.js');
  if (existsSync(built)) return built;
  throw new Error('The signing thread script is not built: run `npm run build`');
}

/**
 * Signing on worker threads, so that the CPU-bound part of signing (canonicalization, digest, RSA) runs
 * beside intake, storage and the other stages instead of between them. Each credential's private key is
 * sent to a thread once, as a `KeyObject` (never as text). A thread that dies fails its requests as
 * transient (the step is retried) and is replaced.
 */
export class SigningPool implements XmlSigner {
  private readonly threads: Thread[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {
    if (size < 1) throw new RangeError('A signing pool needs at least one thread');
    const script = workerScript();
    for (let i = 0; i < size; i++) this.threads.push(this.start(script));
  }

  private start(script: string): Thread {
    const thread: Thread = { worker: new Worker(script), keys: new Set(), pending: new Map() };
    thread.worker.unref();
    thread.worker.on('message', (reply: SigningReply) => {
      const waiting = thread.pending.get(reply.id);
      if (!waiting) return;
      thread.pending.delete(reply.id);
      if ('error' in reply) {
        const { code, message, status, retryable } = reply.error;
        waiting.reject(new EInvoiceError(code, message, { status, retryable }));
      } else {
        const { buffer, byteOffset, byteLength } = reply.xml;
        waiting.resolve({ xml: Buffer.from(buffer, byteOffset, byteLength), path: reply.path });
      }
    });
    const fail = (reason: string) => {
      for (const waiting of thread.pending.values())
        waiting.reject(
          new EInvoiceError('sign.thread-failed', `The signing thread stopped: ${reason}`, {
            status: 503,
            retryable: true,
          }),
        );
      thread.pending.clear();
      const index = this.threads.indexOf(thread);
      if (index >= 0 && !this.closed) this.threads[index] = this.start(script);
    };
    thread.worker.on('error', (error) => fail(error.message));
    thread.worker.on('exit', (code) => fail(`exit code ${code}`));
    return thread;
  }

  sign(xml: Buffer, credential: SigningCredential, request: XmlSignRequest): Promise<SignedXmlDocument> {
    if (this.closed) return Promise.reject(new Error('The signing pool is closed'));
    const thread = this.threads.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const keyId = `${credential.name}:${credential.certificates[0]!.fingerprint256}`;
    const { placement, signingTime, options } = splitRequest(credential, request);
    delete (options as { chain?: unknown }).chain; // the thread has the chain with the key
    const message: SigningRequest = {
      id: this.nextId++,
      xml: new Uint8Array(xml), // a copy with a buffer of its own, which the thread then owns
      keyId,
      placement,
      options,
      ...(signingTime ? { signingTime: signingTime.getTime() } : {}),
    };
    if (!thread.keys.has(keyId)) {
      message.key = {
        privateKey: credential.privateKey,
        certificates: credential.certificates.map((c) => c.raw),
      };
      thread.keys.add(keyId);
    }
    return new Promise((resolve, reject) => {
      thread.pending.set(message.id, { resolve, reject });
      thread.worker.postMessage(message, [message.xml.buffer as ArrayBuffer]);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
