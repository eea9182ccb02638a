import type { XmlTreeElement } from '../../xml/xml-tree';
import type { SyntaxRuleModule } from '../rule';
import { PEPPOL_SOURCE } from '../sources';
import { CII, along, childOf, normalized, type Step } from './core/xml';
import { DK_DIRECT_DEBIT_MEANS } from './dk/codes';

/**
 * The Danish rules PEPPOL's CII artefact binds differently from its UBL one in a way the canonical invoice
 * cannot tell: they read the CII document itself, for a seller and a buyer in Denmark (the schematron's
 * `$DKSupplierCountry` and `$DKCustomerCountry`, the parties' postal `ram:CountryID`).
 */

const ram = (name: string): Step => [CII.ram, name];
const TRANSACTION: Step = [CII.rsm, 'SupplyChainTradeTransaction'];
const AGREEMENT = ram('ApplicableHeaderTradeAgreement');
const SETTLEMENT = ram('ApplicableHeaderTradeSettlement');
const MEANS = ram('SpecifiedTradeSettlementPaymentMeans');
const TERMS = ram('SpecifiedTradePaymentTerms');
const MANDATE = ram('DirectDebitMandateID');

/** `$…Country = 'DK'`: one of the party's postal country codes is exactly `DK`. */
function partyInDenmark(root: XmlTreeElement, party: string): boolean {
  return along(root, [TRANSACTION, AGREEMENT, ram(party), ram('PostalTradeAddress'), ram('CountryID')]).some(
    (country) => country.textContent === 'DK',
  );
}

const given = (elements: readonly XmlTreeElement[]) => elements.some((element) => normalized(element) !== '');

/** PEPPOL BIS Billing 3's Danish rules on the CII document, between parties in Denmark. */
export const peppolDenmarkCii: SyntaxRuleModule = {
  id: 'peppol-dk-cii',
  set: 'peppol',
  title: 'PEPPOL BIS Billing 3, Denmark, on the CII document (DK-R-007)',
  source: PEPPOL_SOURCE,
  reads: 'cii',
  appliesTo: (root) => partyInDenmark(root, 'SellerTradeParty') && partyInDenmark(root, 'BuyerTradeParty'),
  rules: [
    {
      id: 'DK-R-007',
      terms: ['BT-81', 'BT-89', 'BT-90'],
      message:
        'Between Danish parties a direct debit (payment means 49) must give the mandate reference (BT-89) and the creditor identifier (BT-90).',
      // PEPPOL's CII artefact looks for the mandate in the payment means' own payment terms
      // (`ram:SpecifiedTradeSettlementPaymentMeans/ram:SpecifiedTradePaymentTerms`); the mandate where EN
      // 16931's CII binding puts BT-89 (the settlement's payment terms) satisfies the rule as well.
      check(root, report) {
        for (const settlement of along(root, [TRANSACTION, SETTLEMENT])) {
          const creditor = given(along(settlement, [ram('CreditorReferenceID')]));
          const boundMandate = given(along(settlement, [TERMS, MANDATE]));
          for (const means of along(settlement, [MEANS])) {
            if (childOf(means, ram('TypeCode'))?.textContent !== DK_DIRECT_DEBIT_MEANS) continue;
            if (!creditor || !(boundMandate || given(along(means, [TERMS, MANDATE])))) report(means);
          }
        }
      },
    },
  ],
};
