// The XSD validation thread of XsdValidatorPool (shared/xml/xsd.ts). libxml2-wasm is an ES module, so this
// file is one too; it is plain JavaScript, loaded from the package as it is, from sources or dist alike.
// Message in: { id, root (the schema folder), schema (absolute path), xml (string) }.
// Out: { id, errors: [{ line, message }] } or { id, failure }. Compiled schemas are kept for the thread's life.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parentPort } from 'node:worker_threads';
import { XmlDocument, XmlValidateError, XsdValidator, xmlRegisterInputProvider } from 'libxml2-wasm';

const roots = new Set();

/** A schema file libxml2 asks for (an import or include), only from inside a schema folder. */
function schemaFile(name) {
  let path;
  try {
    path = name.startsWith('file:') ? fileURLToPath(name) : resolve(name);
  } catch {
    return undefined;
  }
  for (const root of roots) if (path.startsWith(root + sep) && existsSync(path)) return path;
  return undefined;
}

xmlRegisterInputProvider({
  match: (name) => schemaFile(name) !== undefined,
  open: (name) => {
    const path = schemaFile(name);
    return path === undefined ? undefined : openSync(path, 'r');
  },
  read: (fd, buffer) => readSync(fd, buffer, 0, buffer.byteLength, null),
  close: (fd) => {
    closeSync(fd);
    return true;
  },
});

const validators = new Map();

function validatorFor(root, schema) {
  let validator = validators.get(schema);
  if (!validator) {
    roots.add(resolve(root));
    const doc = XmlDocument.fromBuffer(readFileSync(schema), { url: pathToFileURL(schema).href });
    validator = XsdValidator.fromDoc(doc);
    validators.set(schema, validator);
  }
  return validator;
}

parentPort.on('message', ({ id, root, schema, xml }) => {
  let doc;
  try {
    const validator = validatorFor(root, schema);
    doc = XmlDocument.fromString(xml);
    validator.validate(doc);
    parentPort.postMessage({ id, errors: [] });
  } catch (error) {
    if (error instanceof XmlValidateError) {
      parentPort.postMessage({
        id,
        errors: error.details.map((d) => ({ line: d.line, message: String(d.message).trim() })),
      });
    } else {
      parentPort.postMessage({ id, failure: error instanceof Error ? error.message : String(error) });
    }
  } finally {
    doc?.dispose();
  }
});
