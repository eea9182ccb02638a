import type { RuleSource } from './rule';

/** The official artefacts the rule modules agree with, at the releases whose unit tests they were checked on. */
export const EN16931_SOURCE: RuleSource = {
  artefact: 'EN 16931 validation artefacts (CEN/TC 434)',
  version: '1.3.16',
  url: 'https://github.com/ConnectingEurope/eInvoicing-EN16931',
};

export const PEPPOL_SOURCE: RuleSource = {
  artefact: 'PEPPOL BIS Billing 3',
  version: '3.0.19',
  url: 'https://github.com/OpenPEPPOL/peppol-bis-invoice-3',
};

export const XRECHNUNG_SOURCE: RuleSource = {
  artefact: 'XRechnung schematron (KoSIT)',
  version: '3.0',
  url: 'https://github.com/itplr-kosit/xrechnung-schematron',
};
