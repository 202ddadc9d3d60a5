// The frame of every signed-in page: navigation, organization switcher,
// mock-mode notice, command palette (Ctrl/⌘+K) and shortcuts.
import { HELP, shortcutFor } from "../lib/shortcuts";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Link, useLocation } from "wouter";
import { api, SESSION_HEADERS, setAccessToken, unwrap } from "../api/client";
import { chooseOrg, useMe, useOrgs, useSystem } from "../lib/org";

const NAV = [
  ["/", "Projects"],
  ["/organization", "Organization"],
  ["/keys", "API keys"],
  ["/billing", "Billing"],
  ["/api-reference", "API reference"],
  ["/account", "Account"],
] as const;

export function Shell({ children }: { children: ReactNode }) {
  const { orgs, current } = useOrgs();
  const me = useMe();
  const system = useSystem();
  const queries = useQueryClient();
  const [location, navigate] = useLocation();
  const [palette, setPalette] = useState(false);
  const [menu, setMenu] = useState(false);

  const [help, setHelp] = useState(false);
  useEffect(() => {
    let afterG = false;
    const onKey = (e: KeyboardEvent) => {
      const el = e.target instanceof HTMLElement ? e.target : null;
      const typing =
        !!el &&
        (el.isContentEditable ||
          ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) ||
          el.closest("dialog") !== null ||
          el.shadowRoot !== null);
      const action = shortcutFor(e, typing, afterG);
      afterG = action?.kind === "chord";
      if (!action || action.kind === "chord") return;
      e.preventDefault();
      if (action.kind === "palette") setPalette(true);
      else if (action.kind === "help") setHelp(true);
      else if (action.kind === "go") navigate(action.href);
      else if (action.kind === "search")
        document.querySelector<HTMLInputElement>("main input[type=search]")?.focus();
      else if (action.kind === "newMock") {
        const project = /^\/projects\/([^/]+)/.exec(window.location.pathname)?.[1];
        if (project) navigate(`/projects/${project}/mocks/new`);
      } else if (action.kind === "save") {
        const form = (document.activeElement ?? el)?.closest("form");
        form?.requestSubmit();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [navigate]);

  async function signOut() {
    await api.POST("/api/auth/logout", { params: { header: SESSION_HEADERS } }).catch(() => {});
    setAccessToken(null);
    queries.clear();
    navigate("/login");
  }

  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link href="/" className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> MockBird
        </Link>
        <button
          type="button"
          className="menu-toggle"
          aria-expanded={menu}
          onClick={() => setMenu(!menu)}
        >
          Menu
        </button>
        <nav aria-label="Main" className={menu ? "open" : ""}>
          {NAV.map(([href, label]) => (
            <Link
              key={href}
              href={href}
              aria-current={
                href === "/"
                  ? location === "/" || location.startsWith("/projects")
                    ? "page"
                    : undefined
                  : location.startsWith(href)
                    ? "page"
                    : undefined
              }
              onClick={() => setMenu(false)}
            >
              {label}
            </Link>
          ))}
        </nav>
        <div className="topbar-end">
          <label className="visually-hidden" htmlFor="org-switcher">
            Organization
          </label>
          <select
            id="org-switcher"
            value={current?.id ?? ""}
            onChange={(e) => chooseOrg(e.target.value)}
          >
            {orgs.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name} ({o.plan})
              </option>
            ))}
          </select>
          <button
            type="button"
            className="small"
            onClick={() => setPalette(true)}
            aria-keyshortcuts="Control+K"
          >
            Search <kbd>Ctrl K</kbd>
          </button>
          <button
            type="button"
            className="small"
            onClick={() => setHelp(true)}
            aria-keyshortcuts="Shift+Slash"
            aria-label="Keyboard shortcuts"
          >
            <kbd>?</kbd>
          </button>
          <button type="button" className="small" onClick={signOut}>
            Sign out{me.data ? ` ${me.data.name}` : ""}
          </button>
        </div>
      </header>
      {system.data?.mockMode && (
        <div className="banner" role="note">
          Mock mode: {mockServices(system.data.services)} — nothing is charged or sent for real.
        </div>
      )}
      <main id="main">{children}</main>
      {palette && <Palette onClose={() => setPalette(false)} />}
      {help && <ShortcutHelp onClose={() => setHelp(false)} />}
    </div>
  );
}

function mockServices(services: Record<string, unknown>) {
  return Object.entries(services)
    .filter(([, v]) => v === "mock")
    .map(([k]) => k)
    .join(", ");
}

/** The list of keyboard shortcuts (`?`). */
function ShortcutHelp({ onClose }: { onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  return (
    <dialog ref={dialog} className="palette" aria-label="Keyboard shortcuts" onClose={onClose}>
      <h2>Keyboard shortcuts</h2>
      <dl className="shortcuts">
        {HELP.map(([keys, what]) => (
          <div key={keys}>
            <dt>
              <kbd>{keys}</kbd>
            </dt>
            <dd>{what}</dd>
          </div>
        ))}
      </dl>
      <button type="button" autoFocus onClick={() => dialog.current?.close()}>
        Close
      </button>
    </dialog>
  );
}

/** The command palette: go to a project or page, or start a new mock. */
function Palette({ onClose }: { onClose: () => void }) {
  const { current } = useOrgs();
  const [, navigate] = useLocation();
  const [q, setQ] = useState("");
  const [at, setAt] = useState(0);
  const dialog = useRef<HTMLDialogElement>(null);
  const projects = useQuery({
    queryKey: ["projects", current?.id],
    enabled: !!current,
    queryFn: async () =>
      unwrap(await api.GET("/api/projects", { params: { query: { orgId: current!.id } } })),
  });
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const items = useMemo(() => {
    const all: { label: string; href: string }[] = [
      ...(projects.data ?? []).flatMap((p) => [
        { label: `Go to project ${p.name}`, href: `/projects/${p.id}` },
        { label: `New mock in ${p.name}`, href: `/projects/${p.id}/mocks/new` },
        { label: `Live log of ${p.name}`, href: `/projects/${p.id}/logs` },
      ]),
      { label: "New project", href: "/?new=1" },
      ...NAV.map(([href, label]) => ({ label: `Open ${label}`, href })),
    ];
    const words = q.toLowerCase().split(/\s+/).filter(Boolean);
    return all.filter((i) => words.every((w) => i.label.toLowerCase().includes(w))).slice(0, 12);
  }, [projects.data, q]);
  const go = (href: string) => {
    onClose();
    navigate(href);
  };
  return (
    <dialog ref={dialog} className="palette" aria-label="Command palette" onClose={onClose}>
      <input
        autoFocus
        aria-label="Search commands"
        placeholder="Type a project, page or action…"
        value={q}
        onChange={(e) => {
          setQ(e.target.value);
          setAt(0);
        }}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown") setAt((a) => Math.min(a + 1, items.length - 1));
          if (e.key === "ArrowUp") setAt((a) => Math.max(a - 1, 0));
          if (e.key === "Enter" && items[at]) go(items[at].href);
        }}
      />
      <ul role="listbox" aria-label="Commands">
        {items.map((i, n) => (
          <li key={i.href + i.label} role="option" aria-selected={n === at}>
            <button type="button" onClick={() => go(i.href)}>
              {i.label}
            </button>
          </li>
        ))}
      </ul>
    </dialog>
  );
}
