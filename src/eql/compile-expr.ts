// Checker + compiler for conditions: each node becomes a closure over precompiled field getters, with types
// checked once (so evaluation never walks the tree). Values follow Elasticsearch: three-valued logic,
// multi-valued fields match when any value does, field types (ip, numbers, date) decide comparisons.
import type { FieldType } from './api.js';
import type { ArithOp, CallNode, CompareNode, Expr, FieldNode, InNode, LiteralNode, MatchNode, Pos } from './ast.js';
import { EqlError } from './errors.js';
import { isIntegralType, isNumericType, makeGetter, parseDate, type Getter, type Value } from './fields.js';
import { argKindAt, divideValues, FUNCTIONS, kindFits, moduloValues, type CallContext, type Kind } from './functions.js';
import { canonicalIp, compareIp, parseCidr, type Cidr } from './ip.js';
import { compileRegex, RegexSyntaxError } from './regex.js';
import { asString, compareScalars, foldString, lift, numericString, truth, type Scalar } from './values.js';
import { compileWildcard, type StringMatcher } from './wildcard.js';

export type Evaluator = (doc: unknown) => Value;

export interface CompiledExpr {
  fn: Evaluator;
  kind: Kind;
  /** Numbers: true = float, false = integer, null = unknown until run time. */
  float: boolean | null;
  /** Set when the expression is a constant (folded at compile time). */
  constant?: { value: Value };
  /** For a plain field reference: its name and mapped type. */
  field?: { name: string; type: FieldType | undefined };
}

export interface ExprOptions {
  fieldType?: (field: string) => FieldType | undefined;
  isKnownField?: (field: string) => boolean;
}

/** Compiles fields once per query: the same name shares one getter. */
export class ExprCompiler {
  private getters = new Map<string, Getter>();
  readonly fields = new Set<string>();

  constructor(private readonly options: ExprOptions) {}

  fieldTypeOf(name: string): FieldType | undefined {
    try {
      return this.options.fieldType?.(name);
    } catch {
      return undefined;
    }
  }

  getter(name: string): Getter {
    let g = this.getters.get(name);
    if (!g) {
      g = makeGetter(name, this.fieldTypeOf(name));
      this.getters.set(name, g);
    }
    return g;
  }

  checkField(node: FieldNode): void {
    this.fields.add(node.name);
    if (!node.optional && this.options.isKnownField) {
      let known = true;
      try {
        known = this.options.isKnownField(node.name);
      } catch {
        known = true;
      }
      if (!known) throw EqlError.at(node.pos, `unknown field '${node.name}'`, ['known field']);
    }
  }

  /** A boolean condition (the `where` part). */
  condition(e: Expr): (doc: unknown) => boolean {
    const c = this.expr(e);
    if (c.kind !== 'boolean' && c.kind !== 'any' && c.kind !== 'null') {
      throw EqlError.at(e.pos, `condition must be boolean, found ${c.kind} expression`, ['boolean expression']);
    }
    if (c.constant) {
      const t = truth(c.constant.value) === true;
      return () => t;
    }
    const fn = c.fn;
    return (doc) => {
      const v = fn(doc);
      return v === true || (Array.isArray(v) && truth(v) === true);
    };
  }

  expr(e: Expr): CompiledExpr {
    const c = this.compileNode(e);
    // Fold constants: any node whose inputs are all constant is evaluated once here.
    if (!c.constant && e.type !== 'field' && isConstantTree(e)) {
      const value = c.fn(undefined);
      return { ...c, fn: () => value, constant: { value } };
    }
    return c;
  }

  private compileNode(e: Expr): CompiledExpr {
    switch (e.type) {
      case 'literal':
        return literal(e);
      case 'field': {
        this.checkField(e);
        const type = this.fieldTypeOf(e.name);
        const fn = this.getter(e.name);
        return { fn, kind: kindOfType(type), float: isNumericType(type) ? !isIntegralType(type) : null, field: { name: e.name, type } };
      }
      case 'not': {
        const inner = this.expr(e.expr);
        requireBoolean(inner, e.expr.pos, 'not');
        const f = inner.fn;
        return bool((d) => {
          const t = truth(f(d));
          return t === null ? null : !t;
        });
      }
      case 'logical': {
        const l = this.expr(e.left);
        const r = this.expr(e.right);
        requireBoolean(l, e.left.pos, e.op);
        requireBoolean(r, e.right.pos, e.op);
        const lf = l.fn;
        const rf = r.fn;
        if (e.op === 'and') {
          return bool((d) => {
            const a = truth(lf(d));
            if (a === false) return false;
            const b = truth(rf(d));
            if (b === false) return false;
            return a === true && b === true ? true : null;
          });
        }
        return bool((d) => {
          const a = truth(lf(d));
          if (a === true) return true;
          const b = truth(rf(d));
          if (b === true) return true;
          return a === false && b === false ? false : null;
        });
      }
      case 'compare':
        return this.compare(e);
      case 'match':
        return this.match(e);
      case 'in':
        return this.inList(e);
      case 'arith':
        return this.arith(e.op, this.expr(e.left), this.expr(e.right), e.left.pos, e.right.pos);
      case 'neg': {
        const inner = this.expr(e.expr);
        requireNumber(inner, e.expr.pos, '-');
        const f = inner.fn;
        return {
          kind: 'number',
          float: inner.float,
          fn: (d) => lift([f(d)], ([v]) => {
            const n = toNumber(v!);
            return n === null ? null : -n;
          }),
        };
      }
      case 'call':
        return this.call(e);
    }
  }

