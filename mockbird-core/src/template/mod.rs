//! Handlebars templating of response bodies: strict, sandboxed, budgeted.
//!
//! A body is a template only if it contains `{{`; others are served as-is.
//! Templates are checked when saved ([`validate`]):
//!
//! - an O(n) lexical scan ([`scan`]) rejects partials, inline partials,
//!   decorators, raw blocks and anything it cannot read with certainty, and
//!   finds where the source can be cut;
//! - the source is compiled in pieces cut there (handlebars' compiler costs
//!   time quadratic in the length of what it compiles at once), at most
//!   [`MAX_PIECE_BYTES`] a piece;
//! - the *compiled* tree — what handlebars actually parsed — is measured
//!   without recursion: blocks, `else if` links and sub-expressions nested
//!   deeper than [`scan::MAX_NESTING`] are rejected (and such a tree is taken
//!   apart iteratively, so not even dropping it can recurse deeply); then
//!   unknown helpers are rejected.
//!
//! Rendering runs under a [`Budget`] of steps and time (every helper call,
//! loop iteration and output write is a step) and writes through an output
//! that fails past [`MAX_OUTPUT_BYTES`]; exceeding either is a
//! [`TemplateError`]. The nesting bound keeps the render's stack far below
//! the 2 MiB of a Tokio worker (a test renders the deepest template allowed
//! on a 256 KiB thread). No helper reads files or the environment. Helpers
//! follow WireMock's and Mockoon's names (see [`HELPERS`]).
//!
//! ```
//! use mockbird_core::template::Template;
//! let t = Template::compile(r#"{"id": "{{request.params.id}}", "n": {{math 2 '*' 21}}}"#).unwrap();
//! let ctx = serde_json::json!({"request": {"params": {"id": "u1"}}});
//! assert_eq!(t.render(ctx, chrono::Utc::now()).unwrap(), r#"{"id": "u1", "n": 42}"#);
//! ```

mod budget;
mod builtins;
mod helpers;
mod reads;
pub mod scan;

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use handlebars::template::{Parameter, TemplateElement};
use handlebars::{Handlebars, Output, RenderContext, Renderable};

pub use budget::{Budget, Exceeded};
pub use helpers::HELPERS;

/// Largest piece of a template compiled at once (64 KiB): a top-level block
/// longer than this, or a run of tags with no place to cut it, is rejected.
pub const MAX_PIECE_BYTES: usize = 64 * 1024;
/// Pieces are cut at the first split point past this many bytes.
const PIECE_TARGET: usize = 1024;

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
    /// Rendering ran out of its [`Budget`].
    #[error("{}", over_budget(.0))]
    OverBudget(Exceeded),
    /// A piece that cannot be cut is longer than [`MAX_PIECE_BYTES`].
    #[error("template has a block or a run of tags longer than {} KiB; split it into smaller blocks", MAX_PIECE_BYTES / 1024)]
    PieceTooLarge,
}

fn over_budget(e: &Exceeded) -> String {
    match e {
        Exceeded::Steps(n) => format!(
            "template exceeded its budget of {n} steps (helper calls, loop iterations, writes)"
        ),
        Exceeded::Time(t) => format!("template took longer than {} ms", t.as_millis()),
    }
}

/// Whether a body is rendered as a template (it contains `{{`).
pub fn is_template(body: &str) -> bool {
    body.contains("{{")
}

/// Checks a template as at save time: pre-scan, compile, known helpers only.
pub fn validate(src: &str) -> Result<(), TemplateError> {
    Template::compile(src).map(drop)
}

static REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(handlebars::no_escape));

/// The registry of JSON bodies: `{{x}}` inside a JSON string is escaped as
/// JSON string content (see [`Template::compile_json`]).
static JSON_REGISTRY: LazyLock<Handlebars<'static>> = LazyLock::new(|| registry(json_escape));

fn registry(escape: fn(&str) -> String) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(escape);
    helpers::register(&mut hb);
    hb
}

/// `s` as the inside of a JSON string literal: `a"b` → `a\"b`.
fn json_escape(s: &str) -> String {
    // The common case (an id, a name) needs no escape: one copy, no JSON writer.
    if !s.bytes().any(|b| b == b'"' || b == b'\\' || b < 0x20) {
        return s.to_owned();
    }
    let quoted = serde_json::Value::from(s).to_string();
    quoted[1..quoted.len() - 1].to_owned()
}

/// Where the text of a JSON template stands: inside a string literal or not,
/// and just after a backslash there.
#[derive(Debug, Clone, Copy, Default)]
struct JsonState {
    in_string: bool,
    escaped: bool,
}

