import { readFileSync, writeFileSync } from 'node:fs';
import { fromPem, fromPkcs12 } from '../../signing/credentials';
import { signJws } from '../../signing/jws';
import { signEnveloped } from '../../signing/xmldsig';
import { UsageError, type CommandSpec } from '../command';
import { OUTPUT_OPTION } from '../options';

export const sign: CommandSpec = {
  name: 'sign',
  description: 'sign XML (XMLDSig, XAdES-BES) or JSON (JWS) with a certificate',
  usage:
    'einvoice sign FILE --cert FILE [--password P] [--profile xmldsig|xades-bes|jws] [--placement P] [--json] [-o OUT]',
  details:
    'The certificate file is a PEM with the private key and the certificate (then its chain), or a PKCS#12 ' +
    'file (.p12, .pfx) opened with --password. Exit 1 when the certificate cannot be read.',
  options: [
    {
      name: 'cert',
      type: 'string',
      value: 'FILE',
      required: true,
      description: 'the signing certificate with its private key (PEM, or PKCS#12 .p12/.pfx)',
    },
    { name: 'password', type: 'string', value: 'P', description: 'the password of a PKCS#12 file' },
    {
      name: 'profile',
      type: 'string',
      value: 'PROFILE',
      allowed: ['xmldsig', 'xades-bes', 'jws'],
      description: 'the signature (default xmldsig)',
    },
    {
      name: 'placement',
      type: 'string',
      value: 'P',
      allowed: ['ubl-extensions', 'root-end'],
      description: 'where an XML signature goes (default ubl-extensions: UBL extension content)',
    },
    { name: 'json', type: 'boolean', description: 'JWS: the JSON serialization instead of the compact one' },
    OUTPUT_OPTION,
  ],
  args: [{ name: 'FILE', required: true, description: 'the document to sign' }],
  examples: [
    {
      command: 'einvoice sign invoice.xml --cert seller.pem -o signed.xml',
      comment: 'an enveloped XMLDSig signature in the UBL extensions (seller.pem: key and certificate)',
    },
    {
      command: 'einvoice sign invoice.xml --cert seller.p12 --password "$P12_PASSWORD" --profile xades-bes',
      comment: 'XAdES-BES with a PKCS#12 certificate, to stdout',
    },
  ],
  run(args, io) {
    const file = args.positionals[0]!;
    const certFile = args.string('cert')!;
    const profile = args.string('profile') ?? 'xmldsig';
    if (args.has('placement') && profile === 'jws')
      throw new UsageError('--placement applies to XML signatures');
    const certificate = readFileSync(certFile);
    const credential = /\.(p12|pfx)$/i.test(certFile)
      ? fromPkcs12(certFile, certificate.toString('base64'), args.string('password') ?? '')
      : fromPem(certFile, certificate.toString('utf8'));
    let signed: string;
    if (profile === 'jws') {
      signed = signJws(readFileSync(file), credential, {
        serialization: args.flag('json') ? 'json' : 'compact',
      });
    } else {
      signed = signEnveloped(
        readFileSync(file, 'utf8'),
        { privateKey: credential.privateKey, certificate: credential.certificates[0]! },
        (args.string('placement') as 'ubl-extensions' | 'root-end' | undefined) ?? 'ubl-extensions',
        { profile: profile as 'xmldsig' | 'xades-bes' },
      ).xml;
    }
    const output = args.string('output');
    if (output !== undefined) writeFileSync(output, signed);
    else io.stdout.write(signed);
    return 0;
  },
};
