//! Handlebars templating of response bodies: strict, sandboxed, size-capped.
//!
//! A body is a template only if it contains `{{`; others are served as-is.
//! Templates are checked when saved ([`validate`]): an O(n) pre-scan
//! ([`scan`]) rejects partials, inline partials, decorators and nesting deeper
//! than 32 *before* compiling, then unknown helpers are rejected. Rendering
//! writes through an output that fails past [`MAX_OUTPUT_BYTES`], so an
//! expansion bomb stops while it renders. No helper reads files or the
//! environment. Helpers follow WireMock's and Mockoon's names (see [`HELPERS`]).
//!
//! ```
//! use mockbird_core::template::Template;
//! let t = Template::compile(r#"{"id": "{{request.params.id}}", "n": {{math 2 '*' 21}}}"#).unwrap();
//! let ctx = serde_json::json!({"request": {"params": {"id": "u1"}}});
//! assert_eq!(t.render(ctx, chrono::Utc::now()).unwrap(), r#"{"id": "u1", "n": 42}"#);
//! ```

mod helpers;
pub mod scan;

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use handlebars::template::{Parameter, TemplateElement};
use handlebars::{Handlebars, Output, RenderContext, Renderable};

pub use helpers::HELPERS;

/// Largest rendered body, in bytes (5 MiB).
pub const MAX_OUTPUT_BYTES: usize = 5 * 1024 * 1024;
/// Most iterations of one `repeat` block.
pub const MAX_REPEAT: u64 = 10_000;
/// Longest string a single helper call may produce (`randomValue length=…`).
pub const MAX_HELPER_STRING: usize = 100_000;

/// Why a template was rejected or failed to render.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// Uses a construct the sandbox forbids.
    #[error("template uses {0}, which are not allowed")]
    Forbidden(&'static str),
    /// Blocks or sub-expressions nested deeper than 32.
    #[error("template nests blocks deeper than {}", scan::MAX_NESTING)]
    TooDeep,
    /// Not valid Handlebars.
    #[error("invalid template: {0}")]
    Syntax(String),
    /// Calls a helper that does not exist.
    #[error("unknown template helper {0:?}")]
    UnknownHelper(String),
    /// Rendering failed (missing value in strict mode, bad helper argument, …).
    #[error("template failed: {0}")]
    Render(String),
    /// Rendering produced more than [`MAX_OUTPUT_BYTES`].
    #[error("template output exceeds {} bytes", MAX_OUTPUT_BYTES)]
    OutputTooLarge,
}

/// Whether a body is rendered as a template (it contains `{{`).
pub fn is_template(body: &str) -> bool {
    body.contains("{{")
}

/// Checks a template as at save time: pre-scan, compile, known helpers only.
pub fn validate(src: &str) -> Result<(), TemplateError> {
    Template::compile(src).map(drop)
}

static REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    helpers::register(&mut hb);
    hb
});

/// Built-in helpers of handlebars-rust that templates may use.
const BUILTINS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or",
    "not", "len",
];

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    inner: handlebars::Template,
}

impl Template {
    /// Scans, compiles and checks helper names.
    pub fn compile(src: &str) -> Result<Self, TemplateError> {
        scan::scan(src)?;
        let inner =
            handlebars::Template::compile(src).map_err(|e| TemplateError::Syntax(e.to_string()))?;
        check_elements(&inner.elements)?;
        Ok(Template { inner })
    }

    /// Renders with `ctx` as data and `now` as the clock helpers see.
    pub fn render(
        &self,
        ctx: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<String, TemplateError> {
        let ctx = handlebars::Context::from(ctx);
        let mut out = CappedOutput {
            buf: String::new(),
            over: false,
        };
        let mut rc = RenderContext::new(None);
        let result = helpers::with_clock(now, || {
            self.inner.render(&REGISTRY, &ctx, &mut rc, &mut out)
        });
        match result {
            Ok(()) => Ok(out.buf),
            Err(_) if out.over => Err(TemplateError::OutputTooLarge),
            Err(e) => Err(TemplateError::Render(render_error_text(&e))),
        }
    }
}

fn render_error_text(e: &handlebars::RenderError) -> String {
    let mut msg = e.reason().to_string();
    if let (Some(line), Some(col)) = (e.line_no, e.column_no) {
        msg.push_str(&format!(" (line {line}, column {col})"));
    }
    msg
}

fn is_known(name: &str) -> bool {
    BUILTINS.contains(&name) || HELPERS.contains(&name)
}

fn check_elements(elements: &[TemplateElement]) -> Result<(), TemplateError> {
    for el in elements {
        match el {
            TemplateElement::Expression(h)
            | TemplateElement::HtmlExpression(h)
            | TemplateElement::HelperBlock(h) => {
                if let Parameter::Name(name) = &h.name {
                    let call = h.block || !h.params.is_empty() || !h.hash.is_empty();
                    if call && !is_known(name) {
                        return Err(TemplateError::UnknownHelper(name.clone()));
                    }
                }
                check_params(h.params.iter().chain(h.hash.values()))?;
                if let Some(t) = &h.template {
                    check_elements(&t.elements)?;
                }
                if let Some(t) = &h.inverse {
                    check_elements(&t.elements)?;
                }
            }
            TemplateElement::DecoratorExpression(_) | TemplateElement::DecoratorBlock(_) => {
                return Err(TemplateError::Forbidden("decorators"));
            }
            TemplateElement::PartialExpression(_) | TemplateElement::PartialBlock(_) => {
                return Err(TemplateError::Forbidden("partials"));
            }
            TemplateElement::RawString(_) | TemplateElement::Comment(_) => {}
            _ => return Err(TemplateError::Forbidden("unsupported constructs")),
        }
    }
    Ok(())
}

fn check_params<'a>(params: impl Iterator<Item = &'a Parameter>) -> Result<(), TemplateError> {
    for p in params {
        if let Parameter::Subexpression(sub) = p {
            if !is_known(sub.name()) {
                return Err(TemplateError::UnknownHelper(sub.name().to_owned()));
            }
            check_elements(std::slice::from_ref(&sub.element))?;
        }
    }
    Ok(())
}

/// An output that refuses to grow past [`MAX_OUTPUT_BYTES`].
struct CappedOutput {
    buf: String,
    over: bool,
}

impl Output for CappedOutput {
    fn write(&mut self, seg: &str) -> Result<(), std::io::Error> {
        if self.buf.len() + seg.len() > MAX_OUTPUT_BYTES {
            self.over = true;
            return Err(std::io::Error::other("template output too large"));
        }
        self.buf.push_str(seg);
        Ok(())
    }
}

#[cfg(test)]
mod tests;
