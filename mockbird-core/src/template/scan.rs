//! The O(n) lexical scan that runs before a template is compiled.
//!
//! The scan reads the source the way handlebars' grammar does — escapes
//! (`\{{` is text, `\\{{` a tag), comments (`{{!-- … --}}` when a `--}}`
//! follows anywhere, else `{{! … }}` to the first `}}`), string literals with
//! their escapes, brackets and braces inside tags — and:
//!
//! - rejects partials, inline partials, decorators and raw blocks before the
//!   compiler sees them;
//! - rejects what it cannot read with certainty (an unterminated tag, comment
//!   or string; a path key `[…]` holding quotes or braces), so no quoting,
//!   escaping or comment can make it misread where a tag ends;
//! - estimates nesting conservatively (every `else …` of a chain counts as a
//!   level, as handlebars nests it) and rejects more than [`MAX_NESTING`];
//! - returns the *split points*: top-level places between two elements where
//!   the source can be compiled in separate pieces with the same result.
//!
//! The scan is a filter and a splitter, not the bound: the bound is the depth
//! of what handlebars actually parsed, checked after compiling (see
//! [`super::Template::compile`]), so a misread here can only reject a
//! template or leave it in one piece, never let a deep one through.

use super::TemplateError;

/// Deepest block (or sub-expression) nesting accepted.
pub const MAX_NESTING: usize = 32;

/// What the scan found: where the source may be cut into pieces.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    /// Byte offsets, ascending, at which the source may be split.
    pub splits: Vec<usize>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sigil {
    Open,
    Close,
    Else,
    ElseChain,
    Plain,
    Other,
}

/// Scans `src` as described in the module docs.
pub fn scan(src: &str) -> Result<Scan, TemplateError> {
    let b = src.as_bytes();
    // Weights of the open blocks: 1 + the `else …` links of their chain.
    let mut open: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    let mut splits = Vec::new();
    let mut i = 0;
    while let Some(off) = find(b, i, b"{{") {
        let start = i + off;
        let slashes = b[..start].iter().rev().take_while(|c| **c == b'\\').count();
        if slashes == 1 {
            // `\{{` (or `\{{{{`) is literal text.
            i = start
                + if b[start..].starts_with(b"{{{{") {
                    4
                } else {
                    2
                };
            continue;
        }
        if b[start..].starts_with(b"{{{{") {
            return Err(TemplateError::Forbidden("raw blocks"));
        }
        if b.get(start + 2) == Some(&b'!') {
            i = comment_end(b, start)?;
            continue;
        }
        let (end, sigil) = tag(b, start)?;
        match sigil {
            Sigil::Open => {
                open.push(1);
                depth += 1;
            }
            Sigil::ElseChain => {
                if let Some(w) = open.last_mut() {
                    *w += 1;
                    depth += 1;
                }
            }
            Sigil::Close => depth -= open.pop().unwrap_or(0),
            Sigil::Else | Sigil::Plain | Sigil::Other => {}
        }
        if depth > MAX_NESTING {
            return Err(TemplateError::TooDeep);
        }
        // A top-level simple expression ends a piece when what follows is text
        // that starts with neither white space nor a tag, or another simple
        // expression: no whitespace control or standalone-line rule reaches
        // across such a point.
        if sigil == Sigil::Plain && open.is_empty() && splittable_after(b, end) {
            splits.push(end);
        }
        i = end;
    }
    Ok(Scan { splits })
}

fn splittable_after(b: &[u8], end: usize) -> bool {
    match b.get(end) {
        None => false,
        Some(c) if c.is_ascii_whitespace() || *c == b'\\' => false,
        Some(b'{') => {
            b[end..].starts_with(b"{{")
                && !b[end..].starts_with(b"{{{")
                && tag(b, end).is_ok_and(|(_, s)| s == Sigil::Plain)
        }
        Some(_) => true,
    }
}

