import { describe, expect, it } from "vitest";
import { normalize, summarize, validateCondition } from "./conditions";
import { shellQuote, toCurl } from "./curl";
import { pathParams, pathProblems } from "./paths";
import { mergeNewest } from "./logs";

describe("conditions", () => {
  it("summarizes rows and presence tests", () => {
    expect(summarize([])).toBe("always");
    expect(
      summarize([
        { type: "query", field: "page", operator: "equals", value: "2" },
        { type: "header", field: "X-Env", operator: "exists" },
      ]),
    ).toBe('query.page = "2" AND header.X-Env exists');
  });
  it("asks for what the server would refuse", () => {
    expect(validateCondition({ type: "header", field: "", operator: "equals", value: "" })).toEqual(
      ["field is required", "value is required"],
    );
    expect(validateCondition({ type: "query", field: "q", operator: "regex", value: "(" })).toEqual(
      ["value is not a valid regular expression"],
    );
    expect(validateCondition({ type: "query", field: "n", operator: "gt", value: "ten" })).toEqual([
      "value must be a number for this operator",
    ]);
    expect(
      validateCondition({ type: "method", field: "", operator: "equals", value: "POST" }),
    ).toEqual([]);
  });
  it("drops the value of presence tests", () => {
    expect(normalize({ type: "cookie", field: "s", operator: "notExists", value: "x" })).toEqual({
      type: "cookie",
      field: "s",
      operator: "notExists",
    });
  });
});

describe("curl", () => {
  it("quotes what a shell would expand", () => {
    expect(shellQuote("it's $HOME `x`")).toBe(`'it'\\''s $HOME \`x\`'`);
    expect(
      toCurl({
        method: "POST",
        url: "http://h/m/a/x?q=1&r=2",
        headers: { "Content-Type": "application/json" },
        body: '{"a":"\'"}',
      }),
    ).toBe(
      `curl -X POST 'http://h/m/a/x?q=1&r=2' -H 'Content-Type: application/json' --data-raw '{"a":"'\\''"}'`,
    );
    expect(toCurl({ method: "GET", url: "http://h/" })).toBe("curl 'http://h/'");
  });
});

describe("paths", () => {
  it("accepts parameters and a final wildcard", () => {
    expect(pathProblems("/users/{id}/files/{*rest}")).toEqual([]);
    expect(pathParams("/users/{id}/files/{*rest}")).toEqual(["id", "rest"]);
  });
  it("explains malformed paths", () => {
    expect(pathProblems("users")).toContain("must start with /");
    expect(pathProblems("/a/{*rest}/b")).toContain("{*rest} must be the last segment");
    expect(pathProblems("/a/{id")).toContain("segment 2: unbalanced braces");
    expect(pathProblems("/a?x=1")).toContain(
      "must not contain a query string (use a query condition)",
    );
  });
});

describe("log list", () => {
  it("puts new entries first without repeating any", () => {
    const a = { id: "a", createdAt: "2026-01-01T00:00:01Z" };
    const b = { id: "b", createdAt: "2026-01-01T00:00:02Z" };
    const c = { id: "c", createdAt: "2026-01-01T00:00:03Z" };
    expect(mergeNewest([b, a], [c, b]).map((e) => e.id)).toEqual(["c", "b", "a"]);
  });
  it("orders entries of one instant by id and drops repeats inside a batch", () => {
    const at = "2026-01-01T00:00:05Z";
    const x = { id: "x", createdAt: at };
    const y = { id: "y", createdAt: at };
    expect(mergeNewest([y], [x, y, x]).map((e) => e.id)).toEqual(["y", "x"]);
  });
  it("appends an older page behind many loaded entries and interleaves live ones", () => {
    const stamp = (n: number) => new Date(Date.UTC(2026, 0, 1) + n * 1000).toISOString();
    const loaded = Array.from({ length: 50_000 }, (_, i) => ({
      id: `l${i}`,
      createdAt: stamp(100_000 - i),
    }));
    const older = Array.from({ length: 100 }, (_, i) => ({ id: `o${i}`, createdAt: stamp(i) }));
    const live = [{ id: "new", createdAt: stamp(200_000) }, loaded[10]!];
    const merged = mergeNewest(mergeNewest(loaded, older), live);
    expect(merged).toHaveLength(50_101);
    expect(merged[0]!.id).toBe("new");
    expect(merged[50_100]!.id).toBe("o0");
    expect(merged.every((e, i) => i === 0 || merged[i - 1]!.createdAt >= e.createdAt)).toBe(true);
  });
  it("keeps at most the cap, newest first", () => {
    const many = Array.from({ length: 10 }, (_, i) => ({
      id: String(i),
      createdAt: `2026-01-01T00:00:0${i}Z`,
    }));
    expect(mergeNewest([], many, 3).map((e) => e.id)).toEqual(["9", "8", "7"]);
  });
});

import { parseSse } from "./stream";
describe("server-sent events", () => {
  it("splits complete events, skips comments, keeps the rest", () => {
    const { events, rest } = parseSse(
      ': keep-alive\n\nevent: log\ndata: {"a":1}\n\nevent: lagged\ndata: 3\n\nevent: log\nda',
    );
    expect(events).toEqual([
      { event: "log", data: '{"a":1}' },
      { event: "lagged", data: "3" },
    ]);
    expect(rest).toBe("event: log\nda");
  });
});

import { jsonProblem } from "./body";
describe("response body check", () => {
  it("accepts JSON with template tags in value places", () => {
    expect(jsonProblem('{"id": "{{request.params.id}}", "n": {{request.query.n}}}')).toBeNull();
    expect(jsonProblem("")).toBeNull();
  });
  it("reports broken JSON", () => {
    expect(jsonProblem('{"a": 1,}')).not.toBeNull();
    expect(jsonProblem('{"a": }')).not.toBeNull();
  });
});

import { shortcutFor } from "./shortcuts";
describe("keyboard shortcuts", () => {
  const key = (k: string, mod = {}) => ({
    key: k,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    ...mod,
  });
  it("works the Ctrl/⌘ shortcuts everywhere, the single keys only outside text fields", () => {
    expect(shortcutFor(key("k", { ctrlKey: true }), true, false)).toEqual({ kind: "palette" });
    expect(shortcutFor(key("S", { metaKey: true }), true, false)).toEqual({ kind: "save" });
    expect(shortcutFor(key("?"), false, false)).toEqual({ kind: "help" });
    expect(shortcutFor(key("?"), true, false)).toBeNull();
    expect(shortcutFor(key("n"), false, false)).toEqual({ kind: "newMock" });
    expect(shortcutFor(key("n", { altKey: true }), false, false)).toBeNull();
  });
  it("opens pages with g chords and ignores unknown second keys", () => {
    expect(shortcutFor(key("g"), false, false)).toEqual({ kind: "chord" });
    expect(shortcutFor(key("k"), false, true)).toEqual({ kind: "go", href: "/keys" });
    expect(shortcutFor(key("x"), false, true)).toBeNull();
    expect(shortcutFor(key("k"), true, true)).toBeNull();
  });
});
