// Reads a dotted ECS field from a document that may be nested (`{source: {ip}}`), flat (`{'source.ip'}`),
// or a mix of both (alerts: `'seqhunt.task'` holding `{command}`), flattening arrays as Elasticsearch does.

/** Returns every leaf value at the field (arrays flattened, null/undefined dropped); [] when absent. */
export type FieldGetter = (doc: unknown) => unknown[];

export function compileGetter(field: string): FieldGetter {
  const parts = field.split('.');
  return (doc) => {
    const out: unknown[] = [];
    collect(doc, parts, 0, out);
    return out;
  };
}

function collect(value: unknown, parts: readonly string[], i: number, out: unknown[]): void {
  if (value === null || value === undefined) return;
  if (Array.isArray(value)) {
    for (const element of value) collect(element, parts, i, out);
    return;
  }
  if (i === parts.length) {
    out.push(value);
    return;
  }
  if (typeof value !== 'object') return;
  const record = value as Record<string, unknown>;
  // Every split of the remaining path: "a.b.c" may be stored as a["b.c"], a.b.c, or a["b"]["c"].
  let key = parts[i]!;
  for (let j = i; j < parts.length; j++) {
    if (j > i) key += '.' + parts[j];
    if (Object.hasOwn(record, key)) collect(record[key], parts, j + 1, out);
  }
}
