//! Which fields of `request` a compiled template reads, so that rendering
//! builds only those ([`crate::request::RequestView::template_context_of`]).
//!
//! The answer errs only towards reading more: whatever this walk cannot
//! place — the whole `request`, `this` or `.` outside an `each`/`with`
//! block, `@root`, `../` — reads every field.

use handlebars::template::{HelperTemplate, Parameter, TemplateElement};
use handlebars::{Path, PathSeg};

use crate::request::Fields;

/// The fields `elements` read.
pub(super) fn reads(elements: &[TemplateElement]) -> Fields {
    let mut fields = Fields::NONE;
    walk(elements, false, &mut fields);
    fields
}

/// `scoped`: inside an `each` or `with` block, where a relative path starts
/// at the block's value instead of the root.
fn walk(elements: &[TemplateElement], scoped: bool, fields: &mut Fields) {
    for el in elements {
        if let TemplateElement::Expression(h)
        | TemplateElement::HtmlExpression(h)
        | TemplateElement::HelperBlock(h) = el
        {
            helper(h, scoped, fields);
        }
    }
}

fn helper(h: &HelperTemplate, scoped: bool, fields: &mut Fields) {
    if let Parameter::Name(name) = &h.name {
        *fields |= implied(name);
    }
    for p in std::iter::once(&h.name)
        .chain(&h.params)
        .chain(h.hash.values())
    {
        parameter(p, scoped, fields);
    }
    let rescopes = h.block && matches!(&h.name, Parameter::Name(n) if n == "each" || n == "with");
    if let Some(t) = &h.template {
        walk(&t.elements, scoped || rescopes, fields);
    }
    // `{{else}}` of an `each` renders in the outer scope.
    if let Some(t) = &h.inverse {
        walk(&t.elements, scoped, fields);
    }
}

fn parameter(p: &Parameter, scoped: bool, fields: &mut Fields) {
    match p {
        Parameter::Name(name) => match name.as_str() {
            "request" => *fields = Fields::ALL,
            "this" | "." if !scoped => *fields = Fields::ALL,
            _ => {}
        },
        Parameter::Path(Path::Relative((segs, _))) => *fields |= path(segs, scoped),
        Parameter::Path(Path::Local(_)) | Parameter::Literal(_) => {}
        Parameter::Subexpression(sub) => walk(std::slice::from_ref(&sub.element), scoped, fields),
        _ => *fields = Fields::ALL,
    }
}

fn path(segs: &[PathSeg], scoped: bool) -> Fields {
    if segs.iter().any(|s| matches!(s, PathSeg::Ruled(_))) {
        return Fields::ALL; // `@root`, `../`
    }
    match segs {
        [] if !scoped => Fields::ALL, // `this` at the root
        [PathSeg::Named(r)] if r == "request" => Fields::ALL,
        [PathSeg::Named(r), PathSeg::Named(field), ..] if r == "request" => {
            Fields::named(field).unwrap_or(Fields::NONE)
        }
        _ => Fields::NONE,
    }
}

/// What MockBird's helpers read of the request without naming it.
fn implied(helper: &str) -> Fields {
    match helper {
        "body" => Fields::BODY | Fields::RAW_BODY,
        "bodyRaw" => Fields::RAW_BODY,
        "urlParam" => Fields::PARAMS,
        "queryParam" => Fields::QUERY,
        "header" => Fields::HEADERS,
        "cookie" => Fields::COOKIES,
        _ => Fields::NONE,
    }
}
