// Precompiled field access on ECS documents: nested objects (`{event: {category: ...}}`), with a fallback to a
// literal dotted key (`{"event.category": ...}`) as some exports write them.

export type FieldGetter = (doc: Record<string, unknown>) => unknown;

export function fieldGetter(path: string): FieldGetter {
  const parts = path.split('.');
  if (parts.length === 1) return (doc) => doc[path];
  return (doc) => {
    let v: unknown = doc;
    for (let i = 0; i < parts.length; i++) {
      if (v === null || typeof v !== 'object') {
        v = undefined;
        break;
      }
      v = (v as Record<string, unknown>)[parts[i]!];
    }
    return v !== undefined ? v : doc[path];
  };
}
