// Reads a dotted ECS field from a document that may be nested (`{source: {ip}}`), flat (`{'source.ip'}`),
// or a mix of both (alerts: `'seqhunt.task'` holding `{command}`), flattening arrays as Elasticsearch does.
// Every dotted key a path can be stored under is built once, at compile time.

/** Returns every leaf value at the field (arrays flattened, null/undefined dropped); [] when absent. */
export type FieldGetter = (doc: unknown) => unknown[];

/** Calls `test` on each leaf value until it returns true; returns whether one did. No allocation. */
export type FieldVisitor = (doc: unknown, test: (value: unknown) => boolean) => boolean;

/** keys[i][j - i] = parts[i..j] joined with dots: "a.b.c" may be stored as a["b.c"], a.b.c, or a["b"]["c"]. */
function splitKeys(field: string): string[][] {
  const parts = field.split('.');
  return parts.map((_, i) => parts.slice(i).map((__, k) => parts.slice(i, i + k + 1).join('.')));
}

function visit(value: unknown, keys: readonly string[][], i: number, test: (v: unknown) => boolean): boolean {
  if (value === null || value === undefined) return false;
  if (Array.isArray(value)) {
    for (const element of value) if (visit(element, keys, i, test)) return true;
    return false;
  }
  if (i === keys.length) return test(value);
  if (typeof value !== 'object') return false;
  const record = value as Record<string, unknown>;
  const candidates = keys[i]!;
  for (let k = 0; k < candidates.length; k++) {
    const key = candidates[k]!;
    if (Object.hasOwn(record, key) && visit(record[key], keys, i + k + 1, test)) return true;
  }
  return false;
}

export function compileVisitor(field: string): FieldVisitor {
  const keys = splitKeys(field);
  return (doc, test) => visit(doc, keys, 0, test);
}

export function compileGetter(field: string): FieldGetter {
  const visitor = compileVisitor(field);
  return (doc) => {
    const out: unknown[] = [];
    visitor(doc, (v) => {
      out.push(v);
      return false;
    });
    return out;
  };
}
