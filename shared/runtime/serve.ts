import { join, resolve } from 'node:path';
import { provideServices } from '../../functions/lib/services';
import { applyLocalSettingsFile } from '../settings';
import { startEmbedded } from './embedded';
import { installRecorder, RegistrationRecorder } from './registrations';

/** `einvoice serve`: the embedded runtime in the foreground until SIGINT/SIGTERM. */
export async function serve(options: { port?: number; dataDir?: string }): Promise<number> {
  applyLocalSettingsFile(resolve('local.settings.json'));
  const recorder = new RegistrationRecorder();
  installRecorder(recorder);
  // The Function App itself: registering its Functions fills the recorder.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require('../../functions/index');
  const runtime = await startEmbedded(() => recorder.registrations, provideServices, options);
  const sample = join('samples', 'invoice.json');
  process.stderr.write(
    `\neinvoice is running at ${runtime.url}/api\n` +
      `  tenant: local   API key: ${runtime.apiKey}\n` +
      `  data folder: ${runtime.services.settings.dataDir}\n` +
      `  try: npx einvoice submit ${sample} --wait\n\n`,
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await runtime.stop();
  return 0;
}
