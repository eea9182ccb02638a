import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { verifyXmlSignature } from '../../signing/verify';
import type { CommandSpec } from '../command';
import { JSON_OPTION } from '../options';

export const verify: CommandSpec = {
  name: 'verify',
  description: 'check the XML signatures of documents',
  usage: 'einvoice verify FILE... [--cert FILE] [--trust FILE] [--allow-sha1] [--json]',
  details: 'Exit 0 when every signature verifies, 1 when any does not.',
  options: [
    {
      name: 'cert',
      type: 'string',
      value: 'FILE',
      description: 'the certificate (PEM) the signature must be made with',
    },
    {
      name: 'trust',
      type: 'string',
      value: 'FILE',
      description: "trust anchors (PEM certificates): the signer's chain must lead to one of them",
    },
    {
      name: 'allow-sha1',
      type: 'boolean',
      description: 'accept SHA-1 digests and signatures (old documents)',
    },
    { ...JSON_OPTION, description: 'print, per file, { file, valid, problems, certificate }' },
  ],
  args: [{ name: 'FILE', required: true, variadic: true, description: 'a signed XML document' }],
  examples: [
    { command: 'einvoice verify signed.xml', comment: 'check a signed invoice' },
    {
      command: 'einvoice verify --trust ca.pem received/*.xml',
      comment: 'check many, requiring a chain to this CA',
    },
  ],
  run(args, io) {
    const trustFile = args.string('trust');
    const certFile = args.string('cert');
    const trusted =
      trustFile !== undefined
        ? (
            readFileSync(trustFile, 'utf8').match(
              /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g,
            ) ?? []
          ).map((pem) => new X509Certificate(pem))
        : undefined;
    const results = args.positionals.map((file) => ({
      file,
      ...verifyXmlSignature(readFileSync(file, 'utf8'), {
        ...(certFile !== undefined ? { certificate: readFileSync(certFile, 'utf8') } : {}),
        ...(trusted ? { trusted } : {}),
        allowSha1: args.flag('allow-sha1'),
      }),
    }));
    if (args.flag('json')) io.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
    else {
      for (const r of results) {
        io.stdout.write(
          `${r.valid ? 'valid  ' : 'INVALID'} ${r.file}${r.certificate ? `  (${r.certificate.subject.replace(/\n/g, ', ')})` : ''}\n`,
        );
        for (const p of r.problems) io.stdout.write(`  ${p.code ?? ''} ${p.path ?? ''}: ${p.message}\n`);
      }
    }
    return results.every((r) => r.valid) ? 0 : 1;
  },
};
