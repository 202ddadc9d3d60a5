// One project: its mocks, live request log, analytics and settings.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Suspense, useEffect, useMemo, useRef, useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, currentAccessToken, unwrap, type Schemas } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { preloadable } from "../components/preloadable";
import { ConfirmButton, CopyButton, Empty, formatTime } from "../components/ui";
import { toCurl } from "../lib/curl";
import { mergeNewest } from "../lib/logs";
import { streamEvents } from "../lib/stream";

const Chart = preloadable(() => import("../components/chart"));

export type LogEntry = Schemas["LogPage"]["items"][number];
type MockView = Schemas["MockView"];

/** `?a=1&b=2` of a logged request ("" without a query). */
export function queryString(e: LogEntry) {
  const q = new URLSearchParams((e.requestQuery ?? {}) as Record<string, string>).toString();
  return q ? `?${q}` : "";
}

const TABS = [
  ["mocks", "Mocks"],
  ["logs", "Live log"],
  ["analytics", "Analytics"],
  ["settings", "Settings"],
] as const;

export function useProject(id: string) {
  return useQuery({
    queryKey: ["project", id],
    queryFn: async () => unwrap(await api.GET("/api/projects/{id}", { params: { path: { id } } })),
  });
}

export function useMocks(projectId: string) {
  return useQuery({
    queryKey: ["mocks", projectId],
    queryFn: async () =>
      unwrap(await api.GET("/api/projects/{id}/mocks", { params: { path: { id: projectId } } })),
  });
}

export default function Project({ id, tab }: { id: string; tab: string }) {
  const project = useProject(id);
  if (project.isError) return <p role="alert">{errorText(project.error)}</p>;
  const p = project.data;
  // The tabs that need only the id load beside the project, not after it.
  return (
    <section>
      {p ? <ProjectHead project={p} /> : <p className="loading page-head">Loading…</p>}
      <nav className="tabs" aria-label="Project">
        {TABS.map(([t, label]) => (
          <Link key={t} href={`/projects/${id}/${t}`} aria-current={tab === t ? "page" : undefined}>
            {label}
          </Link>
        ))}
      </nav>
      {tab === "mocks" && <Mocks projectId={id} />}
      {tab === "logs" && p && <LiveLog project={p} />}
      {tab === "analytics" && <ProjectAnalytics projectId={id} />}
      {tab === "settings" && p && <Settings project={p} />}
    </section>
  );
}

function ProjectHead({ project: p }: { project: Schemas["ProjectView"] }) {
  return (
    <div className="page-head">
      <div>
        <p className="crumbs">
          <Link href="/">Projects</Link> /
        </p>
        <h1>{p.name}</h1>
        <p className="url">
          <code>{p.baseUrl}</code> <CopyButton text={p.baseUrl} label="Copy URL" />{" "}
          {p.isPublic ? "public" : "private: calls need an API key"}
        </p>
      </div>
      <Link className="button primary" href={`/projects/${p.id}/mocks/new`}>
        New mock
      </Link>
    </div>
  );
}

