// The organization the dashboard works in: chosen in the switcher, kept
// across reloads, the personal one by default.
import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import { api, unwrap } from "../api/client";

const KEY = "mockbird.org";
const subscribers = new Set<() => void>();

export function chooseOrg(id: string) {
  localStorage.setItem(KEY, id);
  subscribers.forEach((s) => s());
}

function chosen() {
  return localStorage.getItem(KEY);
}

/** The organizations of the user and the current one. */
export function useOrgs() {
  const orgs = useQuery({
    queryKey: ["orgs"],
    queryFn: async () => unwrap(await api.GET("/api/orgs")),
  });
  const id = useSyncExternalStore((s) => (subscribers.add(s), () => subscribers.delete(s)), chosen);
  const list = orgs.data ?? [];
  const current = list.find((o) => o.id === id) ?? list[0];
  return { orgs: list, current, loading: orgs.isLoading };
}

/** The user. */
export function useMe() {
  return useQuery({ queryKey: ["me"], queryFn: async () => unwrap(await api.GET("/api/auth/me")) });
}

/** What the server runs (mock services, mock domain). */
export function useSystem() {
  return useQuery({
    queryKey: ["system"],
    queryFn: async () => unwrap(await api.GET("/api/system")),
    staleTime: 60_000,
  });
}
