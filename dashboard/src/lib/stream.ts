// Reads a server-sent-events response (fetch, so the Authorization header
// goes with it) and calls `onEvent` per event until `signal` aborts.
import { hasSession, renewSession } from "../api/client";

export type SseEvent = { event: string; data: string };

/** Splits an SSE text buffer into complete events and the unfinished rest. */
export function parseSse(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const blocks = buffer.split(/\r?\n\r?\n/);
  const rest = blocks.pop() ?? "";
  for (const block of blocks) {
    let event = "message";
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith(":")) continue;
      const i = line.indexOf(":");
      const field = i < 0 ? line : line.slice(0, i);
      const value = i < 0 ? "" : line.slice(i + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length) events.push({ event, data: data.join("\n") });
  }
  return { events, rest };
}

export async function streamEvents(
  url: string,
  token: () => string | null,
  onEvent: (e: SseEvent) => void,
  signal: AbortSignal,
) {
  while (!signal.aborted) {
    try {
      const res = await fetch(url, {
        headers: { Accept: "text/event-stream", Authorization: `Bearer ${token()}` },
        signal,
      });
      if (res.status === 401 && hasSession()) {
        await renewSession();
        continue;
      }
      if (!res.ok || !res.body) throw new Error(`stream answered ${res.status}`);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        const parsed = parseSse(buffer + value);
        buffer = parsed.rest;
        parsed.events.forEach(onEvent);
      }
    } catch {
      if (signal.aborted) return;
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}
