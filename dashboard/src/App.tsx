import { lazy, Suspense, useEffect, useState } from "react";
import { Redirect, Route, Switch, useLocation } from "wouter";
import { onSessionChange, renewSession } from "./api/client";
import { preloadable } from "./components/preloadable";
import { Shell } from "./components/shell";
import { AcceptInvitation, ForgotPassword, Login, Register, ResetPassword } from "./pages/auth";
import { Projects } from "./pages/projects";

const Project = preloadable(() => import("./pages/project"));
const MockEditor = preloadable(() => import("./pages/mock"));
const Organization = lazy(() => import("./pages/org"));
const Keys = lazy(() => import("./pages/keys"));
const Billing = lazy(() => import("./pages/billing"));
const Account = lazy(() => import("./pages/account"));
const Reference = lazy(() => import("./pages/reference"));

/** The code of the page a direct visit (a reload, a link) opens, loaded beside the session. */
function preloadOpened(): Promise<unknown> {
  const path = window.location.pathname;
  if (/^\/projects\/[^/]+\/mocks\/[^/]+/.test(path)) return MockEditor.preload();
  if (path.startsWith("/projects/")) return Project.preload();
  return Promise.resolve();
}

/** Pages anyone may open. */
const PUBLIC = ["/login", "/register", "/forgot-password", "/reset-password"];

export function App() {
  const [state, setState] = useState<"checking" | "in" | "out">("checking");
  const [location] = useLocation();
  useEffect(() => {
    const off = onSessionChange((signedIn) => setState(signedIn ? "in" : "out"));
    Promise.all([renewSession(), preloadOpened().catch(() => {})]).then(([ok]) =>
      setState(ok ? "in" : "out"),
    );
    return () => {
      off();
    };
  }, []);
  if (state === "checking") return <p className="loading">Loading…</p>;
  if (state === "out" && !PUBLIC.includes(location)) {
    const next =
      location === "/" ? "" : `?next=${encodeURIComponent(location + window.location.search)}`;
    return <Redirect to={`/login${next}`} replace />;
  }
  if (state === "out") {
    return (
      <Switch>
        <Route path="/login" component={Login} />
        <Route path="/register" component={Register} />
        <Route path="/forgot-password" component={ForgotPassword} />
        <Route path="/reset-password" component={ResetPassword} />
      </Switch>
    );
  }
  return (
    <Shell>
      <Suspense fallback={<p className="loading">Loading…</p>}>
        <Switch>
          <Route path="/" component={Projects} />
          <Route path="/login">
            <Redirect to={new URLSearchParams(window.location.search).get("next") ?? "/"} replace />
          </Route>
          <Route path="/register">
            <Redirect to="/" replace />
          </Route>
          <Route path="/reset-password" component={ResetPassword} />
          <Route path="/projects/:id/mocks/:mockId">
            {(p) => <MockEditor projectId={p.id} mockId={p.mockId} />}
          </Route>
          <Route path="/projects/:id/:tab?">
            {(p) => <Project id={p.id} tab={p.tab ?? "mocks"} />}
          </Route>
          <Route path="/invitations/:token">{(p) => <AcceptInvitation token={p.token} />}</Route>
          <Route path="/organization" component={Organization} />
          <Route path="/keys" component={Keys} />
          <Route path="/billing/:outcome?">{(p) => <Billing outcome={p.outcome} />}</Route>
          <Route path="/account" component={Account} />
          <Route path="/api-reference" component={Reference} />
          <Route>
            <section>
              <h1>Not found</h1>
              <p>
                This page does not exist. <a href="/">Back to projects</a>
              </p>
            </section>
          </Route>
        </Switch>
      </Suspense>
    </Shell>
  );
}
