// The API reference, rendered from the live /api/openapi.json (no outside
// viewer: nothing is fetched from elsewhere and the page keeps its CSP).
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

type Operation = {
  operationId?: string;
  summary?: string;
  description?: string;
  tags?: string[];
  parameters?: { name: string; in: string; required?: boolean; description?: string }[];
  requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
};
type Doc = {
  info: { title: string; version: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
};

export default function Reference() {
  const doc = useQuery({
    queryKey: ["openapi"],
    queryFn: async () => (await (await fetch("/api/openapi.json")).json()) as Doc,
    staleTime: Infinity,
  });
  const [q, setQ] = useState("");
  if (!doc.data) return <p className="loading">Loading…</p>;
  const ops = Object.entries(doc.data.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([m]) => ["get", "post", "put", "patch", "delete", "head", "options"].includes(m))
      .map(([method, op]) => ({ path, method: method.toUpperCase(), op })),
  );
  const shown = ops.filter((o) =>
    `${o.method} ${o.path} ${o.op.summary ?? ""} ${o.op.operationId ?? ""}`
      .toLowerCase()
      .includes(q.toLowerCase()),
  );
  const tags = [...new Set(shown.map((o) => o.op.tags?.[0] ?? "other"))];
  return (
    <section>
      <h1>
        {doc.data.info.title} {doc.data.info.version}
      </h1>
      <p>
        The live contract of this server. <a href="/api/openapi.json">Download openapi.json</a>
      </p>
      <label>
        Filter operations <input type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      </label>
      {tags.map((tag) => (
        <section key={tag} aria-label={tag}>
          <h2>{tag}</h2>
          {shown
            .filter((o) => (o.op.tags?.[0] ?? "other") === tag)
            .map((o) => (
              <details key={o.method + o.path} className="op">
                <summary>
                  <span className={`method m-${o.method.toLowerCase()}`}>{o.method}</span>{" "}
                  <code>{o.path}</code> {o.op.summary}
                </summary>
                <p className="muted">operationId {o.op.operationId}</p>
                {o.op.description && <p>{o.op.description}</p>}
                {(o.op.parameters ?? []).length > 0 && (
                  <ul>
                    {o.op.parameters!.map((p) => (
                      <li key={p.in + p.name}>
                        <code>{p.name}</code> ({p.in}
                        {p.required ? ", required" : ""}) {p.description}
                      </li>
                    ))}
                  </ul>
                )}
                {o.op.requestBody?.content && (
                  <p>
                    Body:{" "}
                    <code>
                      {Object.values(o.op.requestBody.content)[0]?.schema?.$ref?.split("/").pop() ??
                        Object.keys(o.op.requestBody.content)[0]}
                    </code>
                  </p>
                )}
                <ul>
                  {Object.entries(o.op.responses ?? {}).map(([code, r]) => (
                    <li key={code}>
                      <strong>{code}</strong> {r.description}
                    </li>
                  ))}
                </ul>
              </details>
            ))}
        </section>
      ))}
    </section>
  );
}
