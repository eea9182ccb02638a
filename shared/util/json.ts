/** Narrowing helpers for values that arrive as `unknown`. */
export type JsonObject = { [key: string]: unknown };

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses JSON text, reporting the byte position of a syntax error instead of a stack. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
}

/** Recursively freezes a configuration value so that nothing can change it after validation. */
export function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}

/**
 * A deep copy of JSON data (objects, arrays, strings, numbers, booleans, null), an order of magnitude
 * faster than `structuredClone` for documents and records, which is why hot paths use it.
 */
export function cloneJson<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const copy = new Array<unknown>(value.length);
    for (let i = 0; i < value.length; i++) copy[i] = cloneJson(value[i] as unknown);
    return copy as T;
  }
  const copy: JsonObject = {};
  // for…in with an own-property check: the keys Object.keys gives, in its order, without a list of them
  for (const key in value)
    if (Object.prototype.hasOwnProperty.call(value, key)) copy[key] = cloneJson((value as JsonObject)[key]);
  return copy as T;
}
