import { createServices, type Services } from '../../shared/composition';
import { loadSettings } from '../../shared/settings';

let current: Services | undefined;

/**
 * The services every Function uses, built once per process from the App Settings. The embedded runtime
 * and tests provide their own (same factory, other adapters) before the first invocation.
 */
export function services(): Services {
  current ??= createServices(loadSettings());
  return current;
}

export function provideServices(services: Services | undefined): void {
  current = services;
}