/// Where the comment starting at `start` (`{{!`) ends, as the grammar reads it.
fn comment_end(b: &[u8], start: usize) -> Result<usize, TemplateError> {
    if b[start + 3..].starts_with(b"--")
        && let Some(o) = find(b, start + 5, b"--}}")
    {
        return Ok(start + 5 + o + 4);
    }
    match find(b, start + 3, b"}}") {
        Some(o) => Ok(start + 3 + o + 2),
        None => Err(TemplateError::Syntax("unterminated comment".into())),
    }
}

/// Reads the tag starting at `start` (`{{`, not a comment): its end (after
/// `}}`) and what it does to nesting.
fn tag(b: &[u8], start: usize) -> Result<(usize, Sigil), TemplateError> {
    let mut j = skip_ws_tilde(b, start + 2);
    let sigil = match b.get(j) {
        Some(b'>') => return Err(TemplateError::Forbidden("partials")),
        Some(b'*') => return Err(TemplateError::Forbidden("decorators")),
        Some(b'#') => {
            let k = skip_ws_tilde(b, j + 1);
            match b.get(k) {
                Some(b'>') => return Err(TemplateError::Forbidden("partial blocks")),
                Some(b'*') => {
                    return Err(TemplateError::Forbidden("inline partials and decorators"));
                }
                _ => Sigil::Open,
            }
        }
        Some(b'/') => Sigil::Close,
        Some(b'^') => {
            if b[skip_ws_tilde(b, j + 1)..].starts_with(b"}}") {
                Sigil::Else
            } else {
                Sigil::ElseChain
            }
        }
        _ if b[j..].starts_with(b"else") && !b.get(j + 4).is_some_and(|c| is_symbol_char(*c)) => {
            if b[skip_ws_tilde(b, j + 4)..].starts_with(b"}}") {
                Sigil::Else
            } else {
                Sigil::ElseChain
            }
        }
        _ => Sigil::Plain,
    };
    let (mut parens, mut braces) = (0usize, 0usize);
    let mut plain = sigil == Sigil::Plain && b[start + 2] != b'~';
    while j < b.len() {
        match b[j] {
            b'}' if braces == 0 && b.get(j + 1) == Some(&b'}') => {
                plain &= b[j - 1] != b'~' && parens == 0;
                let sigil = if sigil == Sigil::Plain && !plain {
                    Sigil::Other
                } else {
                    sigil
                };
                return Ok((j + 2, sigil));
            }
            b'}' => {
                braces = braces.saturating_sub(1);
                j += 1;
            }
            b'{' => {
                braces += 1;
                plain = false;
                j += 1;
            }
            q @ (b'"' | b'\'') => {
                plain = false;
                j = string_end(b, j + 1, q)?;
            }
            b'[' => {
                plain = false;
                j = bracket_end(b, j + 1)?;
            }
            b'(' => {
                parens += 1;
                if parens > MAX_NESTING {
                    return Err(TemplateError::TooDeep);
                }
                j += 1;
            }
            b')' => {
                parens = parens.saturating_sub(1);
                j += 1;
            }
            _ => j += 1,
        }
    }
    Err(TemplateError::Syntax(
        "unterminated tag (no closing }})".into(),
    ))
}

/// After a string literal's opening quote at `j`: the index after its closing quote.
fn string_end(b: &[u8], mut j: usize, quote: u8) -> Result<usize, TemplateError> {
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == quote => return Ok(j + 1),
            _ => j += 1,
        }
    }
    Err(TemplateError::Syntax("unterminated string literal".into()))
}

/// After `[` at `j - 1`: the index after the matching `]`. Inside brackets
/// (array literals, path keys like `a.[any text]`) quotes and braces are
/// refused: the grammar reads such a bracket two ways, so its end could not
/// be told with certainty. Nested brackets count as nesting.
fn bracket_end(b: &[u8], mut j: usize) -> Result<usize, TemplateError> {
    let mut depth = 1usize;
    while j < b.len() {
        match b[j] {
            b']' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(j + 1);
                }
            }
            b'[' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(TemplateError::TooDeep);
                }
            }
            b'"' | b'\'' | b'{' | b'}' => {
                return Err(TemplateError::Syntax(
                    "quotes and braces inside [ ] are not supported (use the array helper)".into(),
                ));
            }
            _ => {}
        }
        j += 1;
    }
    Err(TemplateError::Syntax("unterminated [ in a tag".into()))
}