function Mocks({ projectId }: { projectId: string }) {
  const mocks = useMocks(projectId);
  if (mocks.isLoading) return <p className="loading">Loading…</p>;
  const list = mocks.data ?? [];
  if (list.length === 0)
    return (
      <Empty title="No mocks yet">
        <p>
          A mock answers one method and path, for example <code>GET /users/{"{id}"}</code>, with
          responses you design.
        </p>
        <Link className="button primary" href={`/projects/${projectId}/mocks/new`}>
          Create the first mock
        </Link>
      </Empty>
    );
  return (
    <table className="table">
      <caption className="visually-hidden">Mocks</caption>
      <thead>
        <tr>
          <th scope="col">Method</th>
          <th scope="col">Path</th>
          <th scope="col">Name</th>
          <th scope="col">Status</th>
          <th scope="col">URL</th>
        </tr>
      </thead>
      <tbody>
        {list.map((m) => (
          <tr key={m.id}>
            <td>
              <span className={`method m-${m.method.toLowerCase()}`}>{m.method}</span>
            </td>
            <td>
              <Link href={`/projects/${projectId}/mocks/${m.id}`}>
                <code>{m.path}</code>
              </Link>
            </td>
            <td>{m.name}</td>
            <td>{m.isActive ? "active" : "off"}</td>
            <td>
              <CopyButton text={m.url} label="Copy URL" />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

const ROW = 36;

/** The live request log: a page of history, then new entries as they are served. */
function LiveLog({ project }: { project: Schemas["ProjectView"] }) {
  const mocks = useMocks(project.id);
  const [entries, setEntries] = useState<LogEntry[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [live, setLive] = useState(true);
  const [filters, setFilters] = useState({ status: "", mock: "", text: "", since: "" });
  // The time filter's cutoff, fixed when it is chosen.
  const [cutoff, setCutoff] = useState("");
  const [selected, setSelected] = useState<LogEntry | null>(null);
  const byId = useMemo(() => new Map((mocks.data ?? []).map((m) => [m.id, m])), [mocks.data]);

  useEffect(() => {
    let stop = false;
    api
      .GET("/api/projects/{id}/logs", {
        params: { path: { id: project.id }, query: { limit: 100 } },
      })
      .then((r) => {
        if (stop || !r.data) return;
        setEntries((e) => mergeNewest(e, r.data.items));
        setCursor(r.data.nextCursor ?? null);
      });
    return () => {
      stop = true;
    };
  }, [project.id]);

  useEffect(() => {
    if (!live) return;
    const abort = new AbortController();
    const pending: LogEntry[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    streamEvents(
      `/api/projects/${project.id}/logs/stream`,
      currentAccessToken,
      (e) => {
        if (e.event !== "log") return;
        pending.push(JSON.parse(e.data) as LogEntry);
        // Batch bursts into one render every 100 ms.
        timer ??= setTimeout(() => {
          timer = null;
          setEntries((cur) => mergeNewest(cur, pending.splice(0)));
        }, 100);
      },
      abort.signal,
    );
    return () => {
      abort.abort();
      if (timer) clearTimeout(timer);
    };
  }, [project.id, live]);

  // One older page at a time, by cursor (deep pages cost the server no more than the first).
  const loadingOlder = useRef(false);
  async function older() {
    if (!cursor || loadingOlder.current) return;
    loadingOlder.current = true;
    try {
      const r = await api.GET("/api/projects/{id}/logs", {
        params: { path: { id: project.id }, query: { limit: 100, cursor } },
      });
      if (r.data) {
        setEntries((e) => mergeNewest(e, r.data.items));
        setCursor(r.data.nextCursor ?? null);
      }
    } finally {
      loadingOlder.current = false;
    }
  }

  const shown = useMemo(() => {
    const text = filters.text.toLowerCase();
    return entries.filter(
      (e) =>
        (!filters.status || String(e.responseStatus).startsWith(filters.status)) &&
        (!filters.mock || (filters.mock === "none" ? !e.mockId : e.mockId === filters.mock)) &&
        (!filters.since || e.createdAt >= cutoff) &&
        (!text ||
          `${e.requestMethod} ${e.requestPath}${queryString(e)} ${e.requestBody ?? ""}`
            .toLowerCase()
            .includes(text)),
    );
  }, [entries, filters, cutoff]);

  return (
    <div className="log">
      <div className="filters" role="group" aria-label="Filters">
        <label>
          Status
          <select
            value={filters.status}
            onChange={(e) => setFilters({ ...filters, status: e.target.value })}
          >
            <option value="">any</option>
            <option value="2">2xx</option>
            <option value="3">3xx</option>
            <option value="4">4xx</option>
            <option value="5">5xx</option>
          </select>
        </label>
        <label>
          Mock
          <select
            value={filters.mock}
            onChange={(e) => setFilters({ ...filters, mock: e.target.value })}
          >
            <option value="">any</option>
            <option value="none">unmatched</option>
            {(mocks.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.method} {m.path}
              </option>
            ))}
          </select>
        </label>
        <label>
          Time
          <select
            value={filters.since}
            onChange={(e) => {
              setFilters({ ...filters, since: e.target.value });
              setCutoff(new Date(Date.now() - Number(e.target.value) * 60_000).toISOString());
            }}
          >
            <option value="">all loaded</option>
            <option value="5">last 5 minutes</option>
            <option value="60">last hour</option>
            <option value="1440">last day</option>
          </select>
        </label>
        <label>
          Search
          <input
            type="search"
            value={filters.text}
            onChange={(e) => setFilters({ ...filters, text: e.target.value })}
            placeholder="path, query, body"
          />
        </label>
        <label className="check">
          <input type="checkbox" checked={live} onChange={(e) => setLive(e.target.checked)} /> Live
        </label>
      </div>
      <p className="muted" aria-live="polite">
        {shown.length} of {entries.length} requests loaded
      </p>
      {entries.length === 0 ? (
        <Empty title="No requests yet">
          <p>
            Call <code>{project.baseUrl}</code> plus a mock's path; requests show up here within a
            second.
          </p>
        </Empty>
      ) : (
        <VirtualRows
          rows={shown}
          onSelect={setSelected}
          selected={selected}
          byId={byId}
          onEnd={() => void older()}
        />
      )}
      {cursor && (
        <button type="button" onClick={older}>
          Load older requests
        </button>
      )}
      {selected && (
        <LogDetail
          entry={selected}
          project={project}
          mock={selected.mockId ? byId.get(selected.mockId) : undefined}
          onClose={() => setSelected(null)}
        />
      )}
    </div>
  );
}

function VirtualRows(props: {
  rows: LogEntry[];
  selected: LogEntry | null;
  onSelect: (e: LogEntry) => void;
  byId: Map<string, MockView>;
  /** Scrolled near the end: time for older entries. */
  onEnd: () => void;
}) {
  const box = useRef<HTMLDivElement>(null);
  const [top, setTop] = useState(0);
  const height = 420;
  const first = Math.max(0, Math.floor(top / ROW) - 5);
  const last = Math.min(props.rows.length, first + Math.ceil(height / ROW) + 10);
  return (
    <div
      ref={box}
      className="rows"
      style={{ height }}
      tabIndex={0}
      role="region"
      aria-label="Requests, newest first"
      onScroll={(e) => {
        const el = e.currentTarget;
        setTop(el.scrollTop);
        if (el.scrollHeight - el.scrollTop - height < 2 * height) props.onEnd();
      }}
    >
      <ul style={{ height: props.rows.length * ROW }} aria-label="Requests">
        {props.rows.slice(first, last).map((e, i) => {
          const mock = e.mockId ? props.byId.get(e.mockId) : undefined;
          return (
            <li
              key={e.id}
              style={{ top: (first + i) * ROW }}
              className={props.selected?.id === e.id ? "selected" : ""}
            >
              <button type="button" onClick={() => props.onSelect(e)}>
                <span className={`status s${String(e.responseStatus)[0]}`}>{e.responseStatus}</span>
                <span className={`method m-${e.requestMethod.toLowerCase()}`}>
                  {e.requestMethod}
                </span>
                <code className="path">
                  {e.requestPath}
                  {queryString(e)}
                </code>
                <span className="muted">
                  {mock ? mock.name : e.mockId ? "deleted mock" : "unmatched"}
                </span>
                <span className="muted">{e.responseTimeMs} ms</span>
                <time dateTime={e.createdAt}>{new Date(e.createdAt).toLocaleTimeString()}</time>
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function LogDetail(props: {
  entry: LogEntry;
  project: Schemas["ProjectView"];
  mock?: MockView;
  onClose: () => void;
}) {
  const e = props.entry;
  const url = `${props.project.baseUrl.replace(/\/$/, "")}${e.requestPath}${queryString(e)}`;
  const headers = (e.requestHeaders ?? {}) as Record<string, string>;
  const newMock = `/projects/${props.project.id}/mocks/new?method=${e.requestMethod}&path=${encodeURIComponent(e.requestPath)}`;
  return (
    <aside className="card detail" aria-label="Request detail">
      <div className="page-head">
        <h2>
          {e.requestMethod} <code>{e.requestPath}</code> → {e.responseStatus}
        </h2>
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
      <p>
        {formatTime(e.createdAt)} · {e.responseTimeMs} ms · {e.ipAddress ?? "unknown address"}
      </p>
      <p>
        {props.mock ? (
          <>
            Answered by mock{" "}
            <Link href={`/projects/${props.project.id}/mocks/${props.mock.id}`}>
              {props.mock.name}
            </Link>
            {e.responseId
              ? ` (response ${e.responseId.slice(0, 8)})`
              : " (no response qualified: see the mock's conditions)"}
          </>
        ) : (
          <>No mock matched this method and path.</>
        )}
      </p>
      <div className="row">
        <CopyButton
          text={toCurl({ method: e.requestMethod, url, headers, body: e.requestBody })}
          label="Copy as curl"
        />
        {!props.mock && (
          <Link className="button" href={newMock}>
            Create mock from this request
          </Link>
        )}
      </div>
      <h3>Headers</h3>
      <pre>
        {Object.entries(headers)
          .map(([k, v]) => `${k}: ${v}`)
          .join("\n") || "(none)"}
      </pre>
      <h3>Body{e.requestBodyTruncated ? " (truncated)" : ""}</h3>
      <pre>{e.requestBody || "(empty)"}</pre>
    </aside>
  );
}

type Period = Schemas["Period"];

export function AnalyticsView({
  data,
}: {
  data?: Schemas["Analytics"] | Schemas["ProjectAnalytics"];
}) {
  // The chart's code loads while the figures do.
  useEffect(() => {
    void Chart.preload();
  }, []);
  if (!data) return <p className="loading">Loading…</p>;
  return (
    <>
      <dl className="stats">
        <div>
          <dt>Requests</dt>
          <dd>{data.totalRequests.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Errors</dt>
          <dd>{data.errorCount.toLocaleString()}</dd>
        </div>
        <div>
          <dt>Average</dt>
          <dd>{data.avgResponseTimeMs.toFixed(1)} ms</dd>
        </div>
        <div>
          <dt>p95</dt>
          <dd>{data.p95ResponseTimeMs} ms</dd>
        </div>
      </dl>
      <Suspense fallback={<p className="loading">Loading chart…</p>}>
        <Chart series={data.series} />
      </Suspense>
    </>
  );
}

export function PeriodPicker({
  value,
  onChange,
}: {
  value: Period;
  onChange: (p: Period) => void;
}) {
  return (
    <div className="row" role="group" aria-label="Period">
      {PERIODS.map((p) => (
        <button key={p} type="button" aria-pressed={value === p} onClick={() => onChange(p)}>
          {p}
        </button>
      ))}
    </div>
  );
}

const PERIODS: Period[] = ["hour", "day", "week", "month"];

/** The period a page's `?period=` names (a link keeps the view), day by default. */
export function usePeriod(): [Period, (p: Period) => void] {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const named = new URLSearchParams(search).get("period") as Period | null;
  const period = named && PERIODS.includes(named) ? named : "day";
  return [period, (p) => navigate(`${location}?period=${p}`, { replace: true })];
}

function ProjectAnalytics({ projectId }: { projectId: string }) {
  const [period, setPeriod] = usePeriod();
  const mocks = useMocks(projectId);
  const data = useQuery({
    queryKey: ["analytics", projectId, period],
    queryFn: async () =>
      unwrap(
        await api.GET("/api/projects/{id}/analytics", {
          params: { path: { id: projectId }, query: { period } },
        }),
      ),
  });
  const name = (id?: string | null) => {
    const m = (mocks.data ?? []).find((x) => x.id === id);
    return m ? `${m.method} ${m.path}` : id ? "deleted mock" : "unmatched";
  };
  return (
    <div>
      <PeriodPicker value={period} onChange={setPeriod} />
      <AnalyticsView data={data.data} />
      {data.data && data.data.byMock.length > 0 && (
        <table className="table">
          <caption>Requests per mock</caption>
          <thead>
            <tr>
              <th scope="col">Mock</th>
              <th scope="col">Requests</th>
            </tr>
          </thead>
          <tbody>
            {data.data.byMock.map((m) => (
              <tr key={m.mockId ?? "none"}>
                <td>{name(m.mockId)}</td>
                <td>{m.requests.toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function Settings({ project }: { project: Schemas["ProjectView"] }) {
  const queries = useQueryClient();
  const notify = useNotify();
  const [, navigate] = useLocation();
  const update = useMutation({
    mutationFn: async (isPublic: boolean) =>
      unwrap(
        await api.PUT("/api/projects/{id}", {
          params: { path: { id: project.id } },
          body: { isPublic },
        }),
      ),
    onSuccess: () => queries.invalidateQueries({ queryKey: ["project", project.id] }),
    onError: (e) => notify(errorText(e), "error"),
  });
  const duplicate = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects/{id}/duplicate", { params: { path: { id: project.id } } }),
      ),
    onSuccess: (p) => {
      queries.invalidateQueries({ queryKey: ["projects"] });
      notify(`Duplicated as ${p.name}`);
      navigate(`/projects/${p.id}`);
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const remove = useMutation({
    mutationFn: async () =>
      unwrap(await api.DELETE("/api/projects/{id}", { params: { path: { id: project.id } } })),
    onSuccess: () => {
      queries.invalidateQueries({ queryKey: ["projects"] });
      notify(`Deleted ${project.name}`);
      navigate("/");
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  async function exportFile(format: "mockbird" | "openapi") {
    try {
      const doc = unwrap(
        await api.GET("/api/projects/{id}/export", {
          params: { path: { id: project.id }, query: { format } },
        }),
      );
      const url = URL.createObjectURL(
        new Blob([JSON.stringify(doc, null, 2)], { type: "application/json" }),
      );
      const a = document.createElement("a");
      a.href = url;
      a.download = `${project.slug}.${format}.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) {
      notify(errorText(e), "error");
    }
  }
  return (
    <div className="stack">
      <label className="check">
        <input
          type="checkbox"
          checked={project.isPublic}
          onChange={(e) => update.mutate(e.target.checked)}
        />{" "}
        Public (calls need no API key)
      </label>
      <div className="row">
        <button type="button" onClick={() => exportFile("mockbird")}>
          Export
        </button>
        <button
          type="button"
          onClick={() => exportFile("openapi")}
          title="An OpenAPI 3.1 description of the mocks; imports back to the same project"
        >
          Export OpenAPI
        </button>
        <button type="button" onClick={() => duplicate.mutate()}>
          Duplicate
        </button>
        <ConfirmButton
          label="Delete project"
          danger
          question={`Delete ${project.name} with all its mocks and logs? This cannot be undone.`}
          confirm="Delete"
          onConfirm={() => remove.mutate()}
        />
      </div>
    </div>
  );
}
