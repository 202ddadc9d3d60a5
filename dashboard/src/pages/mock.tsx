// The mock editor: the mock's method, path and behaviour; its responses;
// a response editor (body, headers, conditions, weight, default); and
// "try it", which calls the live mock and says which response answered.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { lazy, Suspense, useEffect, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, ApiError, unwrap, type Schemas } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { ConfirmButton, CopyButton, Field, FormError, NumberField } from "../components/ui";
import { jsonProblem } from "../lib/body";
import {
  CONDITION_TYPES,
  OPERATORS,
  fieldHint,
  normalize,
  summarize,
  takesValue,
  validateCondition,
  type Condition,
} from "../lib/conditions";
import { toCurl } from "../lib/curl";
import { pathParams, pathProblems } from "../lib/paths";
import { AnalyticsView, PeriodPicker, usePeriod, useProject } from "./project";

const CodeEditor = lazy(() => import("../components/code-editor"));

type Method = Schemas["HttpMethod"];
type MockResponse = Schemas["MockResponse"];
const METHODS: Method[] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY"];
const TYPES: Schemas["ResponseType"][] = ["json", "xml", "text", "html"];

export default function MockEditor({ projectId, mockId }: { projectId: string; mockId: string }) {
  const project = useProject(projectId);
  const isNew = mockId === "new";
  const mock = useQuery({
    queryKey: ["mock", mockId],
    enabled: !isNew,
    queryFn: async () =>
      unwrap(await api.GET("/api/mocks/{id}", { params: { path: { id: mockId } } })),
  });
  if (!isNew && mock.isLoading) return <p className="loading">Loading…</p>;
  if (!isNew && !mock.data) return <p role="alert">{errorText(mock.error)}</p>;
  return (
    <section>
      <p className="crumbs">
        <Link href="/">Projects</Link> /{" "}
        <Link href={`/projects/${projectId}`}>{project.data?.name ?? "Project"}</Link> /
      </p>
      <MockForm key={mockId} projectId={projectId} mock={mock.data} />
      {mock.data && (
        <>
          <Responses mock={mock.data} />
          <MockAnalytics mockId={mock.data.id} />
          <TryIt
            mock={mock.data}
            slug={project.data?.slug ?? ""}
            isPublic={project.data?.isPublic ?? true}
          />
        </>
      )}
    </section>
  );
}

/**
 * What the server says of a method and path while they are typed (malformed, or taken by
 * another mock): asked 300 ms after the last keystroke, once the local check passes.
 */
function useRouteCheck(
  projectId: string,
  method: string,
  path: string,
  mockId: string | undefined,
  enabled: boolean,
): string[] {
  const [asked, setAsked] = useState({ method, path });
  useEffect(() => {
    const t = setTimeout(() => setAsked({ method, path }), 300);
    return () => clearTimeout(t);
  }, [method, path]);
  const check = useQuery({
    queryKey: ["route-check", projectId, asked.method, asked.path, mockId],
    enabled,
    staleTime: 0,
    queryFn: async () => {
      const r = await api.POST("/api/projects/{id}/mocks/check", {
        params: { path: { id: projectId } },
        body: { method: asked.method as Method, path: asked.path, mockId },
      });
      if (r.response.status === 204) return [];
      const e = r.error as { message?: string; errors?: string[] } | undefined;
      const here = (e?.errors ?? [])
        .filter((x) => x.startsWith("path:") || x.startsWith("method:"))
        .map((x) => x.replace(/^(path|method): /, ""));
      return here.length ? here : [e?.message ?? "The server refused this route"];
    },
  });
  return enabled && asked.path === path && asked.method === method ? (check.data ?? []) : [];
}

