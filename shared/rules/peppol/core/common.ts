import type { HeldInvoice, InvoiceRule } from '../../rule';
import { SCHEME_FORMATS, type SchemeFormat } from './identifiers';

/**
 * PEPPOL-COMMON-R040 … R050 on the canonical invoice: the identifiers that carry a scheme (electronic
 * addresses, party identifiers, legal registration identifiers of seller, buyer and payee), each in the
 * format its scheme prescribes. The identifiers are those both syntaxes hold in the checked places
 * (`cbc:EndpointID`, `cac:PartyIdentification/cbc:ID`, `cbc:CompanyID`; `ram:URIID`, `ram:ID`, `ram:GlobalID`).
 */

interface SchemedIdentifier {
  path: string;
  id: string;
  scheme: string;
  endpoint: boolean;
}

interface Schemed {
  id?: string;
  scheme?: string;
}

function schemedIdentifiers(invoice: HeldInvoice): SchemedIdentifier[] {
  const found: SchemedIdentifier[] = [];
  const add = (path: string, value: Schemed | undefined, endpoint = false) => {
    if (typeof value?.id === 'string' && typeof value.scheme === 'string')
      found.push({ path: `${path}/id`, id: value.id, scheme: value.scheme, endpoint });
  };
  const { seller, buyer, payee } = invoice;
  add('/seller/endpoint', seller?.endpoint, true);
  add('/buyer/endpoint', buyer?.endpoint, true);
  seller?.identifiers?.forEach((identifier, i) => add(`/seller/identifiers/${i}`, identifier));
  add('/seller/legalRegistration', seller?.legalRegistration);
  add('/buyer/identifier', buyer?.identifier);
  add('/buyer/legalRegistration', buyer?.legalRegistration);
  add('/payee/identifier', payee?.identifier);
  add('/payee/legalRegistration', payee?.legalRegistration);
  return found;
}

const XML_SPACE = /[ \t\n\r]+/g;

function identifierRule(scheme: string, format: SchemeFormat): InvoiceRule {
  return {
    id: format.rule,
    severity: format.severity,
    terms: format.endpointsOnly
      ? ['BT-34', 'BT-49']
      : ['BT-29', 'BT-30', 'BT-34', 'BT-46', 'BT-47', 'BT-49', 'BT-60', 'BT-61'],
    message: format.message,
    check(invoice, report) {
      for (const identifier of schemedIdentifiers(invoice)) {
        if (identifier.scheme !== scheme || (format.endpointsOnly && !identifier.endpoint)) continue;
        const value = format.raw ? identifier.id : identifier.id.replace(XML_SPACE, ' ').trim();
        if (!format.valid(value)) report(identifier.path, `${format.message} (found '${identifier.id}')`);
      }
    },
  };
}

export const commonRules: readonly InvoiceRule[] = Object.entries(SCHEME_FORMATS).map(([scheme, format]) =>
  identifierRule(scheme, format),
);
