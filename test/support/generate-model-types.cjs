// Prints the TypeScript types generated from the canonical invoice schema. A child process of the codegen
// test: json-schema-to-typescript loads prettier, which cannot load inside jest.
const { readFileSync } = require('node:fs');
const { compile } = require('json-schema-to-typescript');

const schema = JSON.parse(readFileSync(process.argv[2], 'utf8'));
compile(schema, 'CanonicalInvoice', {
  bannerComment:
    '/* Generated from shared/model/schemas/invoice.schema.json by `npm run generate`: do not edit. */',
  additionalProperties: false,
  unreachableDefinitions: true,
  ignoreMinAndMaxItems: true,
  style: { singleQuote: true, printWidth: 110, trailingComma: 'all' },
}).then((ts) => process.stdout.write(ts));
