// The conditions builder's rules: which operators need a value, what a row
// must hold before it is sent, and a one-line summary for the response list.
import type { Schemas } from "../api/client";

export type Condition = Schemas["Condition"];
export type ConditionType = Schemas["ConditionType"];
export type Operator = Schemas["Operator"];

export const CONDITION_TYPES: ConditionType[] = [
  "header",
  "query",
  "body",
  "path",
  "cookie",
  "method",
];
export const OPERATORS: Operator[] = [
  "equals",
  "notEquals",
  "contains",
  "startsWith",
  "endsWith",
  "regex",
  "exists",
  "notExists",
  "gt",
  "gte",
  "lt",
  "lte",
];

const SYMBOL: Partial<Record<Operator, string>> = {
  equals: "=",
  notEquals: "≠",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
};

/** Operators that compare with no value (presence tests). */
export function takesValue(op: Operator): boolean {
  return op !== "exists" && op !== "notExists";
}

/** Whether the type names a field (`method` and whole-`body` tests need none). */
export function fieldHint(type: ConditionType): string {
  switch (type) {
    case "header":
      return "header name, e.g. Authorization";
    case "query":
      return "query parameter, e.g. page";
    case "body":
      return "JSON path, e.g. $.user.id (empty: whole body)";
    case "path":
      return "path parameter, e.g. id";
    case "cookie":
      return "cookie name";
    case "method":
      return "(none)";
  }
}

/** The problems of one row, as the server would report them; empty when it can be sent. */
export function validateCondition(c: Condition): string[] {
  const problems: string[] = [];
  if (c.type !== "method" && c.type !== "body" && c.field.trim() === "")
    problems.push("field is required");
  if (takesValue(c.operator) && (c.value ?? "") === "") problems.push("value is required");
  if (c.operator === "regex" && c.value) {
    try {
      new RegExp(c.value);
    } catch {
      problems.push("value is not a valid regular expression");
    }
  }
  if (["gt", "gte", "lt", "lte"].includes(c.operator) && c.value && Number.isNaN(Number(c.value)))
    problems.push("value must be a number for this operator");
  return problems;
}

/** A row as sent: no value for presence tests. */
export function normalize(c: Condition): Condition {
  return takesValue(c.operator)
    ? { ...c, value: c.value ?? "" }
    : { type: c.type, field: c.field, operator: c.operator };
}

/** `query.page = 2 AND header.X-Env exists`. */
export function summarize(conditions: Condition[]): string {
  if (conditions.length === 0) return "always";
  return conditions
    .map((c) => {
      const where = c.type === "method" ? "method" : `${c.type}${c.field ? `.${c.field}` : ""}`;
      const op = SYMBOL[c.operator] ?? c.operator;
      return takesValue(c.operator)
        ? `${where} ${op} ${JSON.stringify(c.value ?? "")}`
        : `${where} ${op}`;
    })
    .join(" AND ");
}
