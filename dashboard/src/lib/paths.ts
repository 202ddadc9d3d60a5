// The mock path rules of docs/http-api.md, checked as the user types (the
// server checks again on save and has the last word).

/** Problems of a mock path; empty when it is well formed. */
export function pathProblems(path: string): string[] {
  const p: string[] = [];
  if (!path.startsWith("/")) p.push("must start with /");
  if (/\s/.test(path)) p.push("must not contain spaces");
  if (path.includes("?")) p.push("must not contain a query string (use a query condition)");
  const segments = path.split("/").slice(1);
  segments.forEach((s, i) => {
    const open = (s.match(/\{/g) ?? []).length;
    const close = (s.match(/\}/g) ?? []).length;
    if (open !== close) p.push(`segment ${i + 1}: unbalanced braces`);
    if (s.startsWith("{*") && i !== segments.length - 1) p.push("{*rest} must be the last segment");
    if (/^\{\*?\}$/.test(s)) p.push(`segment ${i + 1}: a parameter needs a name`);
  });
  return p;
}

/** The parameter names of a path: `/users/{id}/{*rest}` → ["id", "rest"]. */
export function pathParams(path: string): string[] {
  return [...path.matchAll(/\{\*?([^}]+)\}/g)].map((m) => m[1]!);
}
