// Toasts: short messages for what happened, errors with the server's words.
import { createContext, useCallback, useContext, useState, type ReactNode } from "react";
import { ApiError } from "../api/client";

type Toast = { id: number; text: string; kind: "ok" | "error" };
type Notify = (text: string, kind?: Toast["kind"]) => void;

const Ctx = createContext<Notify>(() => {});
let next = 1;

export function Toasts({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const notify = useCallback<Notify>((text, kind = "ok") => {
    const id = next++;
    setToasts((t) => [...t.slice(-3), { id, text, kind }]);
    setTimeout(
      () => setToasts((t) => t.filter((x) => x.id !== id)),
      kind === "error" ? 8000 : 3000,
    );
  }, []);
  return (
    <Ctx.Provider value={notify}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`}>
            {t.text}
          </div>
        ))}
      </div>
    </Ctx.Provider>
  );
}

/** Shows a toast. */
export function useNotify() {
  return useContext(Ctx);
}

/** A toast-ready message for any thrown value. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError)
    return e.errors.length ? `${e.message}: ${e.errors.join("; ")}` : e.message;
  return e instanceof Error ? e.message : String(e);
}
