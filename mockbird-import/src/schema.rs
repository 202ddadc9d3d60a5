//! Example values from JSON Schema (OpenAPI's dialects): `example`/`examples`
//! and `default` first, else made from `type`, `format`, `enum`, `properties`,
//! `items`, `allOf`/`oneOf`/`anyOf`, following local `$ref`s. Deterministic;
//! bounded in depth, in `$ref` recursion and in the number of values made, so
//! a hostile document cannot make it spin or grow without end.

use serde_json::{Map, Value, json};

use crate::report::Report;

/// Deepest schema nesting followed; deeper parts become `null`.
const MAX_DEPTH: usize = 12;
/// Most values made for one example.
const MAX_NODES: usize = 5_000;

/// Makes examples from the schemas of one source document.
pub(crate) struct Examples<'a> {
    root: &'a Value,
    nodes: usize,
    refs: Vec<String>,
}

impl<'a> Examples<'a> {
    /// Examples for schemas of `root` (the whole document, where `$ref`s point).
    pub(crate) fn new(root: &'a Value) -> Self {
        Examples {
            root,
            nodes: 0,
            refs: Vec::new(),
        }
    }

    /// An example of `schema` (found at `at`); problems go to `report`.
    pub(crate) fn of(&mut self, schema: &Value, at: &str, report: &mut Report) -> Value {
        self.nodes = 0;
        self.refs.clear();
        let v = self.make(schema, at, 0, report);
        if self.nodes > MAX_NODES {
            report.note(
                at,
                "a schema whose example would exceed 5,000 values",
                "the example was cut (null past the limit)",
            );
        }
        v
    }

    /// Resolves a local `$ref`; other references are noted, never fetched.
    pub(crate) fn resolve(
        &self,
        reference: &str,
        at: &str,
        report: &mut Report,
    ) -> Option<&'a Value> {
        match reference.strip_prefix('#') {
            Some(pointer) => {
                let found = self.root.pointer(pointer);
                if found.is_none() {
                    report.note(at, format!("$ref {reference} to nothing"), "left out");
                }
                found
            }
            None => {
                report.note(
                    at,
                    format!("$ref {reference} to another file or URL"),
                    "not fetched; left out",
                );
                None
            }
        }
    }

    fn make(&mut self, schema: &Value, at: &str, depth: usize, report: &mut Report) -> Value {
        self.nodes += 1;
        if depth > MAX_DEPTH || self.nodes > MAX_NODES {
            return Value::Null;
        }
        let Some(s) = schema.as_object() else {
            return Value::Null;
        };
        if let Some(Value::String(r)) = s.get("$ref") {
            if self.refs.iter().any(|seen| seen == r) {
                // A recursive schema: stop at its second visit.
                return Value::Null;
            }
            let Some(target) = self.resolve(r, at, report) else {
                return Value::Null;
            };
            self.refs.push(r.clone());
            let v = self.make(target, at, depth + 1, report);
            self.refs.pop();
            return v;
        }
        if let Some(v) = s.get("example") {
            return v.clone();
        }
        if let Some(Value::Array(list)) = s.get("examples")
            && let Some(first) = list.first()
        {
            return first.clone();
        }
        for key in ["default", "const"] {
            if let Some(v) = s.get(key) {
                return v.clone();
            }
        }
        if let Some(Value::Array(options)) = s.get("enum")
            && let Some(first) = options.first()
        {
            return first.clone();
        }
        if let Some(Value::Array(parts)) = s.get("allOf") {
            let mut merged = Map::new();
            let mut other = None;
            for part in parts {
                match self.make(part, at, depth + 1, report) {
                    Value::Object(m) => merged.extend(m),
                    v => other = other.or(Some(v)),
                }
            }
            return if merged.is_empty() {
                other.unwrap_or(Value::Null)
            } else {
                Value::Object(merged)
            };
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(Value::Array(options)) = s.get(key)
                && let Some(first) = options.iter().find(|o| !is_null_type(o))
            {
                return self.make(first, at, depth + 1, report);
            }
        }
        match type_of(s) {
            Some("object") => {
                let mut out = Map::new();
                if let Some(Value::Object(props)) = s.get("properties") {
                    for (name, prop) in props {
                        if self.nodes > MAX_NODES {
                            break;
                        }
                        out.insert(name.clone(), self.make(prop, at, depth + 1, report));
                    }
                }
                Value::Object(out)
            }
            Some("array") => {
                let n = s
                    .get("minItems")
                    .and_then(Value::as_u64)
                    .unwrap_or(1)
                    .clamp(1, 3);
                let item = s.get("items").cloned().unwrap_or(Value::Null);
                let mut out = Vec::new();
                for _ in 0..n {
                    out.push(self.make(&item, at, depth + 1, report));
                }
                Value::Array(out)
            }
            Some("string") => json!(string_for(s.get("format").and_then(Value::as_str))),
            Some("integer") => s
                .get("minimum")
                .and_then(Value::as_i64)
                .map_or(json!(0), |m| json!(m)),
            Some("number") => s.get("minimum").cloned().unwrap_or(json!(0.0)),
            Some("boolean") => json!(true),
            _ => Value::Null,
        }
    }
}

