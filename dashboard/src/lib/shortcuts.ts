// Keyboard shortcuts: which keys do what, as a pure function of the key
// pressed, what has focus and the key before (for two-key "g p" chords).

/** What a key press asks for. */
export type Shortcut =
  | { kind: "palette" }
  | { kind: "help" }
  | { kind: "search" }
  | { kind: "save" }
  | { kind: "go"; href: string }
  | { kind: "newMock" }
  | { kind: "chord" };

/** The "g" chords: `g` then a letter opens a page. */
export const GO: Record<string, [string, string]> = {
  p: ["/", "Projects"],
  o: ["/organization", "Organization"],
  k: ["/keys", "API keys"],
  b: ["/billing", "Billing"],
  a: ["/account", "Account"],
  r: ["/api-reference", "API reference"],
};

/** Every shortcut, as the help dialog lists it. */
export const HELP: [string, string][] = [
  ["Ctrl K", "Search projects, pages and actions"],
  ["Ctrl S", "Save the form you are in"],
  ["/", "Search the list on this page"],
  ["n", "New mock (in a project)"],
  ...Object.entries(GO).map(([k, [, label]]) => [`g ${k}`, `Go to ${label}`] as [string, string]),
  ["?", "Show these shortcuts"],
];

type Key = { key: string; ctrlKey: boolean; metaKey: boolean; altKey: boolean };

/**
 * The shortcut of a key press; `typing` when focus is in a text field (only the
 * Ctrl/⌘ shortcuts work there), `afterG` when the previous key was a lone `g`.
 */
export function shortcutFor(e: Key, typing: boolean, afterG: boolean): Shortcut | null {
  const mod = e.ctrlKey || e.metaKey;
  const key = e.key.toLowerCase();
  if (mod && !e.altKey && key === "k") return { kind: "palette" };
  if (mod && !e.altKey && key === "s") return { kind: "save" };
  if (typing || mod || e.altKey) return null;
  if (afterG) {
    const target = GO[key];
    return target ? { kind: "go", href: target[0] } : null;
  }
  switch (e.key) {
    case "?":
      return { kind: "help" };
    case "/":
      return { kind: "search" };
    case "g":
      return { kind: "chord" };
    case "n":
      return { kind: "newMock" };
    default:
      return null;
  }
}
