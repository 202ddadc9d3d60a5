//! MockBird's versions of handlebars' built-in helpers that loop or compare
//! values (`each`, `lookup`, `eq`, `ne`, `gt`, `gte`, `lt`, `lte`, `and`, `or`,
//! `not`, `len`), so that each call and each iteration is charged to the
//! render budget. `if`, `unless` and `with` stay handlebars' own: they do a
//! constant amount of work.

use std::cmp::Ordering;

use handlebars::{
    BlockContext, BlockParams, Context, Handlebars, Helper, HelperDef, HelperResult, JsonTruthy,
    Output, RenderContext, RenderError, RenderErrorReason, Renderable,
};
use serde_json::{Value, json};

use super::budget::charge;
use super::helpers::HelperFn;

/// The value built-ins, for [`super::helpers::register`].
pub(super) const VALUES: &[(&str, HelperFn)] = &[
    ("lookup", lookup),
    ("eq", |h, _| two(h, "eq").map(|(a, b)| json!(a == b))),
    ("ne", |h, _| two(h, "ne").map(|(a, b)| json!(a != b))),
    ("gt", |h, _| order(h, "gt", Ordering::is_gt)),
    ("gte", |h, _| order(h, "gte", Ordering::is_ge)),
    ("lt", |h, _| order(h, "lt", Ordering::is_lt)),
    ("lte", |h, _| order(h, "lte", Ordering::is_le)),
    ("and", |h, _| {
        Ok(json!(
            !h.params().is_empty() && h.params().iter().all(|p| p.value().is_truthy(false))
        ))
    }),
    ("or", |h, _| {
        Ok(json!(h.params().iter().any(|p| p.value().is_truthy(false))))
    }),
    ("not", |h, _| {
        one(h, "not").map(|v| json!(!v.is_truthy(false)))
    }),
    ("len", |h, _| {
        one(h, "len").map(|v| match v {
            Value::Array(a) => json!(a.len()),
            Value::Object(o) => json!(o.len()),
            Value::String(s) => json!(s.len()),
            _ => json!(0),
        })
    }),
];

fn arg<'a>(h: &'a Helper<'_>, i: usize, name: &'static str) -> Result<&'a Value, RenderError> {
    h.param(i)
        .filter(|p| !p.is_value_missing())
        .map(|p| p.value())
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex(name, i).into())
}

fn one<'a>(h: &'a Helper<'_>, name: &'static str) -> Result<&'a Value, RenderError> {
    arg(h, 0, name)
}

fn two<'a>(h: &'a Helper<'_>, name: &'static str) -> Result<(&'a Value, &'a Value), RenderError> {
    Ok((arg(h, 0, name)?, arg(h, 1, name)?))
}

fn order(
    h: &Helper<'_>,
    name: &'static str,
    f: fn(Ordering) -> bool,
) -> Result<Value, RenderError> {
    let (a, b) = two(h, name)?;
    let ord = match (a, b) {
        (Value::Number(x), Value::Number(y)) => x
            .as_f64()
            .zip(y.as_f64())
            .and_then(|(x, y)| x.partial_cmp(&y)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        (Value::Bool(x), Value::Bool(y)) => Some(x.cmp(y)),
        _ => None,
    };
    Ok(json!(ord.is_some_and(f)))
}

fn lookup(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let (collection, key) = two(h, "lookup")?;
    let found = match collection {
        Value::Array(a) => key.as_u64().and_then(|i| a.get(usize::try_from(i).ok()?)),
        Value::Object(o) => match key {
            Value::String(k) => o.get(k),
            other => o.get(&other.to_string()),
        },
        _ => None,
    };
    found
        .cloned()
        .ok_or_else(|| RenderError::strict_error(None))
}

/// `{{#each list}}…{{else}}…{{/each}}` over an array or object, with `@index`,
/// `@key`, `@first`, `@last` and `as |item key|`; one step per iteration.
pub(super) struct Each;

impl HelperDef for Each {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        charge(1)?;
        let param = h
            .param(0)
            .ok_or(RenderErrorReason::ParamNotFoundForIndex("each", 0))?;
        if h.template().is_none() {
            return Ok(());
        }
        let len = match param.value() {
            Value::Array(list) => list.len(),
            Value::Object(map) => map.len(),
            _ => 0,
        };
        if len == 0 {
            return match (h.inverse(), param.value()) {
                (Some(inverse), _) => inverse.render(r, ctx, rc, out),
                (None, Value::Array(_) | Value::Object(_)) => Ok(()),
                (None, _) => Err(RenderError::strict_error(param.relative_path())),
            };
        }
        let iteration = Iteration {
            h,
            base: param.context_path(),
            len,
        };
        match param.value() {
            Value::Array(list) => {
                for (i, v) in list.iter().enumerate() {
                    iteration.render(i, None, v, (r, ctx, rc, out))?;
                }
            }
            Value::Object(map) => {
                for (i, (k, v)) in map.iter().enumerate() {
                    iteration.render(i, Some(k), v, (r, ctx, rc, out))?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

type Scope<'a, 'reg, 'rc> = (
    &'reg Handlebars<'reg>,
    &'rc Context,
    &'a mut RenderContext<'reg, 'rc>,
    &'a mut dyn Output,
);

struct Iteration<'h, 'rc> {
    h: &'h Helper<'rc>,
    base: Option<&'h Vec<String>>,
    len: usize,
}

impl<'rc> Iteration<'_, 'rc> {
    fn render<'reg: 'rc>(
        &self,
        i: usize,
        key: Option<&str>,
        value: &Value,
        (r, ctx, rc, out): Scope<'_, 'reg, 'rc>,
    ) -> HelperResult {
        charge(1)?;
        let Some(t) = self.h.template() else {
            return Ok(());
        };
        let mut block = BlockContext::new();
        match self.base {
            Some(path) => {
                let mut p = path.clone();
                p.push(key.map_or_else(|| i.to_string(), str::to_owned));
                *block.base_path_mut() = p;
            }
            None => block.set_base_value(value.clone()),
        }
        block.set_local_var("first", json!(i == 0));
        block.set_local_var("last", json!(i + 1 == self.len));
        block.set_local_var("index", json!(i));
        // Only an object's entries have a key (`@key`); an array's key is its index.
        if let Some(k) = key {
            block.set_local_var("key", json!(k));
        }
        let key = key.map_or_else(|| json!(i), |k| json!(k));
        if let Some(name) = self.h.block_param() {
            let mut params = BlockParams::new();
            params.add_value(name, value.clone())?;
            block.set_block_params(params);
        } else if let Some((name, key_name)) = self.h.block_param_pair() {
            let mut params = BlockParams::new();
            params.add_value(name, value.clone())?;
            params.add_value(key_name, key)?;
            block.set_block_params(params);
        }
        rc.push_block(block);
        let res = t.render(r, ctx, rc, out);
        rc.pop_block();
        res
    }
}
