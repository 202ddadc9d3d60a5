// Projects: list with mock counts and live URLs, create, import; the first
// project's onboarding.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, ApiError, unwrap, type Schemas } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { CopyButton, Empty, Field, FormError } from "../components/ui";
import { useOrgs } from "../lib/org";

export function useProjects(orgId?: string) {
  return useQuery({
    queryKey: ["projects", orgId],
    enabled: !!orgId,
    queryFn: async () =>
      unwrap(await api.GET("/api/projects", { params: { query: { orgId: orgId! } } })),
  });
}

export function Projects() {
  const { current } = useOrgs();
  const projects = useProjects(current?.id);
  const search = useSearch();
  const [creating, setCreating] = useState(new URLSearchParams(search).has("new"));
  const list = projects.data ?? [];
  return (
    <section>
      <div className="page-head">
        <h1>Projects</h1>
        <div className="row">
          <ImportButton orgId={current?.id} />
          <button className="primary" onClick={() => setCreating(true)}>
            New project
          </button>
        </div>
      </div>
      {creating && current && (
        <CreateProject orgId={current.id} onDone={() => setCreating(false)} />
      )}
      {projects.isLoading ? (
        <p className="loading">Loading…</p>
      ) : list.length === 0 && !creating ? (
        <Empty title="Create your first mock API">
          <ol className="steps">
            <li>Create a project: it gets its own live URL.</li>
            <li>
              Add a mock: a method, a path such as <code>/users/{"{id}"}</code>, and a JSON
              response.
            </li>
            <li>Call the URL from your app and watch the requests arrive in the live log.</li>
          </ol>
          <button className="primary" onClick={() => setCreating(true)}>
            Create a project
          </button>
        </Empty>
      ) : (
        <ul className="cards" aria-label="Projects">
          {list.map((p) => (
            <li key={p.id} className="card">
              <h2>
                <Link href={`/projects/${p.id}`}>{p.name}</Link>
              </h2>
              <p className="muted">
                {p.mockCount} {p.mockCount === 1 ? "mock" : "mocks"} ·{" "}
                {p.isPublic ? "public" : "private"}
              </p>
              <p className="url">
                <code>{p.baseUrl}</code> <CopyButton text={p.baseUrl} label="Copy URL" />
              </p>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function CreateProject({ orgId, onDone }: { orgId: string; onDone: () => void }) {
  const [form, setForm] = useState({ name: "", slug: "", isPublic: true });
  const queries = useQueryClient();
  const [, navigate] = useLocation();
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/projects", {
          body: {
            name: form.name,
            isPublic: form.isPublic,
            orgId,
            ...(form.slug ? { slug: form.slug } : {}),
          },
        }),
      ),
    onSuccess: (p) => {
      queries.invalidateQueries({ queryKey: ["projects"] });
      onDone();
      navigate(`/projects/${p.id}`);
    },
  });
  const problems = (f: string) =>
    create.error instanceof ApiError ? create.error.forField(f) : [];
  return (
    <form
      className="card form"
      aria-label="New project"
      onSubmit={(e) => {
        e.preventDefault();
        create.mutate();
      }}
    >
      <h2>New project</h2>
      <Field label="Name" errors={problems("name")}>
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            required
            autoFocus
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.target.value })}
          />
        )}
      </Field>
      <Field
        label="Slug (optional)"
        hint="Lower-case letters, digits and dashes; the URL is /m/{slug}/."
        errors={problems("slug")}
      >
        {(id, d) => (
          <input
            id={id}
            aria-describedby={d}
            value={form.slug}
            pattern="[a-z0-9-]*"
            onChange={(e) => setForm({ ...form, slug: e.target.value })}
          />
        )}
      </Field>
      <label className="check">
        <input
          type="checkbox"
          checked={form.isPublic}
          onChange={(e) => setForm({ ...form, isPublic: e.target.checked })}
        />{" "}
        Public: anyone with the URL can call its mocks (private ones need an API key)
      </label>
      <FormError error={create.error} />
      <div className="row">
        <button type="button" onClick={onDone}>
          Cancel
        </button>
        <button className="primary" disabled={create.isPending}>
          Create project
        </button>
      </div>
    </form>
  );
}

type ImportReport = Schemas["Report"];

/**
 * Import a project file (a MockBird export, OpenAPI 3, Swagger 2, Postman, HAR, Mockoon or
 * WireMock mappings, JSON or YAML): shows what was created and what was not carried over, or every problem.
 */
function ImportButton({ orgId }: { orgId?: string }) {
  const queries = useQueryClient();
  const notify = useNotify();
  const [problems, setProblems] = useState<string[]>([]);
  const [report, setReport] = useState<{ id: string; name: string; report: ImportReport } | null>(
    null,
  );
  const [, navigate] = useLocation();
  const run = useMutation({
    mutationFn: async (file: File) => {
      const text = await file.text();
      const yaml = /\.ya?ml$/i.test(file.name) || !/^\s*[[{]/.test(text);
      return unwrap(
        await api.POST("/api/projects/import", {
          params: { query: { orgId } },
          body: text as unknown as Schemas["ExportDocument"],
          bodySerializer: (b) => b as unknown as string,
          headers: { "Content-Type": yaml ? "application/yaml" : "application/json" },
        }),
      );
    },
    onSuccess: (r) => {
      const done = r as Schemas["Imported"];
      setProblems([]);
      queries.invalidateQueries({ queryKey: ["projects"] });
      notify(`Imported ${done.project.name}: ${done.project.mockCount} mocks`);
      if (done.report.notes.length === 0) navigate(`/projects/${done.project.id}`);
      else setReport({ id: done.project.id, name: done.project.name, report: done.report });
    },
    onError: (e) =>
      setProblems(e instanceof ApiError && e.errors.length ? e.errors : [errorText(e)]),
  });
  return (
    <div>
      <label className="button">
        Import…
        <input
          type="file"
          accept="application/json,.json,application/yaml,.yaml,.yml,.har"
          className="visually-hidden"
          aria-label="Import a project file"
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) run.mutate(f);
            e.target.value = "";
          }}
        />
      </label>
      {report && (
        <section className="card" aria-label="Import report">
          <h2>
            Imported <Link href={`/projects/${report.id}`}>{report.name}</Link> from{" "}
            {report.report.format}
          </h2>
          <p>
            {report.report.mocks} mocks, {report.report.responses} responses;{" "}
            {report.report.notes.length} things were not carried over as they were:
          </p>
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Where</th>
                <th scope="col">What</th>
                <th scope="col">Instead</th>
              </tr>
            </thead>
            <tbody>
              {report.report.notes.map((n, i) => (
                <tr key={i}>
                  <td>
                    <code>{n.at || "/"}</code>
                  </td>
                  <td>{n.construct}</td>
                  <td>{n.instead}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {problems.length > 0 && (
        <div className="form-error" role="alert">
          <p>The file was not imported:</p>
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
