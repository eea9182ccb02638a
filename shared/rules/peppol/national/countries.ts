import type { XmlTreeElement } from '../../../xml/xml-tree';
import type { HeldInvoice, RuleContext } from '../../rule';
import { CII, along, childOf, childrenOf, isElement, normalizeSpace, type Step } from '../core/xml';
import { text } from '../../values';

/**
 * The countries PEPPOL BIS 3's national rules are decided by, as the schematron's variables define them.
 * A VAT identifier names its country by its first two characters (upper-cased); the postal address by its
 * country code (BT-40, BT-55).
 */

type Party = { vatId?: string; address?: { country?: string } } | undefined;

/** The country prefix of a VAT identifier (its first two characters, upper-cased); undefined when empty. */
export function vatCountry(vatId: string | undefined): string | undefined {
  // `if (…/substring(CompanyID, 1, 2))`: an empty prefix counts as none.
  const prefix = typeof vatId === 'string' ? vatId.slice(0, 2) : '';
  return prefix === '' ? undefined : (text(prefix) ?? '').toUpperCase();
}

/** The country code of a party's postal address, upper-cased with its white space normalised. */
export function postalCountry(party: Party): string | undefined {
  const country = text(party?.address?.country);
  return country === undefined ? undefined : country.toUpperCase();
}

/**
 * PEPPOL's seller country (`$supplierCountry`): the prefix of the seller's VAT identifier (BT-31), else that
 * of the seller's tax representative (BT-63), else the seller's postal country (BT-40); `XX` when none.
 *
 * PEPPOL's CII artefact takes for a VAT identifier a tax registration of scheme `VAT` only (EN 16931's CII
 * binding writes BT-31 with `VA`, which the model reads as well): for a document read from CII the country
 * is decided on its XML, as that artefact decides it.
 */
export function supplierCountry(invoice: HeldInvoice, context: RuleContext = {}): string {
  if (context.syntax === 'cii' && context.document) return ciiSupplierCountry(context.document);
  return (
    vatCountry(invoice.seller?.vatId) ??
    vatCountry(invoice.taxRepresentative?.vatId) ??
    postalCountry(invoice.seller) ??
    'XX'
  );
}

const ram = (name: string): Step => [CII.ram, name];
const AGREEMENT: readonly Step[] = [
  [CII.rsm, 'SupplyChainTradeTransaction'],
  ram('ApplicableHeaderTradeAgreement'),
];

/** PEPPOL-EN16931-CII.sch's `$supplierCountry`, on the CII document. */
function ciiSupplierCountry(root: XmlTreeElement): string {
  if (!isElement(root, [CII.rsm, 'CrossIndustryInvoice'])) return 'XX';
  const agreement = along(root, AGREEMENT)[0];
  if (agreement === undefined) return 'XX';
  const seller = childOf(agreement, ram('SellerTradeParty'));
  const representatives = childrenOf(agreement, ram('SellerTaxRepresentativeTradeParty'));
  for (const party of [...(seller ? [seller] : []), ...representatives]) {
    const prefix = along(party, [ram('SpecifiedTaxRegistration'), ram('ID')])
      .filter((id) => id.getAttribute('schemeID') === 'VAT')
      .map((id) => id.textContent.slice(0, 2))
      .find((candidate) => candidate !== '');
    if (prefix !== undefined) return normalizeSpace(prefix).toUpperCase();
  }
  const country = along(agreement, [ram('SellerTradeParty'), ram('PostalTradeAddress'), ram('CountryID')])[0];
  return country === undefined ? 'XX' : normalizeSpace(country.textContent).toUpperCase();
}

/** The seller's own country, leaving the tax representative out: BT-31's prefix, else BT-40; `XX` when none. */
export function accountingSupplierCountry(invoice: HeldInvoice): string {
  return vatCountry(invoice.seller?.vatId) ?? postalCountry(invoice.seller) ?? 'XX';
}

/** PEPPOL's buyer country (`$customerCountry`): the prefix of BT-48, else BT-55; `XX` when none. */
export function customerCountry(invoice: HeldInvoice): string {
  return vatCountry(invoice.buyer?.vatId) ?? postalCountry(invoice.buyer) ?? 'XX';
}
