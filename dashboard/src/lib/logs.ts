// The live log list: entries from the stream and from pages merged newest
// first, each once, within a cap.

type Entry = { id: string; createdAt: string };

/** Merges `incoming` into `current` (both any order), newest first, unique by id, at most `cap`. */
export function mergeNewest<T extends Entry>(current: T[], incoming: T[], cap = 100_000): T[] {
  const seen = new Set<string>();
  const all = [...incoming, ...current].filter((e) =>
    seen.has(e.id) ? false : (seen.add(e.id), true),
  );
  all.sort((x, y) =>
    x.createdAt < y.createdAt ? 1 : x.createdAt > y.createdAt ? -1 : x.id < y.id ? 1 : -1,
  );
  return all.slice(0, cap);
}
