import type { SyntaxRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const ublSyntax: SyntaxRuleModule = {
  id: 'en16931-ubl-syntax',
  set: 'en16931',
  title: 'EN 16931 UBL syntax rules (UBL-SR-*, UBL-DT-*, UBL-CR-*)',
  source: EN16931_SOURCE,
  reads: 'ubl',
  rules: [],
};
