/**
 * A documented subset of jq path expressions, as `ignoreDifferences.jqPathExpressions` use
 * them (Argo CD deletes `del(<expr>)`): `.a.b`, `."key.with.dots"`, `.a["k"]`, `.a[0]`,
 * `.a[]`, optional `?`, and pipes into `select(<cond>)` and further paths. Conditions compare
 * paths and literals with `==` / `!=`, combine with `and` / `or` / `not`, and may call
 * `startswith`, `endswith`, `contains` or `test` on strings. Anything else is rejected with a
 * clear error. Evaluating an expression yields the concrete paths it designates.
 */
import { deepEqual, isRecord } from '../objects';
import type { Path } from './paths';

type Token =
  | { t: 'dot' }
  | { t: 'ident'; v: string }
  | { t: 'str'; v: string }
  | { t: 'num'; v: number }
  | { t: 'punct'; v: '[' | ']' | '(' | ')' | '|' | '?' | '==' | '!=' };

const SUPPORTED =
  'supported: .a.b, ."key", .a["key"], .a[0], .a[], and "| select(<path> ==|!= <literal>)" with and/or/not, startswith/endswith/contains/test';

function fail(expr: string, detail: string): never {
  throw new Error(
    `unsupported jq path expression "${expr}": ${detail}; ${SUPPORTED}`,
  );
}

function tokenize(expr: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const ch = expr[i];
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '.') {
      if (expr[i + 1] === '.')
        fail(expr, 'recursive descent ".." is not supported');
      tokens.push({ t: 'dot' });
      i++;
    } else if (ch === '"') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== '"') j += expr[j] === '\\' ? 2 : 1;
      if (j >= expr.length) fail(expr, 'unterminated string');
      tokens.push({ t: 'str', v: JSON.parse(expr.slice(i, j + 1)) as string });
      i = j + 1;
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?\d+(\.\d+)?/.exec(expr.slice(i));
      if (!m) fail(expr, `unexpected "${ch}"`);
      tokens.push({ t: 'num', v: Number(m[0]) });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(ch)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(expr.slice(i))!;
      tokens.push({ t: 'ident', v: m[0] });
      i += m[0].length;
    } else if (expr.startsWith('==', i) || expr.startsWith('!=', i)) {
      tokens.push({ t: 'punct', v: expr.slice(i, i + 2) as '==' | '!=' });
      i += 2;
    } else if ('[]()|?'.includes(ch)) {
      tokens.push({ t: 'punct', v: ch as '[' });
      i++;
    } else {
      fail(expr, `unexpected "${ch}"`);
    }
  }
  return tokens;
}

type Step =
  | { kind: 'key'; key: string }
  | { kind: 'index'; index: number }
  | { kind: 'iterate' }
  | { kind: 'select'; cond: Cond };

type Operand =
  | { kind: 'path'; steps: Step[] }
  | { kind: 'literal'; value: unknown };

type Cond =
  | { kind: 'cmp'; op: '==' | '!='; left: Operand; right: Operand }
  | {
      kind: 'fn';
      fn: 'startswith' | 'endswith' | 'contains' | 'test';
      arg: string;
      on: Operand;
    }
  | { kind: 'truthy'; on: Operand }
  | { kind: 'and' | 'or'; left: Cond; right: Cond }
  | { kind: 'not'; on: Cond };