fn is_symbol_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'$' | b':') || c >= 0x80
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
    let hay = hay.get(from..)?;
    memchr_find(hay, needle)
}

fn memchr_find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    let first = needle[0];
    let mut at = 0;
    while let Some(p) = hay[at..].iter().position(|c| *c == first) {
        let i = at + p;
        if hay[i..].starts_with(needle) {
            return Some(i);
        }
        at = i + 1;
    }
    None
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
        assert!(scan(&ok).is_ok());
        let over = format!("{}x{}", "{{#if a}}".repeat(33), "{{/if}}".repeat(33));
        assert_eq!(scan(&over), Err(TemplateError::TooDeep));
        let siblings = "{{#if a}}x{{/if}}".repeat(1000);
        assert!(scan(&siblings).is_ok(), "depth, not count, is limited");
    }

    #[test]
    fn else_if_chains_count_as_the_nesting_handlebars_builds() {
        let chain = |n: usize| format!("{{{{#if a}}}}{}x{{{{/if}}}}", "{{else if b}}".repeat(n));
        assert!(scan(&chain(31)).is_ok());
        assert_eq!(scan(&chain(32)), Err(TemplateError::TooDeep));
        assert_eq!(scan(&chain(2000)), Err(TemplateError::TooDeep));
        let plain_else = "{{#if a}}x{{else}}y{{/if}}".repeat(100);
        assert!(scan(&plain_else).is_ok());
    }

    #[test]
    fn deep_subexpressions_are_rejected() {
        let bomb = format!("{{{{size {}x{}}}}}", "(trim ".repeat(100), ")".repeat(100));
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
        let deep_array = format!("{{{{x {}1{}}}}}", "[".repeat(100), "]".repeat(100));
        assert_eq!(scan(&deep_array), Err(TemplateError::TooDeep));
    }

    #[test]
    fn a_closing_brace_pair_inside_a_string_does_not_end_the_tag() {
        let bomb = format!(
            "{{{{size \"}}}}\" {}'x'{}}}}}",
            "(trim ".repeat(1000),
            ")".repeat(1000)
        );
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
    }

    #[test]
    fn double_backslash_before_a_tag_leaves_it_a_tag() {
        let bomb = format!(
            "{}x{}",
            "\\\\{{#if true}}".repeat(1500),
            "\\\\{{/if}}".repeat(1500)
        );
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
        assert!(scan("\\{{#if a}}".repeat(100).as_str()).is_ok(), "escaped");
    }

    #[test]
    fn an_unterminated_long_comment_is_a_short_one() {
        let bomb = format!("{{{{!-- {}x", "{{#if a}}".repeat(2000));
        assert_eq!(scan(&bomb), Err(TemplateError::TooDeep));
        assert!(scan("{{!-- {{#if}} --}}{{! x }}").is_ok());
        assert!(matches!(scan("{{! x"), Err(TemplateError::Syntax(_))));
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
    fn ambiguous_or_unterminated_tags_are_refused() {
        for t in [
            "{{a",
            "{{a \"x}}",
            "{{a.[x\"]}}",
            "{{a.[x{]}}",
            "{{a.[x",
            "{{a.[}}]}}",
        ] {
            assert!(matches!(scan(t), Err(TemplateError::Syntax(_))), "{t}");
        }
        assert!(matches!(
            scan(r#"{{x ["a]"]}}"#),
            Err(TemplateError::Syntax(_))
        ));
        assert!(scan(r#"{{x [1, [2]]}} {{a.[0]}} {{a.[some key]}} {{x {"k": {"j": 1}}}}"#).is_ok());
    }

    #[test]
    fn splits_fall_between_top_level_simple_expressions() {
        let s = scan("{{a}}-{{b}}{{c}} {{#if x}}{{d}}-{{/if}}{{e~}}-{{f}}").unwrap();
        // after {{a}} (text follows), after {{b}} ({{c}} follows); not after
        // {{c}} (white space), nor inside the block, nor after {{e~}} or the end.
        assert_eq!(s.splits, vec![5, 11]);
    }
}
