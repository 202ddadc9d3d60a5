// "Copy as curl": a request as a shell command that is safe to paste.

/** Quotes `s` for a POSIX shell. */
export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export type CurlRequest = {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string | null;
};

/** `curl -X POST 'https://…' -H 'A: b' --data-raw '…'`. */
export function toCurl(r: CurlRequest): string {
  const parts = ["curl"];
  if (r.method !== "GET") parts.push("-X", r.method);
  parts.push(shellQuote(r.url));
  for (const [k, v] of Object.entries(r.headers ?? {})) parts.push("-H", shellQuote(`${k}: ${v}`));
  if (r.body) parts.push("--data-raw", shellQuote(r.body));
  return parts.join(" ");
}
