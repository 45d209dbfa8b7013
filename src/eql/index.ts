// Public API of the EQL engine (a library with no I/O): parse, compile with options, evaluate events,
// push events into an incremental sequence matcher, flush. Types are in ./api.ts, the syntax tree in ./ast.ts.
export type * from './api.js';
export type * from './ast.js';
export { walkQuery } from './ast.js';
export { EqlError } from './errors.js';
export { parseQuery } from './parser.js';
export { compileQuery, applyPipes } from './query.js';
export { parseDate, makeGetter as fieldGetter } from './fields.js';
export type { Getter, Value } from './fields.js';
export { canonicalIp } from './ip.js';
