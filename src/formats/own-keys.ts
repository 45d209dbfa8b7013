// Keys that come from the data (EventData names, element names, JSON keys) are written as own properties only:
// a plain `obj[key] = value` with the key "__proto__" changes the object's prototype instead, and `key in obj`
// is true for "constructor" or "toString", which no event carries.

/** obj[key] = value, also for the key "__proto__". */
export function setOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Whether `key` is the object's own (not inherited from Object.prototype). */
export function hasOwn(obj: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(obj, key);
}