impl JsonState {
    fn read(&mut self, text: &str) {
        for c in text.bytes() {
            match (self.in_string, self.escaped, c) {
                (true, true, _) => self.escaped = false,
                (true, false, b'\\') => self.escaped = true,
                (_, false, b'"') => self.in_string = !self.in_string,
                _ => {}
            }
        }
    }
}

/// Marks the expressions that stand outside JSON strings as raw (their
/// output is JSON: numbers, objects, arrays); those inside strings stay
/// escaped. Blocks are read with the state they start in; what follows a
/// block continues from the state after its main branch. Recursive over the
/// blocks, whose nesting the compile already bounded ([`scan::MAX_NESTING`]).
fn mark_json(elements: &mut [TemplateElement], state: &mut JsonState) {
    for el in elements {
        match el {
            TemplateElement::RawString(text) => state.read(text),
            TemplateElement::Expression(_) if !state.in_string => {
                if let TemplateElement::Expression(h) =
                    std::mem::replace(el, TemplateElement::Comment(String::new()))
                {
                    *el = TemplateElement::HtmlExpression(h);
                }
            }
            TemplateElement::HelperBlock(h) => {
                let start = *state;
                if let Some(t) = h.template.as_mut() {
                    mark_json(&mut t.elements, state);
                }
                if let Some(t) = h.inverse.as_mut() {
                    mark_json(&mut t.elements, &mut start.clone());
                }
            }
            _ => {}
        }
    }
}

/// Built-in helpers of handlebars-rust that templates may use.
const BUILTINS: &[&str] = &[
    "if", "unless", "each", "with", "lookup", "eq", "ne", "gt", "gte", "lt", "lte", "and", "or",
    "not", "len",
];

/// Cuts `src` at split points into pieces of about [`PIECE_TARGET`] bytes.
fn pieces(src: &str, splits: &[usize]) -> Result<Vec<(usize, usize)>, TemplateError> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut last_split = 0;
    for &s in splits.iter().chain(std::iter::once(&src.len())) {
        if s - start > MAX_PIECE_BYTES {
            // The part from the last split point to `s` cannot be cut.
            if s - last_split > MAX_PIECE_BYTES {
                return Err(TemplateError::PieceTooLarge);
            }
            out.push((start, last_split));
            start = last_split;
        }
        if s - start >= PIECE_TARGET || s == src.len() {
            out.push((start, s));
            start = s;
        }
        last_split = s;
    }
    Ok(out.into_iter().filter(|(a, b)| a < b).collect())
}

/// Compiles `src[a..b]`; its line numbers moved to where the piece starts.
fn compile_piece(src: &str, a: usize, b: usize) -> Result<handlebars::Template, TemplateError> {
    let t = handlebars::Template::compile(&src[a..b]).map_err(|e| {
        let line = src[..a].bytes().filter(|c| *c == b'\n').count();
        TemplateError::Syntax(shift_lines(&e.to_string(), line))
    })?;
    Ok(t)
}

fn shift_lines(msg: &str, by: usize) -> String {
    if by == 0 {
        return msg.to_owned();
    }
    format!("{msg} (in the part starting at line {})", by + 1)
}

/// A compiled template.
#[derive(Debug, Clone)]
pub struct Template {
    inner: handlebars::Template,
    /// Compiled for a JSON body ([`Template::compile_json`]).
    json: bool,
    /// The fields of `request` it reads.
    reads: crate::request::Fields,
}

impl Template {
    /// Scans, compiles (in pieces), bounds the depth of what was parsed and
    /// checks helper names.
    pub fn compile(src: &str) -> Result<Self, TemplateError> {
        let scan = scan::scan(src)?;
        let mut inner = handlebars::Template::new();
        let mut line_base = 0;
        let mut counted_to = 0;
        for (a, b) in pieces(src, &scan.splits)? {
            let mut piece = compile_piece(src, a, b)?;
            line_base += src[counted_to..a].bytes().filter(|c| *c == b'\n').count();
            counted_to = a;
            let col_base = a - src[..a].rfind('\n').map_or(0, |n| n + 1);
            if let Err(e) = guard_depth(&piece.elements) {
                dismantle(piece);
                return Err(e);
            }
            inner.elements.extend(piece.elements);
            for m in &mut piece.mapping {
                if m.0 == 1 {
                    m.1 += col_base;
                }
                m.0 += line_base;
            }
            inner.mapping.extend(piece.mapping);
        }
        check_elements(&inner.elements)?;
        let reads = reads::reads(&inner.elements);
        Ok(Template {
            inner,
            json: false,
            reads,
        })
    }

