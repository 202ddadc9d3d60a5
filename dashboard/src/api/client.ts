// The API client: generated types (schema.d.ts, from the server's OpenAPI
// document) and openapi-fetch, with the session kept in memory and renewed
// from the HttpOnly refresh cookie the server sets in cookie mode.
import createClient from "openapi-fetch";
import type { components, paths } from "./schema";

export type Schemas = components["schemas"];

/** The header that asks the server to keep the refresh token in its cookie. */
export const SESSION_HEADERS = { "X-Mockbird-Session": "cookie" } as const;

let accessToken: string | null = null;
let renewing: Promise<boolean> | null = null;
const listeners = new Set<(signedIn: boolean) => void>();

/** Sets (or clears) the in-memory access token. */
export function setAccessToken(token: string | null) {
  accessToken = token;
  listeners.forEach((l) => l(token !== null));
}

/** The access token, for requests made without the client (streams). */
export function currentAccessToken() {
  return accessToken;
}

/** Whether a session is held. */
export function hasSession() {
  return accessToken !== null;
}

/** Calls `l` whenever the session starts or ends. */
export function onSessionChange(l: (signedIn: boolean) => void) {
  listeners.add(l);
  return () => listeners.delete(l);
}

/** Renews the session from the refresh cookie; false when there is none. */
export function renewSession(): Promise<boolean> {
  renewing ??= (async () => {
    try {
      const res = await fetch("/api/auth/refresh", {
        method: "POST",
        headers: { ...SESSION_HEADERS, "Content-Type": "application/json" },
        body: "{}",
        credentials: "same-origin",
      });
      if (!res.ok) {
        setAccessToken(null);
        return false;
      }
      const body = (await res.json()) as Schemas["Renewed"];
      setAccessToken(body.session.accessToken);
      return true;
    } catch {
      return false;
    } finally {
      renewing = null;
    }
  })();
  return renewing;
}

async function authedFetch(input: Request): Promise<Response> {
  const retry = input.clone();
  if (accessToken) input.headers.set("Authorization", `Bearer ${accessToken}`);
  const res = await fetch(input);
  const path = new URL(input.url).pathname;
  if (res.status !== 401 || path.startsWith("/api/auth/") || accessToken === null) return res;
  if (!(await renewSession())) return res;
  retry.headers.set("Authorization", `Bearer ${accessToken}`);
  return fetch(retry);
}

/** The typed client of `/api`. */
export const api = createClient<paths>({ baseUrl: "", fetch: authedFetch });

/** An error answer of the API. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: string[] = [],
  ) {
    super(message);
  }

  /** The problems reported for `field` (`responses[0].body`), without the field name. */
  forField(field: string): string[] {
    return this.errors
      .filter(
        (e) => e.startsWith(`${field}: `) || e.startsWith(`${field}.`) || e.startsWith(`${field}[`),
      )
      .map((e) => e.slice(e.indexOf(": ") + 2));
  }
}

/** The data of an openapi-fetch result, or throws its error as an ApiError. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const e = (result.error ?? {}) as Partial<Schemas["ErrorBody"]>;
    throw new ApiError(
      result.response.status,
      e.error ?? "HTTP_ERROR",
      e.message ?? `Request failed (${result.response.status})`,
      e.errors ?? [],
    );
  }
  return result.data as T;
}
