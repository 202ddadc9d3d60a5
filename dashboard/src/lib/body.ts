// The body check of the response editor: JSON syntax, Handlebars aside.

/** A JSON syntax problem of `body`, or null. Template tags count as values, so `{"id": {{request.params.id}}}` passes. */
export function jsonProblem(body: string): string | null {
  if (body.trim() === "") return null;
  const withoutTags = body.replace(/\{\{\{[^}]*\}\}\}|\{\{[^}]*\}\}/g, "0");
  try {
    JSON.parse(withoutTags);
    return null;
  } catch (e) {
    return e instanceof Error ? e.message : "not valid JSON";
  }
}