    /// Compiles a template for a JSON body, which stays valid JSON whatever
    /// the request carries: `{{x}}` inside a JSON string is inserted
    /// JSON-escaped (`a"b` → `a\"b`); outside a string (`"n": {{x}}`) it is
    /// inserted as is, being JSON itself. `{{{x}}}` always inserts as is.
    pub fn compile_json(src: &str) -> Result<Self, TemplateError> {
        let mut t = Self::compile(src)?;
        mark_json(&mut t.inner.elements, &mut JsonState::default());
        t.json = true;
        Ok(t)
    }

    /// The fields of `request` this template reads: a context holding only
    /// those ([`crate::request::RequestView::template_context_of`]) renders
    /// the same text as the whole request.
    pub fn reads(&self) -> crate::request::Fields {
        self.reads
    }

    /// Renders with `ctx` as data and `now` as the clock helpers see, under
    /// [`Budget::FULL`].
    pub fn render(
        &self,
        ctx: serde_json::Value,
        now: DateTime<Utc>,
    ) -> Result<String, TemplateError> {
        self.render_within(ctx, now, Budget::FULL)
    }

    /// Renders under `budget`.
    pub fn render_within(
        &self,
        ctx: serde_json::Value,
        now: DateTime<Utc>,
        budget: Budget,
    ) -> Result<String, TemplateError> {
        let ctx = handlebars::Context::from(ctx);
        let mut out = CappedOutput {
            buf: String::new(),
            over: false,
        };
        let mut rc = RenderContext::new(None);
        let (result, exceeded) = budget::metered(budget, || {
            helpers::with_clock(now, || {
                let registry = if self.json { &JSON_REGISTRY } else { &REGISTRY };
                self.inner.render(registry, &ctx, &mut rc, &mut out)
            })
        });
        match result {
            Ok(()) => Ok(out.buf),
            Err(_) if out.over => Err(TemplateError::OutputTooLarge),
            Err(_) if exceeded.is_some() => Err(TemplateError::OverBudget(exceeded.expect("some"))),
            Err(e) => Err(TemplateError::Render(render_error_text(&e))),
        }
    }
}

/// One level of the compiled tree: what an element nests.
fn children(el: &TemplateElement) -> impl Iterator<Item = Nested<'_>> {
    let helper = match el {
        TemplateElement::Expression(h)
        | TemplateElement::HtmlExpression(h)
        | TemplateElement::HelperBlock(h) => Some(h),
        _ => None,
    };
    helper.into_iter().flat_map(|h| {
        let params = h
            .params
            .iter()
            .chain(h.hash.values())
            .chain(std::iter::once(&h.name));
        let subs = params.filter_map(|p| match p {
            Parameter::Subexpression(s) => Some(Nested::Element(&s.element)),
            _ => None,
        });
        let templates = h
            .template
            .iter()
            .chain(h.inverse.iter())
            .map(|t| Nested::Elements(&t.elements));
        subs.chain(templates).collect::<Vec<_>>()
    })
}

enum Nested<'a> {
    Element(&'a TemplateElement),
    Elements(&'a [TemplateElement]),
}

/// Fails when the compiled tree nests deeper than [`scan::MAX_NESTING`];
/// walks it with an explicit stack, never deeper than the limit.
fn guard_depth(top: &[TemplateElement]) -> Result<(), TemplateError> {
    let mut stack: Vec<(&TemplateElement, usize)> = top.iter().map(|e| (e, 0)).collect();
    while let Some((el, depth)) = stack.pop() {
        for child in children(el) {
            if depth + 1 > scan::MAX_NESTING {
                return Err(TemplateError::TooDeep);
            }
            match child {
                Nested::Element(e) => stack.push((e, depth + 1)),
                Nested::Elements(es) => stack.extend(es.iter().map(|e| (e, depth + 1))),
            }
        }
    }
    Ok(())
}

/// Takes a compiled tree apart without recursion, so that dropping a tree
/// nested thousands deep cannot overflow the stack.
fn dismantle(t: handlebars::Template) {
    let mut pending: Vec<TemplateElement> = t.elements;
    while let Some(el) = pending.pop() {
        if let TemplateElement::Expression(mut h)
        | TemplateElement::HtmlExpression(mut h)
        | TemplateElement::HelperBlock(mut h) = el
        {
            for t in [h.template.take(), h.inverse.take()].into_iter().flatten() {
                pending.extend(t.elements);
            }
            let params = std::mem::take(&mut h.params)
                .into_iter()
                .chain(std::mem::take(&mut h.hash).into_values())
                .chain(std::iter::once(std::mem::replace(
                    &mut h.name,
                    Parameter::Name(String::new()),
                )));
            for p in params {
                if let Parameter::Subexpression(s) = p {
                    pending.push(*s.element);
                }
            }
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
        budget::charge(1).map_err(|_| std::io::Error::other("template budget exceeded"))?;
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
