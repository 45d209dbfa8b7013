// Recursive-descent parser for Elasticsearch EQL: event queries, sequences, pipes. Precedence, lowest first:
// or, and, not, predicates (comparison, in, :, like, regex), + -, * / %, unary minus, primary.
import type {
  CompareOp, EventQueryNode, Expr, FieldNode, LiteralNode, MatchOp, PipeNode, Pos, QueryAst, SequenceNode, StageNode,
} from './ast.js';
import { EqlError } from './errors.js';
import { tokenize, type Token } from './lexer.js';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'like', 'regex', 'where', 'sequence', 'sample', 'join', 'by', 'with', 'until', 'any', 'true', 'false', 'null', 'of']);
const COMPARE_OPS = new Set(['==', '!=', '<', '<=', '>', '>=']);
const UNIT_MS: Record<string, number> = { nanos: 1e-6, micros: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function describe(t: Token): string {
  switch (t.kind) {
    case 'eof': return 'end of query';
    case 'string': return `string ${JSON.stringify(t.text)}`;
    case 'number': return `number ${t.text}`;
    case 'qident': return `\`${t.text}\``;
    case 'ident': return `'${t.text}${t.tilde ? '~' : ''}'`;
    default: return `'${t.text}'`;
  }
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  private get t(): Token {
    return this.toks[this.i]!;
  }
  private peek(n = 1): Token {
    return this.toks[Math.min(this.i + n, this.toks.length - 1)]!;
  }
  private next(): Token {
    const t = this.t;
    if (t.kind !== 'eof') this.i++;
    return t;
  }
  private isOp(text: string, t = this.t): boolean {
    return t.kind === 'op' && t.text === text;
  }
  private isKw(word: string, t = this.t): boolean {
    return t.kind === 'ident' && !t.tilde && t.text === word;
  }
  private fail(expected: string[], t = this.t): never {
    throw EqlError.at(t.pos, `expected ${expected.join(' or ')} but found ${describe(t)}`, expected);
  }
  private expectOp(text: string): Token {
    if (!this.isOp(text)) this.fail([`'${text}'`]);
    return this.next();
  }
  private expectKw(word: string): Token {
    if (!this.isKw(word)) this.fail([`'${word}'`]);
    return this.next();
  }

  parseQuery(source: string): QueryAst {
    const t = this.t;
    let query: EventQueryNode | SequenceNode;
    if (this.isKw('sequence')) query = this.parseSequence();
    else if (this.isKw('sample') || this.isKw('join')) throw EqlError.at(t.pos, `'${t.text}' queries are not supported`);
    else query = this.parseEventQuery();
    const pipes: PipeNode[] = [];
    while (this.isOp('|')) {
      this.next();
      const p = this.t;
      if (p.kind !== 'ident' || (p.text !== 'head' && p.text !== 'tail')) {
        if (p.kind === 'ident') throw EqlError.at(p.pos, `unsupported pipe '${p.text}', only head and tail are supported`, ["'head'", "'tail'"]);
        this.fail(["'head'", "'tail'"]);
      }
      this.next();
      let n = 10;
      if (this.t.kind === 'number') {
        const nt = this.next();
        if (nt.float || !Number.isSafeInteger(nt.num) || (nt.num ?? 0) <= 0) throw EqlError.at(nt.pos, `${p.text} needs a positive integer, found ${nt.text}`, ['positive integer']);
        n = nt.num!;
      } else if (!this.isOp('|') && this.t.kind !== 'eof') this.fail(['positive integer']);
      pipes.push({ kind: p.text as 'head' | 'tail', n, pos: p.pos });
    }
    if (this.t.kind !== 'eof') this.fail(query.type === 'sequence' ? ["'['", "'until'", "'|'", 'end of query'] : ["'and'", "'or'", "'|'", 'end of query']);
    return { source, query, pipes };
  }

  private parseEventQuery(): EventQueryNode {
    const t = this.t;
    let category: string | null;
    if (this.isKw('any')) category = null;
    else if (t.kind === 'string' || t.kind === 'qident' || (t.kind === 'ident' && !t.tilde && !KEYWORDS.has(t.text))) category = t.text;
    else this.fail(['event category', "'any'"]);
    this.next();
    this.expectKw('where');
    const condition = this.parseExpr();
    return { type: 'event', category, condition, pos: t.pos };
  }

  private parseSequence(): SequenceNode {
    const start = this.next();
    let keys: FieldNode[] = [];
    let maxspanMs: number | undefined;
    if (this.isKw('by')) {
      this.next();
      keys = this.parseKeys();
    }
    if (this.isKw('with')) {
      this.next();
      const name = this.t;
      if (name.kind !== 'ident' || name.text !== 'maxspan') this.fail(["'maxspan'"]);
      this.next();
      this.expectOp('=');
      maxspanMs = this.parseTimeUnit();
      if (this.isKw('by')) throw EqlError.at(this.t.pos, "write 'sequence by' before 'with maxspan', not after", ["'['"]);
    }
    const stages: StageNode[] = [];
    let until: StageNode | undefined;
    while (this.isOp('[') || this.isOp('!')) stages.push(this.parseStage(true));
    if (stages.length < 2) {
      if (this.t.kind === 'eof' || this.isKw('until') || this.isOp('|')) throw EqlError.at(this.t.pos, 'a sequence needs at least two stages', ["'['"]);
      this.fail(["'['"]);
    }
    if (this.isKw('until')) {
      this.next();
      if (!this.isOp('[')) this.fail(["'['"]);
      until = this.parseStage(false);
    }
    return { type: 'sequence', keys, maxspanMs, stages, until, pos: start.pos };
  }

  private parseTimeUnit(): number {
    const n = this.t;
    if (n.kind !== 'number') this.fail(['time value such as 30s, 5m, 1h']);
    this.next();
    const u = this.t;
    if (u.kind !== 'ident' || u.tilde) throw EqlError.at(u.pos, `missing time unit after ${n.text}, expected one of ms, s, m, h, d`, ['ms', 's', 'm', 'h', 'd']);
    const factor = UNIT_MS[u.text];
    if (factor === undefined) throw EqlError.at(u.pos, `unknown time unit '${u.text}', expected one of ms, s, m, h, d`, ['ms', 's', 'm', 'h', 'd']);
    this.next();
    const ms = n.num! * factor;
    if (!(ms > 0) || !Number.isFinite(ms)) throw EqlError.at(n.pos, 'maxspan must be positive', ['positive time value']);
    return ms;
  }

  private parseStage(allowMissingAndRuns: boolean): StageNode {
    const start = this.t;
    let missing = false;
    if (this.isOp('!')) {
      if (!allowMissingAndRuns) throw EqlError.at(start.pos, 'an until stage cannot be a missing-event stage');
      missing = true;
      this.next();
    }
    this.expectOp('[');
    const query = this.parseEventQuery();
    if (!this.isOp(']')) this.fail(["']'", "'and'", "'or'"]);
    this.next();
    let keys: FieldNode[] = [];
    let runs = 1;
    if (this.isKw('by')) {
      this.next();
      keys = this.parseKeys();
    }
    if (this.isKw('with')) {
      const w = this.next();
      if (!allowMissingAndRuns) throw EqlError.at(w.pos, "'with runs' is not allowed on the until stage");
      const name = this.t;
      if (name.kind !== 'ident' || name.text !== 'runs') this.fail(["'runs'"]);
      this.next();
      this.expectOp('=');
      const n = this.t;
      if (n.kind !== 'number' || n.float || !Number.isInteger(n.num) || n.num! < 1 || n.num! > 100) {
        throw EqlError.at(n.pos, `runs must be an integer between 1 and 100, found ${describe(n)}`, ['integer 1..100']);
      }
      if (missing) throw EqlError.at(n.pos, "'with runs' is not allowed on a missing-event stage");
      this.next();
      runs = n.num!;
    }
    return { query, keys, runs, missing, pos: start.pos };
  }

  private parseKeys(): FieldNode[] {
    const keys = [this.parseKeyField()];
    while (this.isOp(',')) {
      this.next();
      keys.push(this.parseKeyField());
    }
    return keys;
  }

  private parseKeyField(): FieldNode {
    const t = this.t;
    if (!this.isOp('?') && t.kind !== 'qident' && !(t.kind === 'ident' && !t.tilde && !KEYWORDS.has(t.text))) this.fail(['field name']);
    return this.parseField();
  }

  private parseField(): FieldNode {
    const start = this.t;
    let optional = false;
    if (this.isOp('?')) {
      optional = true;
      this.next();
    }
    const parts: string[] = [];
    while (true) {
      const t = this.t;
      if (t.kind === 'qident') parts.push(t.text);
      else if (t.kind === 'ident' && !t.tilde && (parts.length > 0 || !KEYWORDS.has(t.text))) parts.push(t.text);
      else if (t.kind === 'number' && parts.length > 0 && !t.float) parts.push(t.text);
      else if (t.kind === 'ident' && t.tilde) throw EqlError.at(t.pos, `unexpected '~' after field name '${t.text}'`);
      else this.fail(['field name']);
      this.next();
      if (this.isOp('.') && !this.t.spaceBefore && !this.peek().spaceBefore) {
        this.next();
        continue;
      }
      break;
    }
    return { type: 'field', name: parts.join('.'), optional, pos: start.pos };
  }

  parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.isKw('or')) {
      const op = this.next();
      left = { type: 'logical', op: 'or', left, right: this.parseAnd(), pos: op.pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseNot();
    while (this.isKw('and')) {
      const op = this.next();
      left = { type: 'logical', op: 'and', left, right: this.parseNot(), pos: op.pos };
    }
    return left;
  }

  private parseNot(): Expr {
    if (this.isKw('not')) {
      const t = this.next();
      return { type: 'not', expr: this.parseNot(), pos: t.pos };
    }
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    const left = this.parseAdditive();
    const t = this.t;
    if (t.kind === 'op' && COMPARE_OPS.has(t.text)) {
      this.next();
      const right = this.parseAdditive();
      const node: Expr = { type: 'compare', op: t.text as CompareOp, left, right, pos: t.pos };
      const after = this.t;
      if (after.kind === 'op' && COMPARE_OPS.has(after.text)) throw EqlError.at(after.pos, 'comparisons cannot be chained, use parentheses and "and"', ["'and'", "'or'"]);
      return node;
    }
    if (this.isOp('=')) throw EqlError.at(t.pos, "'=' is not an operator, use '==' (case-sensitive) or ':' (case-insensitive)", ["'=='", "':'"]);
    if (this.isKw('not') && this.peek().kind === 'ident' && this.peek().text === 'in') {
      this.next();
      const inTok = this.next();
      return { type: 'in', negated: true, insensitive: !!inTok.tilde, expr: left, list: this.parseList(), pos: t.pos };
    }
    if (t.kind === 'ident' && t.text === 'in') {
      this.next();
      return { type: 'in', negated: false, insensitive: !!t.tilde, expr: left, list: this.parseList(), pos: t.pos };
    }
    let op: MatchOp | undefined;
    if (this.isOp(':')) op = ':';
    else if (t.kind === 'ident' && (t.text === 'like' || t.text === 'regex')) op = (t.text + (t.tilde ? '~' : '')) as MatchOp;
    if (op) {
      this.next();
      const patterns: LiteralNode[] = [];
      if (this.isOp('(')) {
        this.next();
        patterns.push(this.parsePattern(op));
        while (this.isOp(',')) {
          this.next();
          patterns.push(this.parsePattern(op));
        }
        this.expectOp(')');
      } else patterns.push(this.parsePattern(op));
      return { type: 'match', op, expr: left, patterns, pos: t.pos };
    }
    return left;
  }

  private parsePattern(op: MatchOp): LiteralNode {
    const t = this.t;
    if (t.kind === 'string') {
      this.next();
      return { type: 'literal', value: t.text, pos: t.pos };
    }
    if (op === ':' && (t.kind === 'number' || this.isKw('true') || this.isKw('false') || this.isKw('null'))) {
      const lit = this.parsePrimary() as LiteralNode;
      return lit;
    }
    if (op === ':' && this.isOp('-') && this.peek().kind === 'number') {
      this.next();
      const n = this.next();
      return { type: 'literal', value: -n.num!, float: n.float, pos: t.pos };
    }
    throw EqlError.at(t.pos, `'${op}' needs a string literal pattern, found ${describe(t)}`, ['string']);
  }

  private parseList(): Expr[] {
    this.expectOp('(');
    const list = [this.parseAdditive()];
    while (this.isOp(',')) {
      this.next();
      list.push(this.parseAdditive());
    }
    if (!this.isOp(')')) this.fail(["','", "')'"]);
    this.next();
    return list;
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    while (this.isOp('+') || this.isOp('-')) {
      const op = this.next();
      left = { type: 'arith', op: op.text as '+' | '-', left, right: this.parseMultiplicative(), pos: op.pos };
    }
    return left;
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/') || this.isOp('%')) {
      const op = this.next();
      left = { type: 'arith', op: op.text as '*' | '/' | '%', left, right: this.parseUnary(), pos: op.pos };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isOp('-')) {
      const t = this.next();
      const inner = this.parseUnary();
      if (inner.type === 'literal' && typeof inner.value === 'number') return { ...inner, value: -inner.value, pos: t.pos };
      return { type: 'neg', expr: inner, pos: t.pos };
    }
    if (this.isOp('+')) {
      this.next();
      return this.parseUnary();
    }
    return this.parsePrimary();
  }

  private parsePrimary(): Expr {
    const t = this.t;
    switch (t.kind) {
      case 'string':
        this.next();
        return { type: 'literal', value: t.text, pos: t.pos };
      case 'number':
        this.next();
        return { type: 'literal', value: t.num!, float: t.float, pos: t.pos };
      case 'qident':
        return this.parseField();
      case 'ident': {
        if (!t.tilde && (t.text === 'true' || t.text === 'false')) {
          this.next();
          return { type: 'literal', value: t.text === 'true', pos: t.pos };
        }
        if (!t.tilde && t.text === 'null') {
          this.next();
          return { type: 'literal', value: null, pos: t.pos };
        }
        if (this.isOp('(', this.peek())) {
          if (KEYWORDS.has(t.text)) this.fail(['expression']);
          this.next();
          this.next();
          const args: Expr[] = [];
          if (!this.isOp(')')) {
            args.push(this.parseExpr());
            while (this.isOp(',')) {
              this.next();
              args.push(this.parseExpr());
            }
          }
          if (!this.isOp(')')) this.fail(["','", "')'"]);
          this.next();
          return { type: 'call', name: t.text, insensitive: !!t.tilde, args, pos: t.pos };
        }
        if (KEYWORDS.has(t.text)) this.fail(['expression']);
        return this.parseField();
      }
      case 'op':
        if (t.text === '(') {
          this.next();
          const e = this.parseExpr();
          if (!this.isOp(')')) this.fail(["')'", "'and'", "'or'"]);
          this.next();
          return e;
        }
        if (t.text === '?') return this.parseField();
        return this.fail(['expression']);
      default:
        return this.fail(['expression']);
    }
  }
}

/** Parses an EQL query. Throws only EqlError (positioned). */
export function parseQuery(source: string): QueryAst {
  if (typeof source !== 'string') throw new EqlError('query must be a string');
  try {
    return new Parser(tokenize(source)).parseQuery(source);
  } catch (err) {
    if (err instanceof EqlError) throw err;
    // A stack overflow on absurd nesting (or any slip of ours) still reaches the caller as an EqlError.
    if (err instanceof RangeError) throw new EqlError('query is nested too deeply');
    throw new EqlError(`internal error while parsing the query: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** Re-export for callers that position their own messages. */
export type { Pos };
