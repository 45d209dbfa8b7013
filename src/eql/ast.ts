// The EQL syntax tree. Read by the checker/compiler here, and by other folders (the rule linter lists
// fields, a byte pre-filter collects required literals), so node shapes are part of the public API.

/** A place in the query source: 1-based line and column, 0-based offset. */
export interface Pos {
  line: number;
  column: number;
  offset: number;
}

export interface LiteralNode {
  type: 'literal';
  value: string | number | boolean | null;
  /** Number written with a fraction or exponent (`2.0`): decides integer vs float arithmetic. */
  float?: boolean;
  pos: Pos;
}

export interface FieldNode {
  type: 'field';
  /** Dotted path as written, backticks removed: `process.name`. */
  name: string;
  /** Written `?field`: a missing field is null without an unknown-field error, and null join keys join. */
  optional: boolean;
  pos: Pos;
}

export interface NotNode {
  type: 'not';
  expr: Expr;
  pos: Pos;
}

export interface LogicalNode {
  type: 'logical';
  op: 'and' | 'or';
  left: Expr;
  right: Expr;
  pos: Pos;
}

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface CompareNode {
  type: 'compare';
  op: CompareOp;
  left: Expr;
  right: Expr;
  pos: Pos;
}

/** `:`, `like`, `like~`, `regex`, `regex~` against one pattern or a parenthesised list of literal patterns. */
export type MatchOp = ':' | 'like' | 'like~' | 'regex' | 'regex~';

export interface MatchNode {
  type: 'match';
  op: MatchOp;
  expr: Expr;
  patterns: LiteralNode[];
  pos: Pos;
}

export interface InNode {
  type: 'in';
  negated: boolean;
  /** `in~`: case-insensitive. */
  insensitive: boolean;
  expr: Expr;
  list: Expr[];
  pos: Pos;
}

export type ArithOp = '+' | '-' | '*' | '/' | '%';

export interface ArithNode {
  type: 'arith';
  op: ArithOp;
  left: Expr;
  right: Expr;
  pos: Pos;
}

export interface NegNode {
  type: 'neg';
  expr: Expr;
  pos: Pos;
}

export interface CallNode {
  type: 'call';
  /** As written, without `~`. */
  name: string;
  /** Written `name~(...)`. */
  insensitive: boolean;
  args: Expr[];
  pos: Pos;
}

export type Expr = LiteralNode | FieldNode | NotNode | LogicalNode | CompareNode | MatchNode | InNode | ArithNode | NegNode | CallNode;

/** `<category> where <condition>`; category null for `any`. */
export interface EventQueryNode {
  type: 'event';
  category: string | null;
  condition: Expr;
  pos: Pos;
}

/** One `[...]` of a sequence (also the `until` stage). */
export interface StageNode {
  query: EventQueryNode;
  keys: FieldNode[];
  runs: number;
  missing: boolean;
  pos: Pos;
}

export interface SequenceNode {
  type: 'sequence';
  keys: FieldNode[];
  maxspanMs?: number;
  stages: StageNode[];
  until?: StageNode;
  pos: Pos;
}

export interface PipeNode {
  kind: 'head' | 'tail';
  n: number;
  pos: Pos;
}

export interface QueryAst {
  source: string;
  query: EventQueryNode | SequenceNode;
  pipes: PipeNode[];
}

/** Calls `visit` on every expression node of the query, depth first (conditions, then join keys). */
export function walkQuery(ast: QueryAst, visit: (node: Expr) => void): void {
  const walk = (e: Expr): void => {
    visit(e);
    switch (e.type) {
      case 'not':
      case 'neg':
        walk(e.expr);
        break;
      case 'logical':
      case 'compare':
      case 'arith':
        walk(e.left);
        walk(e.right);
        break;
      case 'match':
        walk(e.expr);
        e.patterns.forEach(walk);
        break;
      case 'in':
        walk(e.expr);
        e.list.forEach(walk);
        break;
      case 'call':
        e.args.forEach(walk);
        break;
      default:
        break;
    }
  };
  const q = ast.query;
  if (q.type === 'event') {
    walk(q.condition);
    return;
  }
  q.keys.forEach(walk);
  for (const s of q.until ? [...q.stages, q.until] : q.stages) {
    walk(s.query.condition);
    s.keys.forEach(walk);
  }
}
