import type { InvoiceRule } from '../../rule';
import { given, present, text } from '../../values';
import { fatal, missingIn } from './support';
import { VAT_ID_PREFIXES } from './vat-id-prefixes';

/** The scheme of a creditor identifier (BT-90), which does not identify the seller to the buyer. */
const CREDITOR_SCHEME = 'SEPA';

/** Seller, buyer, payee and tax representative: who they are and where (BG-4 … BG-12). */
export const partyRules: readonly InvoiceRule[] = [
  fatal('BR-06', ['BT-27'], 'BT-27 Seller name is required', (invoice, report) => {
    if (!given(invoice.seller?.name)) report(missingIn(invoice.seller, '/seller', 'name'));
  }),
  fatal('BR-07', ['BT-44'], 'BT-44 Buyer name is required', (invoice, report) => {
    if (!given(invoice.buyer?.name)) report(missingIn(invoice.buyer, '/buyer', 'name'));
  }),
  fatal('BR-08', ['BG-5'], 'BG-5 Seller postal address is required', (invoice, report) => {
    if (!present(invoice.seller?.address)) report(missingIn(invoice.seller, '/seller', 'address'));
  }),
  fatal('BR-09', ['BG-5', 'BT-40'], 'BT-40 Seller country code is required', (invoice, report) => {
    const address = invoice.seller?.address;
    if (address && !given(address.country)) report('/seller/address/country');
  }),
  fatal('BR-10', ['BG-8'], 'BG-8 Buyer postal address is required', (invoice, report) => {
    if (!present(invoice.buyer?.address)) report(missingIn(invoice.buyer, '/buyer', 'address'));
  }),
  fatal('BR-11', ['BG-8', 'BT-55'], 'BT-55 Buyer country code is required', (invoice, report) => {
    const address = invoice.buyer?.address;
    if (address && !given(address.country)) report('/buyer/address/country');
  }),
  fatal(
    'BR-62',
    ['BT-34', 'BT-34-1'],
    'BT-34-1 Seller electronic address scheme identifier is required',
    (invoice, report) => {
      const endpoint = invoice.seller?.endpoint;
      if (endpoint && !present(endpoint.scheme)) report('/seller/endpoint/scheme');
    },
  ),
  fatal(
    'BR-63',
    ['BT-49', 'BT-49-1'],
    'BT-49-1 Buyer electronic address scheme identifier is required',
    (invoice, report) => {
      const endpoint = invoice.buyer?.endpoint;
      if (endpoint && !present(endpoint.scheme)) report('/buyer/endpoint/scheme');
    },
  ),
  fatal(
    'BR-CO-26',
    ['BT-29', 'BT-30', 'BT-31'],
    'The seller needs an identifier (BT-29), a legal registration identifier (BT-30) or a VAT identifier (BT-31), so that the buyer can identify it',
    (invoice, report) => {
      const seller = invoice.seller;
      if (!seller) return;
      if (present(seller.vatId) || present(seller.legalRegistration?.id)) return;
      if (seller.identifiers?.some((id) => present(id?.id) && text(id.scheme) !== CREDITOR_SCHEME)) return;
      report('/seller');
    },
  ),
  fatal(
    'BR-CO-09',
    ['BT-31', 'BT-48', 'BT-63'],
    'A VAT identifier must start with the ISO 3166-1 alpha-2 code of the country that issued it (EL for Greece)',
    (invoice, report) => {
      const check = (vatId: string | undefined, path: string) => {
        if (typeof vatId !== 'string' || vatId === '') return;
        if (!VAT_ID_PREFIXES.has(vatId.slice(0, 2)))
          report(
            path,
            `VAT identifier ${vatId} does not start with a country code (ISO 3166-1 alpha-2, EL for Greece)`,
          );
      };
      check(invoice.seller?.vatId, '/seller/vatId');
      check(invoice.buyer?.vatId, '/buyer/vatId');
      check(invoice.taxRepresentative?.vatId, '/taxRepresentative/vatId');
    },
  ),
  fatal(
    'BR-17',
    ['BG-10', 'BT-59'],
    'BT-59 Payee name is required for a payee (BG-10) other than the seller',
    (invoice, report) => {
      const payee = invoice.payee;
      if (!payee) return;
      if (!present(payee.name)) {
        report('/payee/name');
        return;
      }
      // A payee that is the seller (the seller's trading name or identifier) is no payee of its own.
      const seller = invoice.seller;
      const sameName = present(seller?.tradingName) && payee.name === seller?.tradingName;
      const payeeId = payee.identifier?.id;
      const sameId = present(payeeId) && !!seller?.identifiers?.some((id) => id?.id === payeeId);
      if (sameName || sameId)
        report('/payee', 'The payee (BG-10) is the seller: leave the payee out when the seller is paid');
    },
  ),
  fatal(
    'BR-18',
    ['BG-11', 'BT-62'],
    'BT-62 Seller tax representative name is required',
    (invoice, report) => {
      const representative = invoice.taxRepresentative;
      if (representative && !given(representative.name)) report('/taxRepresentative/name');
    },
  ),
  fatal(
    'BR-19',
    ['BG-11', 'BG-12'],
    'BG-12 Seller tax representative postal address is required',
    (invoice, report) => {
      const representative = invoice.taxRepresentative;
      if (representative && !present(representative.address)) report('/taxRepresentative/address');
    },
  ),
  fatal(
    'BR-20',
    ['BG-12', 'BT-69'],
    'BT-69 Tax representative country code is required',
    (invoice, report) => {
      const address = invoice.taxRepresentative?.address;
      if (address && !given(address.country)) report('/taxRepresentative/address/country');
    },
  ),
  fatal(
    'BR-56',
    ['BG-11', 'BT-63'],
    'BT-63 Seller tax representative VAT identifier is required',
    (invoice, report) => {
      const representative = invoice.taxRepresentative;
      if (representative && !present(representative.vatId)) report('/taxRepresentative/vatId');
    },
  ),
];
