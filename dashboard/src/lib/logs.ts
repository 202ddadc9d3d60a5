// The live log list: entries from the stream and from pages merged newest
// first, each once, within a cap.

type Entry = { id: string; createdAt: string };

/** Newest first: by time, then by id (the server's order). */
function newer(x: Entry, y: Entry): number {
  return x.createdAt < y.createdAt
    ? 1
    : x.createdAt > y.createdAt
      ? -1
      : x.id < y.id
        ? 1
        : x.id > y.id
          ? -1
          : 0;
}

/**
 * Merges `incoming` (any order) into `current` (a previous result: newest first, unique),
 * newest first, unique by id, at most `cap`. Linear in the list's length: a burst of live
 * entries into 100,000 loaded ones costs a merge, not a sort.
 */
export function mergeNewest<T extends Entry>(current: T[], incoming: T[], cap = 100_000): T[] {
  const add = [...incoming].sort(newer);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (out.length < cap && (i < current.length || j < add.length)) {
    const order = i === current.length ? 1 : j === add.length ? -1 : newer(current[i]!, add[j]!);
    const next = order <= 0 ? current[i++]! : add[j++]!;
    if (order === 0) j++;
    if (out.length === 0 || out[out.length - 1]!.id !== next.id) out.push(next);
  }
  return out;
}
