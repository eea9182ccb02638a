/**
 * The property names of a mapping path (`/seller.address.city`, `vat.rate`): dot-separated, except after
 * `extensions`, whose keys are qualified names (`extensions.it.natura` is the key `it.natura` of
 * `extensions`, as the canonical model names values of another model).
 */
export function pathKeys(path: string): { absolute: boolean; keys: string[] } {
  const absolute = path.startsWith('/');
  const keys = (absolute ? path.slice(1) : path).split('.');
  const at = keys.indexOf('extensions');
  if (at !== -1 && keys.length > at + 2) keys.splice(at + 1, keys.length, keys.slice(at + 1).join('.'));
  return { absolute, keys };
}