function MockForm({ projectId, mock }: { projectId: string; mock?: Schemas["MockView"] }) {
  const search = new URLSearchParams(useSearch());
  const [, navigate] = useLocation();
  const queries = useQueryClient();
  const notify = useNotify();
  const [form, setForm] = useState({
    name: mock?.name ?? "",
    method: (mock?.method ?? (search.get("method") as Method | null) ?? "GET") as Method,
    path: mock?.path ?? search.get("path") ?? "/",
    responseDelay: mock?.responseDelay ?? 0,
    responseType: mock?.responseType ?? "json",
    isActive: mock?.isActive ?? true,
    description: mock?.description ?? "",
  });
  const save = useMutation({
    mutationFn: async () => {
      const body = { ...form, name: form.name || `${form.method} ${form.path}` };
      if (mock)
        return unwrap(
          await api.PUT("/api/mocks/{id}", { params: { path: { id: mock.id } }, body }),
        );
      const created = unwrap(
        await api.POST("/api/projects/{id}/mocks", { params: { path: { id: projectId } }, body }),
      );
      return created;
    },
    onSuccess: (m) => {
      queries.invalidateQueries({ queryKey: ["mocks", projectId] });
      queries.setQueryData(["mock", m.id], m);
      notify(mock ? "Mock saved" : "Mock created: now give it a response");
      if (!mock) navigate(`/projects/${projectId}/mocks/${m.id}`, { replace: true });
    },
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE("/api/mocks/{id}", { params: { path: { id: mock!.id } } })),
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["mocks", projectId] });
      navigate(`/projects/${projectId}`);
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const err = (f: string) => (save.error instanceof ApiError ? save.error.forField(f) : []);
  const local = pathProblems(form.path);
  const remote = useRouteCheck(projectId, form.method, form.path, mock?.id, local.length === 0);
  const params = pathParams(form.path);
  return (
    <form
      className="card form"
      aria-label="Mock"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h1>{mock ? `${mock.method} ${mock.path}` : "New mock"}</h1>
      <div className="grid">
        <Field label="Method">
          {(id) => (
            <select
              id={id}
              value={form.method}
              onChange={(e) => setForm({ ...form, method: e.target.value as Method })}
            >
              {METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Path"
          errors={[...local, ...(save.error ? err("path") : remote)]}
          hint={
            params.length
              ? `Parameters: ${params.map((p) => `{{request.params.${p}}}`).join(", ")}`
              : "Use {name} for a segment parameter, {*rest} for the rest of the path."
          }
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              aria-invalid={local.length > 0 || remote.length > 0}
              required
              value={form.path}
              onChange={(e) => setForm({ ...form, path: e.target.value })}
            />
          )}
        </Field>
        <Field label="Name" errors={err("name")}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={form.name}
              placeholder={`${form.method} ${form.path}`}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <NumberField
          label="Delay (ms)"
          errors={err("responseDelay")}
          min={0}
          max={10000}
          value={form.responseDelay}
          onChange={(responseDelay) => setForm({ ...form, responseDelay })}
        />
        <Field label="Response type">
          {(id) => (
            <select
              id={id}
              value={form.responseType}
              onChange={(e) =>
                setForm({ ...form, responseType: e.target.value as Schemas["ResponseType"] })
              }
            >
              {TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          )}
        </Field>
        <label className="check">
          <input
            type="checkbox"
            checked={form.isActive}
            onChange={(e) => setForm({ ...form, isActive: e.target.checked })}
          />{" "}
          Active
        </label>
      </div>
      <FormError error={save.error} />
      <div className="row">
        <button className="primary" disabled={save.isPending || local.length > 0}>
          {mock ? "Save mock" : "Create mock"}
        </button>
        {mock && (
          <>
            <CopyButton text={mock.url} label="Copy URL" />
            <ConfirmButton
              label="Delete mock"
              danger
              question={`Delete ${mock.name}?`}
              confirm="Delete"
              onConfirm={() => remove.mutate()}
            />
          </>
        )}
      </div>
    </form>
  );
}

function Responses({ mock }: { mock: Schemas["MockView"] }) {
  const responses = useQuery({
    queryKey: ["responses", mock.id],
    queryFn: async () =>
      unwrap(await api.GET("/api/mocks/{id}/responses", { params: { path: { id: mock.id } } })),
  });
  const [editing, setEditing] = useState<MockResponse | "new" | null>(null);
  const list = responses.data ?? [];
  return (
    <section className="card" aria-label="Responses">
      <div className="page-head">
        <h2>Responses</h2>
        <button type="button" className="primary" onClick={() => setEditing("new")}>
          Add response
        </button>
      </div>
      {list.length === 0 && <p>No responses yet: calls get 404 until you add one.</p>}
      {list.length > 0 && (
        <table className="table">
          <caption className="visually-hidden">Responses</caption>
          <thead>
            <tr>
              <th scope="col">Status</th>
              <th scope="col">Name</th>
              <th scope="col">Weight</th>
              <th scope="col">Default</th>
              <th scope="col">When</th>
              <th scope="col">
                <span className="visually-hidden">Edit</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((r) => (
              <tr key={r.id}>
                <td>
                  <span className={`status s${String(r.statusCode)[0]}`}>{r.statusCode}</span>
                </td>
                <td>{r.name}</td>
                <td>{r.weight}</td>
                <td>{r.isDefault ? "default" : ""}</td>
                <td>
                  <code>{summarize(r.conditions)}</code>
                </td>
                <td>
                  <button
                    type="button"
                    className="small"
                    onClick={() => setEditing(r)}
                    aria-label={`Edit response ${r.name}`}
                  >
                    Edit
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {editing && (
        <ResponseEditor
          key={editing === "new" ? "new" : editing.id}
          mock={mock}
          response={editing === "new" ? undefined : editing}
          first={list.length === 0}
          onDone={() => setEditing(null)}
        />
      )}
    </section>
  );
}

function ResponseEditor(props: {
  mock: Schemas["MockView"];
  response?: MockResponse;
  first: boolean;
  onDone: () => void;
}) {
  const r = props.response;
  const queries = useQueryClient();
  const notify = useNotify();
  const [form, setForm] = useState({
    name: r?.name ?? "",
    statusCode: r?.statusCode ?? 200,
    body: r?.body ?? (props.mock.responseType === "json" ? '{\n  "ok": true\n}' : ""),
    weight: r?.weight ?? 100,
    isDefault: r?.isDefault ?? props.first,
  });
  const [headers, setHeaders] = useState<[string, string][]>(
    Object.entries((r?.headers ?? {}) as Record<string, string>),
  );
  const [conditions, setConditions] = useState<Condition[]>(r?.conditions ?? []);
  const patchCondition = (i: number, change: Partial<Condition>) =>
    setConditions(conditions.map((x, j) => (j === i ? { ...x, ...change } : x)));
  const isJson = props.mock.responseType === "json";
  const bodyProblem = isJson ? jsonProblem(form.body) : null;
  const rowProblems = conditions.map(validateCondition);
  const save = useMutation({
    mutationFn: async () => {
      const body = {
        ...form,
        name: form.name || `${form.statusCode}`,
        headers: Object.fromEntries(headers.filter(([k]) => k.trim() !== "")),
        // The builder checks each row; the server has the last word on the shapes.
        conditions: conditions.map(normalize) as Schemas["ResponseSpec"]["conditions"],
      };
      if (r)
        return unwrap(
          await api.PUT("/api/mocks/{id}/responses/{responseId}", {
            params: { path: { id: props.mock.id, responseId: r.id } },
            body,
          }),
        );
      return unwrap(
        await api.POST("/api/mocks/{id}/responses", {
          params: { path: { id: props.mock.id } },
          body,
        }),
      );
    },
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["responses", props.mock.id] });
      notify("Response saved");
      props.onDone();
    },
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.DELETE("/api/mocks/{id}/responses/{responseId}", {
          params: { path: { id: props.mock.id, responseId: r!.id } },
        }),
      ),
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["responses", props.mock.id] });
      props.onDone();
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const err = (f: string) => (save.error instanceof ApiError ? save.error.forField(f) : []);
  return (
    <form
      className="editor"
      aria-label="Response editor"
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
    >
      <h3>{r ? `Edit response ${r.name}` : "New response"}</h3>
      <div className="grid">
        <NumberField
          label="Status"
          errors={err("statusCode")}
          min={100}
          max={599}
          required
          value={form.statusCode}
          onChange={(statusCode) => setForm({ ...form, statusCode })}
        />
        <Field
          label="Response name"
          hint="Send X-Mockbird-Response: <name> to force this response."
          errors={err("name")}
        >
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <NumberField
          label="Weight"
          hint="Share among responses whose conditions hold."
          errors={err("weight")}
          min={0}
          max={100}
          value={form.weight}
          onChange={(weight) => setForm({ ...form, weight })}
        />
        <label className="check">
          <input
            type="checkbox"
            checked={form.isDefault}
            onChange={(e) => setForm({ ...form, isDefault: e.target.checked })}
          />{" "}
          Default (answers when no conditional response matches)
        </label>
      </div>
      <Field
        label="Body"
        errors={[...(bodyProblem ? [`JSON: ${bodyProblem}`] : []), ...err("body")]}
        hint="Handlebars: {{request.params.id}}, {{request.query.page}}, {{request.body.name}}, {{now}}, {{uuid}}…"
      >
        {() => (
          <Suspense fallback={<textarea aria-label="Body" value={form.body} readOnly />}>
            <CodeEditor
              label="Response body"
              json={isJson}
              value={form.body}
              onChange={(body) => setForm((f) => ({ ...f, body }))}
            />
          </Suspense>
        )}
      </Field>
      <fieldset>
        <legend>Headers</legend>
        {headers.map(([k, v], i) => (
          <div className="row" key={i}>
            <input
              aria-label={`Header ${i + 1} name`}
              value={k}
              placeholder="X-Name"
              onChange={(e) =>
                setHeaders(headers.map((h, j) => (j === i ? [e.target.value, h[1]] : h)))
              }
            />
            <input
              aria-label={`Header ${i + 1} value`}
              value={v}
              placeholder="value"
              onChange={(e) =>
                setHeaders(headers.map((h, j) => (j === i ? [h[0], e.target.value] : h)))
              }
            />
            <button
              type="button"
              className="small"
              aria-label={`Remove header ${i + 1}`}
              onClick={() => setHeaders(headers.filter((_, j) => j !== i))}
            >
              Remove
            </button>
          </div>
        ))}
        {err("headers").length > 0 && <p className="field-error">{err("headers").join("; ")}</p>}
        <button type="button" className="small" onClick={() => setHeaders([...headers, ["", ""]])}>
          Add header
        </button>
      </fieldset>
      <fieldset>
        <legend>Conditions (all must hold)</legend>
        {conditions.map((c, i) => (
          <div className="condition" key={i}>
            <select
              aria-label={`Condition ${i + 1} type`}
              value={c.type}
              onChange={(e) => patchCondition(i, { type: e.target.value as Condition["type"] })}
            >
              {CONDITION_TYPES.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
            <input
              aria-label={`Condition ${i + 1} field`}
              placeholder={fieldHint(c.type)}
              value={c.field}
              disabled={c.type === "method"}
              onChange={(e) => patchCondition(i, { field: e.target.value })}
            />
            <select
              aria-label={`Condition ${i + 1} operator`}
              value={c.operator}
              onChange={(e) =>
                patchCondition(i, { operator: e.target.value as Condition["operator"] })
              }
            >
              {OPERATORS.map((o) => (
                <option key={o}>{o}</option>
              ))}
            </select>
            {takesValue(c.operator) && (
              <input
                aria-label={`Condition ${i + 1} value`}
                placeholder="value"
                value={c.value ?? ""}
                onChange={(e) => patchCondition(i, { value: e.target.value })}
              />
            )}
            <button
              type="button"
              className="small"
              aria-label={`Remove condition ${i + 1}`}
              onClick={() => setConditions(conditions.filter((_, j) => j !== i))}
            >
              Remove
            </button>
            {(rowProblems[i]!.length > 0 || err(`conditions[${i}]`).length > 0) && (
              <p className="field-error">
                {[...rowProblems[i]!, ...err(`conditions[${i}]`)].join("; ")}
              </p>
            )}
          </div>
        ))}
        <button
          type="button"
          className="small"
          onClick={() =>
            setConditions([
              ...conditions,
              { type: "query", field: "", operator: "equals", value: "" },
            ])
          }
        >
          Add condition
        </button>
      </fieldset>
      <FormError error={save.error} />
      <div className="row">
        <button type="button" onClick={props.onDone}>
          Cancel
        </button>
        <button
          className="primary"
          disabled={save.isPending || rowProblems.some((p) => p.length > 0)}
        >
          Save response
        </button>
        {r && (
          <ConfirmButton
            label="Delete response"
            danger
            question={`Delete response ${r.name}?`}
            confirm="Delete"
            onConfirm={() => remove.mutate()}
          />
        )}
      </div>
    </form>
  );
}

function MockAnalytics({ mockId }: { mockId: string }) {
  const [period, setPeriod] = usePeriod();
  const data = useQuery({
    queryKey: ["mock-analytics", mockId, period],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/mocks/{id}/analytics", {
          params: { path: { id: mockId }, query: { period } },
        }),
      ),
  });
  return (
    <section className="card" aria-label="Analytics of this mock">
      <h2>Analytics</h2>
      <PeriodPicker value={period} onChange={setPeriod} />
      <AnalyticsView data={data.data} />
    </section>
  );
}

