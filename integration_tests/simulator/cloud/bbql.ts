import { parseIsoMicros } from "../time-format.js";

// A subset of Bitbucket's query language (BBQL) as documented for `q=`: comparisons
// (=, !=, ~, !~, >, >=, <, <=) on dotted fields against quoted strings, numbers, true/false/null or
// bare date-times, combined with AND / OR and parentheses.
//
// The server parses the *decoded* query string. A raw "+" in the URL therefore arrives as a space:
// `updated_on >= "2024-01-01T00:00:00+00:00"` sent unencoded becomes "…T00:00:00 00:00", which is
// not a date, and the request fails with 400 "Invalid date". Sending %2B works.

export class BbqlError extends Error {
  constructor(
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

export type BbqlOp = "=" | "!=" | "~" | "!~" | ">" | ">=" | "<" | "<=";

export type BbqlLiteral = string | number | boolean | null;

export type BbqlExpr =
  | { kind: "and" | "or"; left: BbqlExpr; right: BbqlExpr }
  | { kind: "cmp"; field: string; op: BbqlOp; value: BbqlLiteral; quoted: boolean };

type Token =
  | { t: "lparen" | "rparen" }
  | { t: "op"; v: BbqlOp }
  | { t: "string"; v: string }
  | { t: "word"; v: string };

const OPS: BbqlOp[] = ["!=", "!~", ">=", "<=", "=", "~", ">", "<"];

function tokenize(q: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q.charAt(i);
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(") {
      out.push({ t: "lparen" });
      i++;
    } else if (c === ")") {
      out.push({ t: "rparen" });
      i++;
    } else if (c === '"') {
      let v = "";
      i++;
      while (i < q.length && q.charAt(i) !== '"') {
        if (q.charAt(i) === "\\" && i + 1 < q.length) i++;
        v += q.charAt(i);
        i++;
      }
      if (i >= q.length) throw new BbqlError("Invalid query", "unterminated string literal");
      i++;
      out.push({ t: "string", v });
    } else {
      const op = OPS.find((o) => q.startsWith(o, i));
      if (op) {
        out.push({ t: "op", v: op });
        i += op.length;
      } else {
        let v = "";
        while (i < q.length && !/[\s()"=!~<>]/.test(q.charAt(i))) v += q.charAt(i++);
        if (v === "") throw new BbqlError("Invalid query", `unexpected character '${c}' at ${i}`);
        out.push({ t: "word", v });
      }
    }
  }
  return out;
}

export function parseBbql(q: string): BbqlExpr {
  const tokens = tokenize(q);
  let pos = 0;
  const peek = () => tokens[pos];
  const keyword = (k: string) => {
    const tok = peek();
    return tok?.t === "word" && tok.v.toUpperCase() === k;
  };

  function primary(): BbqlExpr {
    const tok = tokens[pos++];
    if (!tok) throw new BbqlError("Invalid query", "unexpected end of query");
    if (tok.t === "lparen") {
      const e = or();
      if (tokens[pos++]?.t !== "rparen") throw new BbqlError("Invalid query", "expected ')'");
      return e;
    }
    if (tok.t !== "word" || !/^[A-Za-z_][\w.]*$/.test(tok.v)) {
      throw new BbqlError("Invalid query", "expected a field name");
    }
    const op = tokens[pos++];
    if (op?.t !== "op") throw new BbqlError("Invalid query", `expected an operator after '${tok.v}'`);
    const val = tokens[pos++];
    if (!val || (val.t !== "string" && val.t !== "word")) {
      throw new BbqlError("Invalid query", `expected a value after '${tok.v} ${op.v}'`);
    }
    let value: BbqlLiteral = val.v;
    if (val.t === "word") {
      const lower = val.v.toLowerCase();
      if (lower === "true" || lower === "false") value = lower === "true";
      else if (lower === "null") value = null;
      else if (/^-?\d+(\.\d+)?$/.test(val.v)) value = Number(val.v);
    }
    return { kind: "cmp", field: tok.v, op: op.v, value, quoted: val.t === "string" };
  }

  function and(): BbqlExpr {
    let left = primary();
    while (keyword("AND")) {
      pos++;
      left = { kind: "and", left, right: primary() };
    }
    return left;
  }

  function or(): BbqlExpr {
    let left = and();
    while (keyword("OR")) {
      pos++;
      left = { kind: "or", left, right: and() };
    }
    return left;
  }

  const expr = or();
  const rest = tokens[pos];
  if (rest) {
    throw new BbqlError(
      "Invalid query",
      `unexpected '${rest.t === "word" || rest.t === "string" ? rest.v : rest.t}'`,
    );
  }
  return expr;
}

/** Field kinds the evaluator needs to know about; anything else compares as string/number. */
export type FieldKind = "date" | "other";

export interface CompiledQuery {
  test(resolve: (field: string) => unknown): boolean;
  /** Fields the query mentions (e.g. to know whether `state` is constrained). */
  fields: Set<string>;
}

function compare(a: number | string, b: number | string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function applyOp(op: BbqlOp, actual: unknown, expected: BbqlLiteral): boolean {
  if (op === "~" || op === "!~") {
    const contains =
      typeof actual === "string" && actual.toLowerCase().includes(String(expected).toLowerCase());
    return op === "~" ? contains : !contains;
  }
  if (op === "=") return actual === expected || (actual === undefined && expected === null);
  if (op === "!=") return !(actual === expected || (actual === undefined && expected === null));
  if (typeof actual !== typeof expected || (typeof actual !== "number" && typeof actual !== "string"))
    return false;
  const c = compare(actual, expected as number | string);
  return op === ">" ? c > 0 : op === ">=" ? c >= 0 : op === "<" ? c < 0 : c <= 0;
}

/**
 * Validates the query against the resource's field kinds (so an invalid date fails even when no
 * object would be compared) and returns a predicate. For date fields `resolve` must return epoch
 * microseconds.
 */
export function compileBbql(q: string, kindOf: (field: string) => FieldKind): CompiledQuery {
  const expr = parseBbql(q);
  const fields = new Set<string>();

  function build(e: BbqlExpr): (resolve: (field: string) => unknown) => boolean {
    if (e.kind !== "cmp") {
      const l = build(e.left);
      const r = build(e.right);
      return e.kind === "and" ? (res) => l(res) && r(res) : (res) => l(res) || r(res);
    }
    fields.add(e.field);
    if (kindOf(e.field) === "date") {
      const micros = typeof e.value === "string" ? parseIsoMicros(e.value) : undefined;
      if (micros === undefined) {
        throw new BbqlError(
          "Invalid date",
          `'${String(e.value)}' is not a valid ISO-8601 date for '${e.field}'`,
        );
      }
      const { op, field } = e;
      return (res) => applyOp(op, res(field), micros);
    }
    const { op, field, value } = e;
    return (res) => applyOp(op, res(field), value);
  }

  const predicate = build(expr);
  return { test: predicate, fields };
}

/** Reads a dotted path out of a rendered JSON object. */
export function readPath(obj: unknown, path: string): unknown {
  let cur: unknown = obj;
  for (const part of path.split(".")) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}