  private compare(e: CompareNode): CompiledExpr {
    const l = this.expr(e.left);
    const r = this.expr(e.right);
    // Elasticsearch compares fields with constants only (not a field with a field, even through functions).
    if (hasField(e.left) && hasField(e.right)) throw EqlError.at(e.right.pos, 'comparing a field with another field is not supported, compare each with a constant', ['constant']);
    const op = e.op;
    // `x == null` / `x != null` test for a value (missing fields are null).
    const lNull = l.constant?.value === null;
    const rNull = r.constant?.value === null;
    if (lNull || rNull) {
      if (op !== '==' && op !== '!=') return bool(() => null);
      const other = lNull ? r.fn : l.fn;
      return op === '==' ? bool((d) => other(d) === null) : bool((d) => other(d) !== null);
    }
    // Pick the comparison domain from the static kinds.
    const kinds = [l.kind, r.kind];
    let conv: (v: Scalar, pos: Pos, isConst: boolean) => Scalar | null = (v) => v;
    let order: (a: Scalar, b: Scalar) => number = compareScalars;
    if (kinds.includes('ip')) {
      conv = (v, pos, isConst) => {
        const c = canonicalIp(asString(v).trim());
        if (c === null && isConst) throw EqlError.at(pos, `invalid IP address ${JSON.stringify(v)}`, ['IP address']);
        return c;
      };
      order = (a, b) => (a === b ? 0 : compareIp(a as string, b as string));
    } else if (kinds.includes('date')) {
      conv = (v, pos, isConst) => {
        if (typeof v === 'number') return v;
        const n = parseDate(asString(v));
        if (Number.isNaN(n)) {
          if (isConst) throw EqlError.at(pos, `invalid date ${JSON.stringify(v)}`, ['ISO 8601 date', 'epoch milliseconds']);
          return null;
        }
        return n;
      };
    } else if (kinds.includes('number')) {
      conv = (v, pos, isConst) => {
        if (typeof v === 'number') return v;
        if (typeof v === 'string') {
          const n = numericString(v);
          if (!Number.isNaN(n)) return n;
        }
        if (isConst) throw EqlError.at(pos, `cannot compare a number with ${JSON.stringify(v)}`, ['number']);
        return null;
      };
    }
    const generic = !kinds.includes('ip') && !kinds.includes('date') && !kinds.includes('number');
    const side = (c: CompiledExpr, pos: Pos): Evaluator => {
      if (c.constant) {
        const v = c.constant.value;
        if (Array.isArray(v)) return () => v;
        const cv = v === null ? null : conv(v, pos, true);
        return () => cv;
      }
      // Values already in the domain's representation (typed fields, numbers) pass as they are.
      if (generic || c.kind === 'ip' || c.kind === 'date' || c.kind === 'number') return c.fn;
      const f = c.fn;
      return (d) => lift([f(d)], ([v]) => (v === null ? null : conv(v!, pos, false)));
    };
    const lf = side(l, e.left.pos);
    const rf = side(r, e.right.pos);
    // Canonical ip text is equal exactly when the addresses are: no parsing per comparison.
    const isIp = kinds.includes('ip');
    const test = isIp && op === '==' ? (a: Scalar, b: Scalar) => a === b : testFor(op, order);
    if (op === '!=') {
      const eq = isIp ? (a: Scalar, b: Scalar) => a === b : testFor('==', order);
      return bool((d) => {
        const a = lf(d);
        if (a === null) return null;
        const b = rf(d);
        if (b === null) return null;
        return !anyPair(a, b, eq);
      });
    }
    return bool((d) => {
      const a = lf(d);
      if (a === null) return null;
      const b = rf(d);
      if (b === null) return null;
      return anyPair(a, b, test);
    });
  }

