import type { SyntaxRuleModule } from '../rule';
import { EN16931_SOURCE } from '../sources';

export const ciiSyntax: SyntaxRuleModule = {
  id: 'en16931-cii-syntax',
  set: 'en16931',
  title: 'EN 16931 CII syntax rules (CII-SR-*, CII-DT-*, CII-CR-*)',
  source: EN16931_SOURCE,
  reads: 'cii',
  rules: [],
};
