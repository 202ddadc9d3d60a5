// Sign up, sign in, forgot and reset password, accepting an invitation.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { api, ApiError, SESSION_HEADERS, setAccessToken, unwrap } from "../api/client";
import { useNotify } from "../components/toast";
import { Field, FormError } from "../components/ui";
import { chooseOrg } from "../lib/org";

function AuthCard({ title, children }: { title: string; children: ReactNode }) {
  return (
    <main id="main" className="auth">
      <div className="card">
        <p className="brand">
          <img src="/favicon.svg" alt="" width="28" height="28" /> MockBird
        </p>
        <h1>{title}</h1>
        {children}
      </div>
    </main>
  );
}

function nextPage(search: string) {
  const next = new URLSearchParams(search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") ? next : "/";
}

export function Login() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const login = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/auth/login", {
          params: { header: SESSION_HEADERS },
          body: { email, password },
        }),
      ),
    onSuccess: (r) => {
      setAccessToken(r.session.accessToken);
      navigate(nextPage(search), { replace: true });
    },
  });
  return (
    <AuthCard title="Sign in">
      <form
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          login.mutate();
        }}
      >
        <Field label="Email">
          {(id) => (
            <input
              id={id}
              type="email"
              autoComplete="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          )}
        </Field>
        <Field label="Password">
          {(id) => (
            <input
              id={id}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <FormError error={login.error} />
        <button className="primary" disabled={login.isPending}>
          Sign in
        </button>
      </form>
      <p>
        <Link href="/forgot-password">Forgot your password?</Link> · New here?{" "}
        <Link href={`/register${search ? `?${search}` : ""}`}>Create an account</Link>
      </p>
    </AuthCard>
  );
}

export function Register() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const [form, setForm] = useState({ name: "", email: "", password: "" });
  const register = useMutation({
    mutationFn: async () =>
      unwrap(
        await api.POST("/api/auth/register", { params: { header: SESSION_HEADERS }, body: form }),
      ),
    onSuccess: (r) => {
      setAccessToken(r.session.accessToken);
      navigate(nextPage(search), { replace: true });
    },
  });
  const problems = (f: string) =>
    register.error instanceof ApiError ? register.error.forField(f) : [];
  return (
    <AuthCard title="Create your account">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          register.mutate();
        }}
      >
        <Field label="Name" errors={problems("name")}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              autoComplete="name"
              required
              value={form.name}
              onChange={(e) => setForm({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Email" errors={problems("email")}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="email"
              autoComplete="email"
              required
              value={form.email}
              onChange={(e) => setForm({ ...form, email: e.target.value })}
            />
          )}
        </Field>
        <Field label="Password" hint="At least 8 characters." errors={problems("password")}>
          {(id, d) => (
            <input
              id={id}
              aria-describedby={d}
              type="password"
              autoComplete="new-password"
              required
              minLength={8}
              value={form.password}
              onChange={(e) => setForm({ ...form, password: e.target.value })}
            />
          )}
        </Field>
        <FormError error={register.error} />
        <button className="primary" disabled={register.isPending}>
          Create account
        </button>
      </form>
      <p>
        Already have an account? <Link href={`/login${search ? `?${search}` : ""}`}>Sign in</Link>
      </p>
    </AuthCard>
  );
}

export function ForgotPassword() {
  const [email, setEmail] = useState("");
  const forgot = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/auth/forgot-password", { body: { email } })),
  });
  return (
    <AuthCard title="Reset your password">
      {forgot.isSuccess ? (
        <p role="status">
          If an account exists for {email}, an email with a reset link is on its way.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            forgot.mutate();
          }}
        >
          <Field label="Email">
            {(id) => (
              <input
                id={id}
                type="email"
                autoComplete="email"
                required
                value={email}
                onChange={(e) => setEmail(e.target.value)}
              />
            )}
          </Field>
          <FormError error={forgot.error} />
          <button className="primary" disabled={forgot.isPending}>
            Send reset link
          </button>
        </form>
      )}
      <p>
        <Link href="/login">Back to sign in</Link>
      </p>
    </AuthCard>
  );
}

export function ResetPassword() {
  const token = new URLSearchParams(useSearch()).get("token") ?? "";
  const [password, setPassword] = useState("");
  const reset = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/auth/reset-password", { body: { token, password } })),
  });
  return (
    <AuthCard title="Choose a new password">
      {!token ? (
        <p role="alert">This link has no reset token. Ask for a new one.</p>
      ) : reset.isSuccess ? (
        <p role="status">
          Your password is changed. <Link href="/login">Sign in</Link>
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            reset.mutate();
          }}
        >
          <Field label="New password" hint="At least 8 characters.">
            {(id, d) => (
              <input
                id={id}
                aria-describedby={d}
                type="password"
                autoComplete="new-password"
                required
                minLength={8}
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            )}
          </Field>
          <FormError error={reset.error} />
          <button className="primary" disabled={reset.isPending}>
            Set password
          </button>
        </form>
      )}
      <p>
        <Link href="/forgot-password">Ask for a new link</Link>
      </p>
    </AuthCard>
  );
}

export function AcceptInvitation({ token }: { token: string }) {
  const [, navigate] = useLocation();
  const notify = useNotify();
  const queries = useQueryClient();
  const accept = useMutation({
    mutationFn: async () =>
      unwrap(await api.POST("/api/invitations/{token}/accept", { params: { path: { token } } })),
    onSuccess: (org) => {
      queries.invalidateQueries({ queryKey: ["orgs"] });
      chooseOrg(org.id);
      notify(`You joined ${org.name}`);
      navigate("/");
    },
  });
  return (
    <section className="narrow">
      <h1>Join an organization</h1>
      <p>You were invited to an organization on MockBird.</p>
      <FormError error={accept.error} />
      <button className="primary" onClick={() => accept.mutate()} disabled={accept.isPending}>
        Accept invitation
      </button>
    </section>
  );
}
