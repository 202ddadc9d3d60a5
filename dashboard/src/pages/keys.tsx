// API keys of the organization: create (the secret shown once), rotate, revoke.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api, unwrap } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { ConfirmButton, CopyButton, Empty, Field, FormError, formatTime } from "../components/ui";
import { useOrgs } from "../lib/org";

export default function Keys() {
  const { current } = useOrgs();
  const queries = useQueryClient();
  const notify = useNotify();
  const [name, setName] = useState("");
  const [days, setDays] = useState("");
  const [secret, setSecret] = useState<string | null>(null);
  const keys = useQuery({
    queryKey: ["keys"],
    queryFn: async () => unwrap(await api.GET("/api/keys")),
  });
  const done = (k: { key: string }) => {
    setSecret(k.key);
    queries.invalidateQueries({ queryKey: ["keys"] });
  };
  const create = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/keys", {
          body: {
            name,
            orgId: current?.id,
            ...(days
              ? { expiresAt: new Date(Date.now() + Number(days) * 86_400_000).toISOString() }
              : {}),
          },
        }),
      ),
    onSuccess: (k) => {
      setName("");
      done(k);
    },
  });
  const rotate = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.POST("/api/keys/{id}/rotate", { params: { path: { id } } })),
    onSuccess: done,
    onError: (e) => notify(errorText(e), "error"),
  });
  const revoke = useMutation({
    mutationFn: async (id: string) =>
      unwrap(await api.DELETE("/api/keys/{id}", { params: { path: { id } } })),
    onSuccess: () => {
      notify("Key revoked");
      queries.invalidateQueries({ queryKey: ["keys"] });
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  const list = (keys.data ?? []).filter((k) => !current || k.orgId === current.id);
  return (
    <section>
      <h1>API keys</h1>
      <p>
        A key calls the API as you, and the mocks of private projects: send it as{" "}
        <code>X-API-Key</code>.
      </p>
      <form
        className="card form"
        aria-label="New API key"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <div className="grid">
          <Field label="Key name">
            {(id) => (
              <input
                id={id}
                required
                value={name}
                onChange={(e) => setName(e.target.value)}
                placeholder="CI"
              />
            )}
          </Field>
          <Field label="Expires in days (optional)">
            {(id) => (
              <input
                id={id}
                type="number"
                min={1}
                value={days}
                onChange={(e) => setDays(e.target.value)}
              />
            )}
          </Field>
        </div>
        <FormError error={create.error} />
        <button className="primary" disabled={create.isPending}>
          Create key
        </button>
      </form>
      {secret && (
        <div className="card secret" role="status">
          <p>Copy this key now: it is not shown again.</p>
          <code data-testid="secret">{secret}</code> <CopyButton text={secret} label="Copy key" />
          <button type="button" className="small" onClick={() => setSecret(null)}>
            Done
          </button>
        </div>
      )}
      {list.length === 0 ? (
        <Empty title="No keys yet" />
      ) : (
        <table className="table">
          <caption className="visually-hidden">API keys</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Prefix</th>
              <th scope="col">Expires</th>
              <th scope="col">Last used</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{k.expiresAt ? formatTime(k.expiresAt) : "never"}</td>
                <td>{k.lastUsedAt ? formatTime(k.lastUsedAt) : "never"}</td>
                <td className="row">
                  <button
                    type="button"
                    className="small"
                    onClick={() => rotate.mutate(k.id)}
                    aria-label={`Rotate ${k.name}`}
                  >
                    Rotate
                  </button>
                  <ConfirmButton
                    label={`Revoke ${k.name}`}
                    danger
                    question={`Revoke ${k.name}? Calls with it stop working at once.`}
                    confirm="Revoke"
                    onConfirm={() => revoke.mutate(k.id)}
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