  private match(e: MatchNode): CompiledExpr {
    const target = this.expr(e.expr);
    const matchers: StringMatcher[] = [];
    for (const p of e.patterns) {
      if (typeof p.value !== 'string') {
        if (p.value === null) continue;
        const s = String(p.value);
        matchers.push((v) => v === s);
        continue;
      }
      if (e.op === 'regex' || e.op === 'regex~') {
        try {
          matchers.push(compileRegex(p.value, e.op === 'regex~'));
        } catch (err) {
          if (err instanceof RegexSyntaxError) throw EqlError.at(p.pos, `invalid regex: ${err.message} (at pattern index ${err.index})`, ['Lucene regular expression']);
          throw err;
        }
      } else matchers.push(compileWildcard(p.value, e.op !== 'like'));
    }
    const f = target.fn;
    const one = (v: Value): boolean => {
      const s = asString(v as Scalar);
      for (const m of matchers) if (m(s)) return true;
      return false;
    };
    return bool((d) => {
      const v = f(d);
      if (v === null) return null;
      if (Array.isArray(v)) {
        for (const x of v) if (x !== null && one(x)) return true;
        return false;
      }
      return one(v);
    });
  }

  private inList(e: InNode): CompiledExpr {
    const target = this.expr(e.expr);
    const items = e.list.map((x) => ({ c: this.expr(x), pos: x.pos }));
    const fieldItem = hasField(e.expr) ? e.list.find(hasField) : undefined;
    if (fieldItem) throw EqlError.at(fieldItem.pos, 'comparing a field with another field is not supported, compare each with a constant', ['constant']);
    const kind = target.kind;
    const norm = (v: Scalar, pos: Pos, isConst: boolean): Scalar | null => {
      if (kind === 'ip') {
        const c = canonicalIp(asString(v).trim());
        if (c === null && isConst) throw EqlError.at(pos, `invalid IP address ${JSON.stringify(v)}`, ['IP address']);
        return c;
      }
      if (kind === 'date') {
        const n = typeof v === 'number' ? v : parseDate(asString(v));
        if (Number.isNaN(n)) {
          if (isConst) throw EqlError.at(pos, `invalid date ${JSON.stringify(v)}`, ['ISO 8601 date']);
          return null;
        }
        return n;
      }
      if (kind === 'number' && typeof v === 'string') {
        const n = numericString(v);
        if (Number.isNaN(n)) {
          if (isConst) throw EqlError.at(pos, `cannot compare a number with ${JSON.stringify(v)}`, ['number']);
          return null;
        }
        return n;
      }
      if (e.insensitive && typeof v === 'string') return foldString(v);
      return v;
    };
    const set = new Set<Scalar>();
    const dynamic: Evaluator[] = [];
    for (const { c, pos } of items) {
      if (c.constant) {
        const v = c.constant.value;
        for (const x of Array.isArray(v) ? v : [v]) {
          if (x === null) continue;
          const n = norm(x as Scalar, pos, true);
          if (n !== null) set.add(n);
        }
      } else dynamic.push(c.fn);
    }
    let hasNumbers = false;
    let hasStrings = false;
    for (const x of set) {
      if (typeof x === 'number') hasNumbers = true;
      if (typeof x === 'string') hasStrings = true;
    }
    const ci = e.insensitive;
    const member = (raw: Scalar): boolean => {
      let v: Scalar = raw;
      if (ci && typeof v === 'string') v = foldString(v);
      if (set.has(v)) return true;
      if (typeof v === 'string' && hasNumbers && kind === 'any') {
        const n = numericString(v);
        if (!Number.isNaN(n) && set.has(n)) return true;
      } else if (typeof v === 'number' && hasStrings && kind === 'any') {
        if (set.has(String(v))) return true;
      }
      return false;
    };
    const f = target.fn;
    const negated = e.negated;
    const eq = kind === 'ip' ? (a: Scalar, b: Scalar) => a === b : testFor('==', compareScalars);
    return bool((d) => {
      const v = f(d);
      if (v === null) return null;
      let found = false;
      if (Array.isArray(v)) {
        for (const x of v) if (x !== null && member(x as Scalar)) {
          found = true;
          break;
        }
      } else found = member(v);
      if (!found && dynamic.length > 0) {
        for (const g of dynamic) {
          const w = g(d);
          if (w === null) continue;
          const lhs = ci ? lift([v], ([x]) => (typeof x === 'string' ? foldString(x) : x!)) : v;
          const rhs = ci ? lift([w], ([x]) => (typeof x === 'string' ? foldString(x) : x!)) : w;
          if (lhs !== null && rhs !== null && anyPair(lhs, rhs, eq)) {
            found = true;
            break;
          }
        }
      }
      return negated ? !found : found;
    });
  }