/** Calls the live mock with tracing on: the answer and which response gave it. */
async function callMock(
  url: string,
  method: string,
  headers: [string, string][],
  body: string,
): Promise<Answer> {
  const started = performance.now();
  const res = await fetch(url, {
    method,
    headers: [...headers, ["X-Mockbird-Trace", "1"]],
    body: ["GET", "HEAD"].includes(method) || !body ? undefined : body,
    credentials: "omit",
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: [...res.headers.entries()].filter(
      ([k]) => k !== "x-mockbird-mock-id" && k !== "x-mockbird-response-id",
    ),
    body: text,
    ms: Math.round(performance.now() - started),
    responseId: res.headers.get("x-mockbird-response-id"),
  };
}

type Answer = {
  status: number;
  headers: [string, string][];
  body: string;
  ms: number;
  responseId?: string | null;
};

function TryIt({
  mock,
  slug,
  isPublic,
}: {
  mock: Schemas["MockView"];
  slug: string;
  isPublic: boolean;
}) {
  const example = mock.path.replace(/\{\*?([^}]+)\}/g, (_, n: string) => (n === "id" ? "1" : n));
  const [req, setReq] = useState<{
    method: string;
    path: string;
    query: string;
    headers: string;
    body: string;
  }>({
    method: mock.method === "ANY" ? "GET" : mock.method,
    path: example,
    query: "",
    headers: isPublic ? "" : "X-API-Key: ",
    body: "",
  });
  const responses = useQuery({
    queryKey: ["responses", mock.id],
    queryFn: async () =>
      unwrap(await api.GET("/api/mocks/{id}/responses", { params: { path: { id: mock.id } } })),
  });
  const [answer, setAnswer] = useState<Answer | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  // Same origin, by path: works whether or not a mock domain is set up.
  const url = `${window.location.origin}/m/${slug}${req.path}${req.query ? `?${req.query}` : ""}`;
  const headerList = req.headers
    .split("\n")
    .map((line): [string, string] => {
      const i = line.indexOf(":");
      return i < 0 ? [line.trim(), ""] : [line.slice(0, i).trim(), line.slice(i + 1).trim()];
    })
    .filter(([name]) => name !== "");
  const queries = useQueryClient();
  async function send() {
    setFailure(null);
    try {
      setAnswer(await callMock(url, req.method, headerList, req.body));
      // The call is in the figures once its log batch is stored (within 200 ms).
      setTimeout(() => queries.invalidateQueries({ queryKey: ["mock-analytics", mock.id] }), 500);
    } catch (e) {
      setFailure(errorText(e));
    }
  }
  const answered = responses.data?.find((r) => r.id === answer?.responseId);
  let reasons: string | null = null;
  if (answer && !answered && answer.status >= 400) {
    try {
      const parsed = JSON.parse(answer.body) as { message?: string; details?: unknown };
      reasons = parsed.message
        ? `${parsed.message}${parsed.details ? `\n${JSON.stringify(parsed.details, null, 2)}` : ""}`
        : null;
    } catch {
      reasons = null;
    }
  }
  return (
    <section className="card" aria-label="Try it">
      <h2>Try it</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <div className="grid">
          <Field label="Request method">
            {(id) => (
              <select
                id={id}
                value={req.method}
                onChange={(e) => setReq({ ...req, method: e.target.value })}
              >
                {METHODS.filter((m) => m !== "ANY").map((m) => (
                  <option key={m}>{m}</option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Request path">
            {(id) => (
              <input
                id={id}
                value={req.path}
                onChange={(e) => setReq({ ...req, path: e.target.value })}
              />
            )}
          </Field>
          <Field label="Query string">
            {(id) => (
              <input
                id={id}
                value={req.query}
                placeholder="page=2"
                onChange={(e) => setReq({ ...req, query: e.target.value })}
              />
            )}
          </Field>
        </div>
        <Field label="Request headers" hint="One per line: Name: value">
          {(id, d) => (
            <textarea
              id={id}
              aria-describedby={d}
              rows={2}
              value={req.headers}
              onChange={(e) => setReq({ ...req, headers: e.target.value })}
            />
          )}
        </Field>
        <Field label="Request body">
          {(id) => (
            <textarea
              id={id}
              rows={3}
              value={req.body}
              onChange={(e) => setReq({ ...req, body: e.target.value })}
            />
          )}
        </Field>
        <div className="row">
          <button className="primary">Send</button>
          <CopyButton
            text={toCurl({
              method: req.method,
              url,
              headers: Object.fromEntries(headerList),
              body: req.body || null,
            })}
            label="Copy as curl"
          />
        </div>
      </form>
      {failure && <p role="alert">{failure}</p>}
      {answer && (
        <div className="answer" aria-live="polite" aria-label="Answer">
          <p>
            <span className={`status s${String(answer.status)[0]}`}>{answer.status}</span> in{" "}
            {answer.ms} ms —{" "}
            {answered ? (
              <>
                answered by response <strong>{answered.name}</strong> (
                {summarize(answered.conditions)})
              </>
            ) : (
              "no response of this mock answered"
            )}
          </p>
          {reasons && <pre className="reasons">{reasons}</pre>}
          <pre>{answer.headers.map(([k, v]) => `${k}: ${v}`).join("\n")}</pre>
          <pre className="body">{answer.body}</pre>
        </div>
      )}
    </section>
  );
}
