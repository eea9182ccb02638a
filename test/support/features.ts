import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A feature with an invoice flow and a cancellation of it, allowed once the invoice completed. */
export function cancellableFeature(root: string): string {
  const dir = join(root, 'cancellable');
  mkdirSync(dir, { recursive: true });
  const write = (name: string, value: unknown) => writeFileSync(join(dir, name), JSON.stringify(value));
  write('feature.json', {
    id: 'cancellable',
    version: '1.0.0',
    title: 'Cancellable',
    direction: 'outbound',
    flows: ['invoice.json', 'cancel.json'],
    related: { cancel: { flow: 'cancellable-cancel', from: ['completed'] } },
  });
  write('invoice.json', {
    id: 'cancellable-invoice',
    version: 1,
    description: 'an invoice',
    applicability: { field: 'format', op: 'eq', value: 'cancellable' },
    input: { kinds: ['canonical'] },
    steps: [{ id: 'validate', action: 'validate', with: { input: 'input.json', output: 'canonical.json' } }],
  });
  write('cancel.json', {
    id: 'cancellable-cancel',
    version: 1,
    description: 'its cancellation: accepted for reason 02',
    steps: [
      {
        id: 'check',
        action: 'handle-response',
        with: { input: 'input.json', status: '/reason', outcomes: { accepted: ['02'], rejected: ['99'] } },
      },
    ],
  });
  return dir;
}