class Parser {
  private pos = 0;
  constructor(
    private readonly expr: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token | undefined {
    return this.tokens[this.pos];
  }
  private isPunct(v: string): boolean {
    const tok = this.peek();
    return tok?.t === 'punct' && tok.v === v;
  }
  private isIdent(v: string): boolean {
    const tok = this.peek();
    return tok?.t === 'ident' && tok.v === v;
  }
  private expectPunct(v: string): void {
    if (!this.isPunct(v)) fail(this.expr, `expected "${v}"`);
    this.pos++;
  }

  parsePipeline(): Step[] {
    const steps = this.parseTerm();
    while (this.isPunct('|')) {
      this.pos++;
      steps.push(...this.parseTerm());
    }
    if (this.pos !== this.tokens.length)
      fail(this.expr, 'unexpected trailing input');
    return steps;
  }

  private parseTerm(): Step[] {
    if (this.isIdent('select')) {
      this.pos++;
      this.expectPunct('(');
      const cond = this.parseOr();
      this.expectPunct(')');
      return [{ kind: 'select', cond }];
    }
    if (this.peek()?.t !== 'dot') {
      fail(this.expr, 'each part must start with "." or be select(...)');
    }
    return this.parsePath();
  }

  /** A path: `.` then keys / brackets, each optionally followed by `?`. */
  private parsePath(): Step[] {
    const steps: Step[] = [];
    let first = true;
    for (;;) {
      const tok = this.peek();
      if (tok?.t === 'dot') {
        this.pos++;
        const next = this.peek();
        if (next?.t === 'ident') {
          steps.push({ kind: 'key', key: next.v });
          this.pos++;
        } else if (next?.t === 'str') {
          steps.push({ kind: 'key', key: next.v });
          this.pos++;
        } else if (!(next?.t === 'punct' && next.v === '[') && !first) {
          fail(this.expr, 'expected a key after "."');
        }
      } else if (tok?.t === 'punct' && tok.v === '[') {
        this.pos++;
        const inner = this.peek();
        if (inner?.t === 'punct' && inner.v === ']') {
          steps.push({ kind: 'iterate' });
        } else if (inner?.t === 'num' && Number.isInteger(inner.v)) {
          steps.push({ kind: 'index', index: inner.v });
          this.pos++;
        } else if (inner?.t === 'str') {
          steps.push({ kind: 'key', key: inner.v });
          this.pos++;
        } else {
          fail(this.expr, 'brackets must hold nothing, an integer or a string');
        }
        this.expectPunct(']');
      } else {
        break;
      }
      first = false;
      while (this.isPunct('?')) this.pos++;
    }
    return steps;
  }

  private parseOr(): Cond {
    let left = this.parseAnd();
    while (this.isIdent('or')) {
      this.pos++;
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Cond {
    let left = this.parseUnary();
    while (this.isIdent('and')) {
      this.pos++;
      left = { kind: 'and', left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Cond {
    if (this.isPunct('(')) {
      this.pos++;
      const inner = this.parseOr();
      this.expectPunct(')');
      return this.maybeNot(inner);
    }
    const left = this.parseOperand();
    if (this.isPunct('==') || this.isPunct('!=')) {
      const op = (this.tokens[this.pos++] as { v: '==' | '!=' }).v;
      return this.maybeNot({
        kind: 'cmp',
        op,
        left,
        right: this.parseOperand(),
      });
    }
    if (this.isPunct('|')) {
      this.pos++;
      const fn = this.peek();
      if (
        fn?.t === 'ident' &&
        ['startswith', 'endswith', 'contains', 'test'].includes(fn.v)
      ) {
        this.pos++;
        this.expectPunct('(');
        const arg = this.peek();
        if (arg?.t !== 'str')
          fail(this.expr, `${fn.v}() needs a string argument`);
        this.pos++;
        this.expectPunct(')');
        return this.maybeNot({
          kind: 'fn',
          fn: fn.v as 'test',
          arg: (arg as { v: string }).v,
          on: left,
        });
      }
      if (fn?.t === 'ident' && fn.v === 'not') {
        this.pos++;
        return { kind: 'not', on: { kind: 'truthy', on: left } };
      }
      fail(
        this.expr,
        'inside select(), only startswith/endswith/contains/test/not may follow "|"',
      );
    }
    return this.maybeNot({ kind: 'truthy', on: left });
  }

  private maybeNot(cond: Cond): Cond {
    if (
      this.isPunct('|') &&
      this.tokens[this.pos + 1]?.t === 'ident' &&
      (this.tokens[this.pos + 1] as { v: string }).v === 'not'
    ) {
      this.pos += 2;
      return { kind: 'not', on: cond };
    }
    return cond;
  }

  private parseOperand(): Operand {
    const tok = this.peek();
    if (tok?.t === 'dot') {
      return { kind: 'path', steps: this.parsePath() };
    }
    if (tok?.t === 'str' || tok?.t === 'num') {
      this.pos++;
      return { kind: 'literal', value: tok.v };
    }
    if (tok?.t === 'ident' && ['true', 'false', 'null'].includes(tok.v)) {
      this.pos++;
      return {
        kind: 'literal',
        value: tok.v === 'null' ? null : tok.v === 'true',
      };
    }
    return fail(this.expr, 'expected a path (".x") or a literal in select()');
  }
}

/** A parsed jq path expression. */
export interface JqPath {
  expression: string;
  steps: Step[];
}

/** Parses an expression, throwing a clear error for syntax outside the supported subset. */
export function parseJqPath(expression: string): JqPath {
  const text = expression.trim();
  if (text === '') fail(expression, 'empty expression');
  return {
    expression,
    steps: new Parser(expression, tokenize(text)).parsePipeline(),
  };
}

interface Located {
  value: unknown;
  path: Path;
}

function applySteps(start: Located[], steps: Step[]): Located[] {
  let current = start;
  for (const step of steps) {
    const next: Located[] = [];
    for (const { value, path } of current) {
      switch (step.kind) {
        case 'key':
          if (
            isRecord(value) &&
            Object.prototype.hasOwnProperty.call(value, step.key)
          ) {
            next.push({ value: value[step.key], path: [...path, step.key] });
          }
          break;
        case 'index':
          if (Array.isArray(value)) {
            const i = step.index < 0 ? value.length + step.index : step.index;
            if (i >= 0 && i < value.length)
              next.push({ value: value[i], path: [...path, i] });
          }
          break;
        case 'iterate':
          if (Array.isArray(value)) {
            value.forEach((v, i) =>
              next.push({ value: v, path: [...path, i] }),
            );
          } else if (isRecord(value)) {
            Object.entries(value).forEach(([k, v]) =>
              next.push({ value: v, path: [...path, k] }),
            );
          }
          break;
        default:
          if (evaluate(step.cond, value)) next.push({ value, path });
      }
    }
    current = next;
  }
  return current;
}

function operandValues(op: Operand, input: unknown): unknown[] {
  if (op.kind === 'literal') return [op.value];
  const found = applySteps([{ value: input, path: [] }], op.steps);
  return found.length > 0 ? found.map(f => f.value) : [null];
}

function evaluate(cond: Cond, input: unknown): boolean {
  switch (cond.kind) {
    case 'and':
      return evaluate(cond.left, input) && evaluate(cond.right, input);
    case 'or':
      return evaluate(cond.left, input) || evaluate(cond.right, input);
    case 'not':
      return !evaluate(cond.on, input);
    case 'truthy':
      return operandValues(cond.on, input).some(
        v => v !== null && v !== false && v !== undefined,
      );
    case 'cmp': {
      const lefts = operandValues(cond.left, input);
      const rights = operandValues(cond.right, input);
      return lefts.some(l =>
        rights.some(r => deepEqual(l, r) === (cond.op === '==')),
      );
    }
    default:
      return operandValues(cond.on, input).some(v => {
        if (typeof v !== 'string') return false;
        switch (cond.fn) {
          case 'startswith':
            return v.startsWith(cond.arg);
          case 'endswith':
            return v.endsWith(cond.arg);
          case 'contains':
            return v.includes(cond.arg);
          default:
            return new RegExp(cond.arg).test(v);
        }
      });
  }
}

/** The concrete paths an expression designates in a document (existing ones only). */
export function jqPaths(doc: unknown, expression: string | JqPath): Path[] {
  const parsed =
    typeof expression === 'string' ? parseJqPath(expression) : expression;
  return applySteps([{ value: doc, path: [] }], parsed.steps)
    .map(found => found.path)
    .filter(path => path.length > 0);
}
