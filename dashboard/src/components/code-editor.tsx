// The response body editor: CodeMirror 6 with JSON highlighting and
// Handlebars `{{…}}` marked (loaded with the mock editor only). It lives in a
// shadow root: there CodeMirror's styles go in constructed style sheets,
// which the page's CSP (`style-src 'self'`, no inline `<style>`) allows.
import { useEffect, useRef } from "react";
import { EditorView, basicSetup } from "codemirror";
import { json } from "@codemirror/lang-json";
import {
  Decoration,
  MatchDecorator,
  ViewPlugin,
  type DecorationSet,
  type ViewUpdate,
} from "@codemirror/view";

const handlebars = new MatchDecorator({
  regexp: /\{\{\{[^}]*\}\}\}|\{\{[^}]*\}\}/g,
  decoration: Decoration.mark({ class: "cm-hbs" }),
});

const highlightHandlebars = ViewPlugin.fromClass(
  class {
    decorations: DecorationSet;
    constructor(view: EditorView) {
      this.decorations = handlebars.createDeco(view);
    }
    update(u: ViewUpdate) {
      this.decorations = handlebars.updateDeco(u, this.decorations);
    }
  },
  { decorations: (v) => v.decorations },
);

// The page's colours (custom properties cross the shadow boundary).
const theme = EditorView.theme({
  "&": { minHeight: "8rem", backgroundColor: "var(--card)", color: "var(--fg)" },
  ".cm-content": {
    caretColor: "var(--fg)",
    fontFamily: "ui-monospace, SFMono-Regular, Menlo, monospace",
  },
  ".cm-gutters": {
    backgroundColor: "var(--bg)",
    color: "var(--muted)",
    borderRight: "1px solid var(--line)",
  },
  ".cm-activeLine, .cm-activeLineGutter": { backgroundColor: "transparent" },
  ".cm-hbs": { color: "#c026d3", fontWeight: "600" },
  "&.cm-focused": { outline: "2px solid var(--accent)" },
});

export default function CodeEditor(props: {
  value: string;
  onChange: (v: string) => void;
  label: string;
  json: boolean;
}) {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  useEffect(() => {
    onChange.current = props.onChange;
  });
  useEffect(() => {
    if (!box.current) return;
    const root = box.current.shadowRoot ?? box.current.attachShadow({ mode: "open" });
    const v = new EditorView({
      doc: props.value,
      root,
      parent: root,
      extensions: [
        basicSetup,
        theme,
        ...(props.json ? [json()] : []),
        highlightHandlebars,
        EditorView.lineWrapping,
        EditorView.contentAttributes.of({ "aria-label": props.label }),
        EditorView.updateListener.of((u) => {
          if (u.docChanged) onChange.current(u.state.doc.toString());
        }),
      ],
    });
    view.current = v;
    return () => v.destroy();
    // The editor is made once per mount; outside changes are pushed below.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.json]);
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
    }
  }, [props.value]);
  return <div ref={box} className="code" />;
}