/// The schema's type: `type` (the first non-null one of a 3.1 list), or
/// `object` when it lists properties.
fn type_of(s: &Map<String, Value>) -> Option<&str> {
    match s.get("type") {
        Some(Value::String(t)) => Some(t),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null"),
        _ if s.contains_key("properties") => Some("object"),
        _ if s.contains_key("items") => Some("array"),
        _ => None,
    }
}

fn is_null_type(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("null")
}

/// An example string in `format`.
fn string_for(format: Option<&str>) -> &'static str {
    match format {
        Some("date-time") => "2026-01-01T12:00:00Z",
        Some("date") => "2026-01-01",
        Some("time") => "12:00:00",
        Some("email") => "user@example.com",
        Some("uuid") => "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        Some("uri" | "url") => "https://example.com/",
        Some("hostname") => "example.com",
        Some("ipv4") => "192.0.2.1",
        Some("ipv6") => "2001:db8::1",
        Some("byte") => "ZXhhbXBsZQ==",
        Some("password") => "********",
        _ => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example(root: &Value, schema: &Value) -> (Value, Report) {
        let mut report = Report::new("test");
        let v = Examples::new(root).of(schema, "/s", &mut report);
        (v, report)
    }

    #[test]
    fn types_formats_enums_and_examples() {
        let root = json!({});
        let schema = json!({"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"},
            "at": {"type": "string", "format": "date-time"},
            "n": {"type": "integer", "minimum": 5},
            "kind": {"type": "string", "enum": ["a", "b"]},
            "given": {"type": "string", "example": "Ada"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "maybe": {"type": ["null", "boolean"]}
        }});
        let (v, r) = example(&root, &schema);
        assert_eq!(
            v,
            json!({"id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "at": "2026-01-01T12:00:00Z",
                   "n": 5, "kind": "a", "given": "Ada", "tags": ["string", "string"], "maybe": true})
        );
        assert!(r.notes.is_empty());
    }

    #[test]
    fn refs_compose_and_recursion_stops() {
        let root = json!({"components": {"schemas": {
            "Named": {"type": "object", "properties": {"name": {"type": "string"}}},
            "Node": {"allOf": [{"$ref": "#/components/schemas/Named"},
                     {"type": "object", "properties": {"child": {"$ref": "#/components/schemas/Node"}}}]},
            "Pet": {"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/Named"}]}
        }}});
        let (v, _) = example(&root, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(v, json!({"name": "string", "child": null}));
        let (v, _) = example(&root, &json!({"$ref": "#/components/schemas/Pet"}));
        assert_eq!(v, json!({"name": "string"}));
    }

    #[test]
    fn outside_refs_are_reported_never_fetched() {
        let (v, r) = example(
            &json!({}),
            &json!({"$ref": "https://evil.example/schema.json"}),
        );
        assert_eq!(v, Value::Null);
        assert!(
            r.notes[0].construct.contains("another file or URL"),
            "{r:?}"
        );
        let (_, r) = example(&json!({}), &json!({"$ref": "#/nowhere"}));
        assert!(r.notes[0].construct.contains("to nothing"));
    }

    #[test]
    fn wide_and_deep_schemas_are_bounded() {
        // Every level refers twice to the next: 2^30 values unbounded.
        let mut defs = Map::new();
        for i in 0..30 {
            let next = format!("#/d/L{}", i + 1);
            defs.insert(
                format!("L{i}"),
                json!({"type": "object", "properties": {"a": {"$ref": next}, "b": {"$ref": next}}}),
            );
        }
        let root = json!({"d": defs});
        let (v, _) = example(&root, &json!({"$ref": "#/d/L0"}));
        assert!(serde_json::to_string(&v).unwrap().len() < 200_000);
    }
}
