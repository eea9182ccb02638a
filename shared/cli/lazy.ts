/* eslint-disable @typescript-eslint/no-require-imports */
/**
 * Modules that load the Azure SDKs (through the composition root), required when a command runs rather than
 * when the CLI starts: help, validate and the client commands start in a fraction of the time.
 */

export const composition = () => require('../composition') as typeof import('../composition');

export const runtimeServe = () => require('../runtime/serve') as typeof import('../runtime/serve');

export const benchmarks = () => require('../bench/bench') as typeof import('../bench/bench');

export const submissionScenario = () =>
  require('../bench/submission-run') as typeof import('../bench/submission-run');

export const scaleScenario = () => require('../bench/scale-run') as typeof import('../bench/scale-run');

/** The Business Central stand-in (`einvoice sandbox --authority bc`). */
export const businessCentralStandIn = () =>
  require('../sandbox/bc-standin') as typeof import('../sandbox/bc-standin');

/** The SDI stand-in (`einvoice sandbox --authority sdi`). */
export const sdiStandIn = () => require('../sandbox/sdi-standin') as typeof import('../sandbox/sdi-standin');

/** The PAC stand-in (`einvoice sandbox --authority pac`). */
export const pacStandIn = () => require('../sandbox/pac-standin') as typeof import('../sandbox/pac-standin');
export const sefazStandIn = () =>
  require('../sandbox/sefaz-standin') as typeof import('../sandbox/sefaz-standin');

/** The Entra ID stand-in (`einvoice sandbox --authority entra`). */
export const entraStandIn = () =>
  require('../sandbox/entra-standin') as typeof import('../sandbox/entra-standin');
