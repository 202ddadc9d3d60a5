// Account settings: name, password change and account deletion.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { useLocation } from "wouter";
import { api, setAccessToken, unwrap } from "../api/client";
import { errorText, useNotify } from "../components/toast";
import { ConfirmButton, Field, FormError } from "../components/ui";
import { useMe } from "../lib/org";

export default function Account() {
  const me = useMe();
  const notify = useNotify();
  const [, navigate] = useLocation();
  const queries = useQueryClient();
  const [pw, setPw] = useState({ oldPassword: "", newPassword: "" });
  const [name, setName] = useState<string | null>(null);
  const rename = useMutation({
    mutationFn: async (name: string) => unwrap(await api.PUT("/api/auth/me", { body: { name } })),
    onSuccess: (user) => {
      queries.setQueryData(["me"], user);
      setName(null);
      notify("Name changed");
    },
  });
  const change = useMutation({
    mutationFn: async () => unwrap(await api.PUT("/api/auth/password", { body: pw })),
    onSuccess: () => {
      setPw({ oldPassword: "", newPassword: "" });
      notify("Password changed");
    },
  });
  const remove = useMutation({
    mutationFn: async () => unwrap(await api.DELETE("/api/auth/me")),
    onSuccess: () => {
      setAccessToken(null);
      navigate("/login");
    },
    onError: (e) => notify(errorText(e), "error"),
  });
  return (
    <section className="narrow">
      <h1>Account</h1>
      {me.data && (
        <p>
          {me.data.name} · {me.data.email}
        </p>
      )}
      <form
        className="card form"
        aria-label="Your name"
        onSubmit={(e) => {
          e.preventDefault();
          rename.mutate(name ?? me.data?.name ?? "");
        }}
      >
        <h2>Name</h2>
        <Field label="Display name">
          {(id) => (
            <input
              id={id}
              required
              maxLength={200}
              autoComplete="name"
              value={name ?? me.data?.name ?? ""}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <FormError error={rename.error} />
        <button className="primary" disabled={rename.isPending}>
          Save name
        </button>
      </form>
      <form
        className="card form"
        aria-label="Change password"
        onSubmit={(e) => {
          e.preventDefault();
          change.mutate();
        }}
      >
        <h2>Change password</h2>
        <Field label="Current password">
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              required
              value={pw.oldPassword}
              onChange={(e) => setPw({ ...pw, oldPassword: e.target.value })}
            />
          )}
        </Field>
        <Field label="New password" hint="At least 8 characters.">
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={pw.newPassword}
              onChange={(e) => setPw({ ...pw, newPassword: e.target.value })}
            />
          )}
        </Field>
        <FormError error={change.error} />
        <button className="primary" disabled={change.isPending}>
          Change password
        </button>
      </form>
      <h2>Delete account</h2>
      <p>Deletes your account and the organizations only you own, with their projects.</p>
      <ConfirmButton
        label="Delete account"
        danger
        question="Delete your account for good?"
        confirm="Delete account"
        onConfirm={() => remove.mutate()}
      />
    </section>
  );
}
