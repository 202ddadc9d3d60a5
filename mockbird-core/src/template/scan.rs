//! The O(n) pre-scan that runs before a template is compiled.
//!
//! handlebars-rust has no depth limit: a recursive inline partial, or blocks
//! nested a few thousand deep, overflow the stack and abort the process, which
//! no `catch_unwind` can stop. So a template is read once, byte by byte, and
//! rejected before the compiler sees it when it uses partials, inline partials,
//! decorators or raw blocks, or nests blocks or sub-expressions deeper than
//! [`MAX_NESTING`].

use super::TemplateError;

/// Deepest block (or sub-expression) nesting accepted.
pub const MAX_NESTING: usize = 32;

/// Checks `src` as described in the module docs.
pub fn scan(src: &str) -> Result<(), TemplateError> {
    let b = src.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while let Some(off) = find(b, i, b"{{") {
        let start = i + off;
        if start > 0 && b[start - 1] == b'\\' {
            i = start + 2; // `\{{` is literal text
            continue;
        }
        if b[start..].starts_with(b"{{{{") {
            return Err(TemplateError::Forbidden("raw blocks"));
        }
        let mut j = start + 2;
        if b.get(j) == Some(&b'{') {
            j += 1;
        }
        j = skip_ws_tilde(b, j);
        match b.get(j) {
            Some(b'!') => {
                let end = if b[j..].starts_with(b"!--") {
                    find(b, j, b"--}}").map(|o| o + 4)
                } else {
                    find(b, j, b"}}").map(|o| o + 2)
                };
                i = end.map_or(b.len(), |o| j + o);
                continue;
            }
            Some(b'>') => return Err(TemplateError::Forbidden("partials")),
            Some(b'*') => return Err(TemplateError::Forbidden("decorators")),
            Some(b'#') => {
                let k = skip_ws_tilde(b, j + 1);
                match b.get(k) {
                    Some(b'>') => return Err(TemplateError::Forbidden("partial blocks")),
                    Some(b'*') => {
                        return Err(TemplateError::Forbidden("inline partials and decorators"));
                    }
                    _ => depth += 1,
                }
            }
            Some(b'^') => {
                let k = skip_ws_tilde(b, j + 1);
                if !b[k..].starts_with(b"}}") {
                    depth += 1; // `{{^name}}` opens an inverse block; a bare `{{^}}` is `else`
                }
            }
            Some(b'/') => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > MAX_NESTING {
            return Err(TemplateError::TooDeep);
        }
        let end = find(b, j, b"}}").map_or(b.len(), |o| j + o);
        check_parens(&b[j..end])?;
        i = end;
    }
    Ok(())
}

fn check_parens(expr: &[u8]) -> Result<(), TemplateError> {
    let (mut depth, mut quote) = (0usize, None);
    for &c in expr {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, b'"' | b'\'') => quote = Some(c),
            (None, b'(') => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(TemplateError::TooDeep);
                }
            }
            (None, b')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

fn skip_ws_tilde(b: &[u8], mut j: usize) -> usize {
    while b
        .get(j)
        .is_some_and(|c| *c == b'~' || c.is_ascii_whitespace())
    {
        j += 1;
    }
    j
}

fn find(hay: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    hay.get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_43_byte_recursive_inline_partial_is_rejected() {
        let bomb = r#"{{#*inline "p"}}x{{> p}}{{/inline}}{{> p}}"#;
        assert!(matches!(scan(bomb), Err(TemplateError::Forbidden(_))));
    }

    #[test]
    fn if_nested_2000_deep_is_rejected_before_compiling() {
        let bomb = format!("{}x{}", "{{#if true}}".repeat(2000), "{{/if}}".repeat(2000));
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
    }

    #[test]
    fn nesting_limit_is_exactly_32() {
        let ok = format!("{}x{}", "{{#if a}}".repeat(32), "{{/if}}".repeat(32));
        assert_eq!(scan(&ok), Ok(()));
        let over = format!("{}x{}", "{{#if a}}".repeat(33), "{{/if}}".repeat(33));
        assert_eq!(scan(&over), Err(TemplateError::TooDeep));
        let siblings = "{{#if a}}x{{/if}}".repeat(1000);
        assert_eq!(scan(&siblings), Ok(()), "depth, not count, is limited");
    }

    #[test]
    fn deep_subexpressions_are_rejected() {
        let bomb = format!("{{{{size {}x{}}}}}", "(trim ".repeat(100), ")".repeat(100));
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
    }

    #[test]
    fn every_partial_and_decorator_form_is_rejected() {
        for t in [
            "{{> p}}",
            "{{~> p}}",
            "{{#> layout}}x{{/layout}}",
            "{{#*inline \"a\"}}{{/inline}}",
            "{{*dec}}",
            "{{{{raw}}}}x{{{{/raw}}}}",
        ] {
            assert!(matches!(scan(t), Err(TemplateError::Forbidden(_))), "{t}");
        }
    }

    #[test]
    fn comments_escapes_and_else_are_not_counted() {
        assert_eq!(scan(r"{{!-- {{> p}} --}}\{{> q}}{{! {{#if}} }}"), Ok(()));
        let elses = format!(
            "{}{}",
            "{{#if a}}x{{^}}y{{else}}z".repeat(32),
            "{{/if}}".repeat(32)
        );
        assert_eq!(scan(&elses), Ok(()));
    }
}
