// Validates XML files against an XSD with libxml2 (WebAssembly). ESM-only library, so tests run it as a
// child process: node xsd-validate.mjs SCHEMA.xsd FILE.xml... → JSON [{ file, errors: [{line, message}] }]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { XmlDocument, XsdValidator, XmlValidateError } from 'libxml2-wasm';
import { xmlRegisterFsInputProviders } from 'libxml2-wasm/lib/nodejs.mjs';

xmlRegisterFsInputProviders();
const [schemaPath, ...files] = process.argv.slice(2);
const schemaDoc = XmlDocument.fromBuffer(readFileSync(schemaPath), { url: pathToFileURL(schemaPath).href });
const validator = XsdValidator.fromDoc(schemaDoc);
const results = [];
for (const file of files) {
  const doc = XmlDocument.fromBuffer(readFileSync(file), { url: pathToFileURL(file).href });
  try {
    validator.validate(doc);
    results.push({ file, errors: [] });
  } catch (error) {
    if (!(error instanceof XmlValidateError)) throw error;
    results.push({ file, errors: error.details.map((d) => ({ line: d.line, message: d.message.trim() })) });
  } finally {
    doc.dispose();
  }
}
validator.dispose();
schemaDoc.dispose();
process.stdout.write(JSON.stringify(results));
