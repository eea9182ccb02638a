import Module from 'node:module';

/** A binding as the Functions host receives it (`toCoreFunctionMetadata` output of `@azure/functions`). */
export interface BindingMetadata {
  type: string;
  direction: 'in' | 'out';
  route?: string;
  methods?: string[];
  topicName?: string;
  subscriptionName?: string;
  queueName?: string;
  connection?: string;
  schedule?: string;
  runOnStartup?: boolean;
  [property: string]: unknown;
}

export interface FunctionRegistration {
  name: string;
  bindings: Record<string, BindingMetadata>;
  handler: (...args: unknown[]) => unknown;
}

/** The trigger binding of a registration. */
export function triggerOf(registration: FunctionRegistration): BindingMetadata {
  const trigger = Object.values(registration.bindings).find((b) => /trigger$/i.test(b.type));
  if (!trigger) throw new Error(`Function ${registration.name} has no trigger binding`);
  return trigger;
}

/**
 * Stands in for `@azure/functions-core`, the module the Functions worker gives `@azure/functions`: it records
 * every `app.*` registration (name, binding metadata, handler) exactly as the host would receive it.
 */
export class RegistrationRecorder {
  readonly registrations: FunctionRegistration[] = [];

  readonly coreApi = {
    version: 'embedded',
    registerFunction: (
      metadata: { name: string; bindings: Record<string, BindingMetadata> },
      handler: (...args: unknown[]) => unknown,
    ) => {
      if (this.registrations.some((r) => r.name === metadata.name)) {
        throw new Error(`Function "${metadata.name}" is registered twice`);
      }
      this.registrations.push({ name: metadata.name, bindings: metadata.bindings, handler });
      return { dispose: () => undefined };
    },
    registerHook: () => ({ dispose: () => undefined }),
    setProgrammingModel: () => undefined,
    getProgrammingModel: () => undefined,
    log: () => undefined,
  };
}

let installed: RegistrationRecorder | undefined;

/**
 * Makes `require('@azure/functions-core')` return the recorder's API in this process (outside jest, which
 * has its own module registry: tests use `jest.mock(..., { virtual: true })`). Must run before the first
 * `app.*` call, since `@azure/functions` looks the module up once.
 */
export function installRecorder(recorder: RegistrationRecorder): void {
  if (installed) throw new Error('A registration recorder is already installed');
  installed = recorder;
  const mod = Module as unknown as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
  const original = mod._load;
  mod._load = function load(request: string, parent: unknown, isMain: boolean): unknown {
    if (request === '@azure/functions-core') return recorder.coreApi;
    return original.call(this, request, parent, isMain);
  };
}