  private arith(op: ArithOp, l: CompiledExpr, r: CompiledExpr, lpos: Pos, rpos: Pos): CompiledExpr {
    requireNumber(l, lpos, op);
    requireNumber(r, rpos, op);
    const lf = l.fn;
    const rf = r.fn;
    const float = l.float === true || r.float === true ? true : l.float === false && r.float === false ? false : null;
    const ctx: CallContext = { insensitive: false, integral: float === null ? null : !float };
    const apply = (a: number, b: number): number | null => {
      switch (op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return divideValues(a, b, ctx);
        case '%': return moduloValues(a, b, ctx);
      }
    };
    return {
      kind: 'number',
      float,
      fn: (d) => {
        const a = lf(d);
        if (a === null) return null;
        const b = rf(d);
        if (b === null) return null;
        return lift([a, b], ([x, y]) => {
          const p = toNumber(x!);
          const q = toNumber(y!);
          if (p === null || q === null) return null;
          const res = apply(p, q);
          return res === null || !Number.isFinite(res) ? null : res;
        });
      },
    };
  }

  private call(e: CallNode): CompiledExpr {
    const spec = FUNCTIONS.get(e.name);
    if (!spec) {
      const lower = [...FUNCTIONS.keys()].find((k) => k.toLowerCase() === e.name.toLowerCase());
      throw EqlError.at(e.pos, `unknown function '${e.name}'${lower ? `, did you mean '${lower}'?` : ''}`, [...FUNCTIONS.keys()]);
    }
    if (e.insensitive && !spec.hasInsensitive) throw EqlError.at(e.pos, `function '${e.name}' has no case-insensitive (~) form`);
    const n = e.args.length;
    if (n < spec.minArgs || n > spec.maxArgs) {
      const want = spec.maxArgs === Infinity ? `at least ${spec.minArgs}` : spec.minArgs === spec.maxArgs ? `${spec.minArgs}` : `${spec.minArgs} to ${spec.maxArgs}`;
      throw EqlError.at(e.pos, `function '${e.name}' takes ${want} argument${want === '1' ? '' : 's'}, found ${n}`);
    }
    const args = e.args.map((a) => this.expr(a));
    args.forEach((a, i) => {
      const want = argKindAt(spec, i);
      if (!kindFits(a.kind, want)) {
        throw EqlError.at(e.args[i]!.pos, `${ordinal(i + 1)} argument of ${e.name}() must be ${want === 'integer' ? 'an integer' : want === 'ip' ? 'an IP address' : `a ${want}`}, found ${describeArg(a, e.args[i]!)}`, [want]);
      }
      if (want === 'integer' && a.constant && typeof a.constant.value === 'number' && !Number.isInteger(a.constant.value)) {
        throw EqlError.at(e.args[i]!.pos, `${ordinal(i + 1)} argument of ${e.name}() must be an integer, found ${a.constant.value}`, ['integer']);
      }
      const literalOnly = spec.literalArgs?.some((p) => p === i || (spec.maxArgs === Infinity && i > p));
      if (literalOnly && !a.constant) throw EqlError.at(e.args[i]!.pos, `${ordinal(i + 1)} argument of ${e.name}() must be a literal, not a field or expression`, ['literal']);
    });
    const ctx: CallContext = { insensitive: e.insensitive, integral: null };
    if (spec.name === 'cidrMatch') {
      const cidrs: Cidr[] = [];
      let hasNull = false;
      for (let i = 1; i < n; i++) {
        const v = args[i]!.constant!.value;
        if (v === null) {
          hasNull = true;
          continue;
        }
        const c = typeof v === 'string' ? parseCidr(v.trim()) : null;
        if (!c) throw EqlError.at(e.args[i]!.pos, `invalid CIDR block ${JSON.stringify(v)}`, ['CIDR block such as 10.0.0.0/8']);
        cidrs.push(c);
      }
      ctx.cidrs = hasNull ? undefined : cidrs;
    }
    if (spec.name === 'divide' || spec.name === 'modulo') {
      const fl = args.map((a) => a.float);
      ctx.integral = fl.some((x) => x === true) ? false : fl.every((x) => x === false) ? true : null;
    }
    const fns = args.map((a) => a.fn);
    const impl = spec.impl;
    const vals: Value[] = new Array(n);
    const float = spec.result === 'number' ? (ctx.integral === null ? null : !ctx.integral) : null;
    return {
      kind: spec.result,
      float: spec.name === 'add' || spec.name === 'subtract' || spec.name === 'multiply' ? mergeFloat(args) : float,
      fn: (d) => {
        for (let i = 0; i < n; i++) vals[i] = fns[i]!(d);
        return lift(vals, (a) => impl(a, ctx));
      },
    };
  }
}

