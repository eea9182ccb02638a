import type { CommandSpec } from '../command';
import { artifact } from './artifact';
import { bench } from './bench';
import { cancel } from './cancel';
import { convert } from './convert';
import { doctor } from './doctor';
import { feature } from './feature';
import { formats } from './formats';
import { list } from './list';
import { related } from './related';
import { resubmit } from './resubmit';
import { rules } from './rules';
import { sandbox } from './sandbox';
import { serve } from './serve';
import { sign } from './sign';
import { status } from './status';
import { submit } from './submit';
import { validate } from './validate';
import { verify } from './verify';

/** The commands, in the groups `einvoice help` shows. */
export const COMMAND_GROUPS: ReadonlyArray<{ title: string; commands: readonly CommandSpec[] }> = [
  { title: 'Run the service', commands: [serve, doctor] },
  {
    title: 'Documents on the service',
    commands: [submit, list, status, artifact, resubmit, cancel, related],
  },
  { title: 'Configuration on the service', commands: [feature] },
  { title: 'Documents on this machine', commands: [validate, convert, formats, rules, sign, verify] },
  { title: 'Try and measure', commands: [sandbox, bench] },
];

export const COMMANDS: readonly CommandSpec[] = COMMAND_GROUPS.flatMap((g) => g.commands);
