//! Reading a source file, JSON or YAML, within the import limits.

use serde_json::Value;

use crate::{ImportError, Limits};

/// Parses `bytes` as JSON (when it starts with `{` or `[`) or else YAML,
/// refusing input over the size limit, nesting over the depth limit and YAML
/// alias expansion past its budget (an alias bomb is an error, not a hang).
pub(crate) fn parse(bytes: &[u8], limits: &Limits) -> Result<Value, ImportError> {
    if bytes.len() > limits.max_bytes {
        return Err(ImportError::TooLarge {
            limit: limits.max_bytes,
        });
    }
    let text =
        std::str::from_utf8(bytes).map_err(|e| ImportError::Syntax(format!("not UTF-8: {e}")))?;
    let text = text.trim_start_matches('\u{feff}');
    let value: Value = match text.trim_start().as_bytes().first() {
        Some(b'{' | b'[') => serde_json::from_str(text).map_err(|e| {
            if e.to_string().contains("recursion limit") {
                ImportError::TooDeep {
                    limit: limits.max_depth,
                }
            } else {
                ImportError::Syntax(format!("JSON: {e}"))
            }
        })?,
        None => return Err(ImportError::Syntax("the file is empty".to_owned())),
        Some(_) => {
            let mut budget = serde_saphyr::Budget::default();
            budget.max_depth = limits.max_depth;
            budget.max_documents = 1;
            let mut options = serde_saphyr::Options::default();
            options.budget = Some(budget);
            // YAML 1.2 (as OpenAPI 3.1 requires): only `true`/`false` are
            // booleans, so `country: NO` or a header value `Y` stays text.
            options.strict_booleans = true;
            // Far below the default million: a spec has no use for mass alias replay.
            options.alias_limits.max_total_replayed_events = 100_000;
            serde_saphyr::from_str_with_options(text, options)
                .map_err(|e| ImportError::Syntax(format!("YAML: {e}")))?
        }
    };
    if depth(&value) > limits.max_depth {
        return Err(ImportError::TooDeep {
            limit: limits.max_depth,
        });
    }
    Ok(value)
}

/// The nesting depth of `value` (a scalar is 0), without recursion.
fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0usize)];
    while let Some((v, d)) = stack.pop() {
        deepest = deepest.max(d);
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|i| (i, d + 1))),
            Value::Object(map) => stack.extend(map.values().map(|i| (i, d + 1))),
            _ => {}
        }
    }
    deepest
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_and_yaml_read_alike() {
        let l = Limits::default();
        let json = parse(br#"{"a": [1, "x"]}"#, &l).unwrap();
        let yaml = parse(b"a:\n  - 1\n  - x\n", &l).unwrap();
        assert_eq!(json, yaml);
    }

    #[test]
    fn size_depth_syntax_and_alias_bombs_are_refused() {
        let l = Limits {
            max_bytes: 100,
            max_depth: 8,
            ..Limits::default()
        };
        assert!(matches!(
            parse(&[b' '; 101], &l),
            Err(ImportError::TooLarge { limit: 100 })
        ));
        let deep = format!("{}{}", "[".repeat(20), "]".repeat(20));
        assert!(matches!(
            parse(deep.as_bytes(), &l),
            Err(ImportError::TooDeep { limit: 8 })
        ));
        assert!(matches!(
            parse(b"{\"a\": ", &l),
            Err(ImportError::Syntax(_))
        ));
        assert!(matches!(parse(b"", &l), Err(ImportError::Syntax(_))));
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
                    c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
                    e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
                    g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n";
        let big = Limits::default();
        assert!(matches!(
            parse(bomb.as_bytes(), &big),
            Err(ImportError::Syntax(_))
        ));
    }
}