function mergeFloat(args: CompiledExpr[]): boolean | null {
  if (args.some((a) => a.float === true)) return true;
  if (args.every((a) => a.float === false)) return false;
  return null;
}

function ordinal(n: number): string {
  return n === 1 ? '1st' : n === 2 ? '2nd' : n === 3 ? '3rd' : `${n}th`;
}

function describeArg(c: CompiledExpr, node: Expr): string {
  if (node.type === 'literal') return `${c.kind} ${JSON.stringify(node.value)}`;
  if (node.type === 'field') return `field '${node.name}' of type ${c.field?.type ?? 'keyword'}`;
  return `${c.kind} expression`;
}

function literal(e: LiteralNode): CompiledExpr {
  const value = e.value;
  const kind: Kind = value === null ? 'null' : typeof value === 'string' ? 'string' : typeof value === 'number' ? 'number' : 'boolean';
  return { fn: () => value, kind, float: typeof value === 'number' ? !!e.float || !Number.isInteger(value) : null, constant: { value } };
}

function bool(fn: Evaluator): CompiledExpr {
  return { fn, kind: 'boolean', float: null };
}

function kindOfType(t: FieldType | undefined): Kind {
  if (t === undefined) return 'any';
  if (isNumericType(t)) return 'number';
  switch (t) {
    case 'ip': return 'ip';
    case 'date': return 'date';
    case 'boolean': return 'boolean';
    case 'object': return 'any';
    default: return 'string';
  }
}

function requireBoolean(c: CompiledExpr, pos: Pos, op: string): void {
  if (c.kind !== 'boolean' && c.kind !== 'any' && c.kind !== 'null') {
    throw EqlError.at(pos, `operand of '${op}' must be boolean, found ${c.kind}`, ['boolean expression']);
  }
}

function requireNumber(c: CompiledExpr, pos: Pos, op: string): void {
  if (c.kind !== 'number' && c.kind !== 'any' && c.kind !== 'null') {
    throw EqlError.at(pos, `operand of '${op}' must be a number, found ${c.kind}`, ['number']);
  }
}

function toNumber(v: Scalar): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = numericString(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

function testFor(op: CompareNode['op'], order: (a: Scalar, b: Scalar) => number): (a: Scalar, b: Scalar) => boolean {
  switch (op) {
    case '==':
    case '!=':
      return (a, b) => a === b || order(a, b) === 0;
    case '<': return (a, b) => order(a, b) < 0;
    case '<=': return (a, b) => order(a, b) <= 0;
    case '>': return (a, b) => order(a, b) > 0;
    case '>=': return (a, b) => order(a, b) >= 0;
  }
}

function anyPair(a: Value, b: Value, test: (a: Scalar, b: Scalar) => boolean): boolean {
  if (!Array.isArray(a)) {
    if (!Array.isArray(b)) return test(a as Scalar, b as Scalar);
    for (const y of b) if (y !== null && anyPair(a, y, test)) return true;
    return false;
  }
  for (const x of a) if (x !== null && anyPair(x, b, test)) return true;
  return false;
}

function hasField(e: Expr): boolean {
  switch (e.type) {
    case 'literal': return false;
    case 'field': return true;
    case 'not':
    case 'neg': return hasField(e.expr);
    case 'logical':
    case 'compare':
    case 'arith': return hasField(e.left) || hasField(e.right);
    case 'match': return hasField(e.expr);
    case 'in': return hasField(e.expr) || e.list.some(hasField);
    case 'call': return e.args.some(hasField);
  }
}

function isConstantTree(e: Expr): boolean {
  switch (e.type) {
    case 'literal': return true;
    case 'field': return false;
    case 'not':
    case 'neg': return isConstantTree(e.expr);
    case 'logical':
    case 'compare':
    case 'arith': return isConstantTree(e.left) && isConstantTree(e.right);
    case 'match': return isConstantTree(e.expr);
    case 'in': return isConstantTree(e.expr) && e.list.every(isConstantTree);
    case 'call': return e.args.every(isConstantTree);
  }
}

