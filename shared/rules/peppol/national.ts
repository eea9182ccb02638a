import type { RuleModule } from '../rule';
import { peppolDenmark } from './national-dk';
import { peppolDenmarkCii } from './national-dk-cii';
import { peppolGreece } from './national-gr';
import { peppolItaly } from './national-it';
import { peppolNetherlands } from './national-nl';
import { peppolNorway } from './national-no';
import { peppolSweden } from './national-se';

/** PEPPOL BIS Billing 3's national rules (DK, GR, IT, NL, NO, SE), each applying by its official condition. */
export const peppolNational: readonly RuleModule[] = [
  peppolDenmark,
  peppolDenmarkCii,
  peppolGreece,
  peppolItaly,
  peppolNetherlands,
  peppolNorway,
  peppolSweden,
];
