//! The template helpers: WireMock's and Mockoon's names and arguments.
//!
//! Every helper is pure computation over its arguments, the request context
//! and the per-render clock; none touches files, the network or the environment.

use std::cell::Cell;

use base64::Engine as _;
use chrono::{DateTime, Duration, Months, Utc};
use fake::Fake;
use handlebars::{
    BlockContext, Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, JsonTruthy,
    Output, RenderContext, RenderError, RenderErrorReason, Renderable, ScopedJson,
};
use rand::RngExt;
use serde_json::{Value, json};

use super::budget::charge;
use super::{MAX_HELPER_STRING, MAX_REPEAT};

/// Names of MockBird's own helpers (handlebars' built-ins `if`, `each`, … come on top).
pub const HELPERS: &[&str] = &[
    // WireMock
    "now",
    "randomValue",
    "randomInt",
    "randomDecimal",
    "pickRandom",
    "jsonPath",
    "parseJson",
    "math",
    "base64",
    "regexExtract",
    "size",
    "trim",
    "urlEncode",
    // Mockoon
    "faker",
    "repeat",
    "oneOf",
    "uuid",
    "guid",
    "int",
    "float",
    "array",
    "body",
    "bodyRaw",
    "urlParam",
    "queryParam",
    "header",
    "cookie",
];

thread_local! {
    static CLOCK: Cell<Option<DateTime<Utc>>> = const { Cell::new(None) };
}

/// Runs `f` with `now` as the clock that `now` helpers see.
pub(super) fn with_clock<T>(now: DateTime<Utc>, f: impl FnOnce() -> T) -> T {
    let prev = CLOCK.with(|c| c.replace(Some(now)));
    let out = f();
    CLOCK.with(|c| c.set(prev));
    out
}

fn clock() -> DateTime<Utc> {
    CLOCK.with(Cell::get).unwrap_or_else(Utc::now)
}

pub(super) type HelperFn = fn(&Helper<'_>, &Context) -> Result<Value, RenderError>;

/// A helper computing one value. Rendered directly, objects and arrays print as
/// JSON; as a sub-expression the value itself is passed on.
struct ValueHelper(HelperFn);

impl HelperDef for ValueHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        charge(1)?;
        (self.0)(h, ctx).map(ScopedJson::Derived)
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        charge(1)?;
        let v = (self.0)(h, ctx)?;
        if h.is_block() {
            // `{{#eq a b}}yes{{else}}no{{/eq}}`: the value picks the branch.
            let branch = if v.is_truthy(false) {
                h.template()
            } else {
                h.inverse()
            };
            return branch.map_or(Ok(()), |t| t.render(r, ctx, rc, out));
        }
        let text = match &v {
            Value::Object(_) | Value::Array(_) => v.to_string(),
            other => other.render(),
        };
        out.write(&text)?;
        Ok(())
    }
}

fn err(msg: impl Into<String>) -> RenderError {
    RenderErrorReason::Other(msg.into()).into()
}

fn param<'a>(h: &'a Helper<'_>, i: usize) -> Option<&'a Value> {
    h.param(i).map(|p| p.value())
}

fn hash<'a>(h: &'a Helper<'_>, key: &str) -> Option<&'a Value> {
    h.hash_get(key).map(|p| p.value())
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn str_param(h: &Helper<'_>, i: usize, name: &str) -> Result<String, RenderError> {
    param(h, i)
        .map(text)
        .ok_or_else(|| err(format!("{}: missing argument {name}", h.name())))
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => crate::condition::parse_number(s),
        Value::Bool(b) => Some(f64::from(u8::from(*b))),
        _ => None,
    }
}

fn num_arg(h: &Helper<'_>, v: Option<&Value>, name: &str) -> Result<Option<f64>, RenderError> {
    v.map(|v| num(v).ok_or_else(|| err(format!("{}: {name} must be a number", h.name()))))
        .transpose()
}

fn flag(h: &Helper<'_>, key: &str) -> bool {
    hash(h, key).is_some_and(|v| matches!(v, Value::Bool(true)) || v.as_str() == Some("true"))
}

fn request(ctx: &Context) -> &Value {
    &ctx.data()["request"]
}

fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// Registers every helper on `hb`.
pub(super) fn register(hb: &mut Handlebars<'static>) {
    let values: &[(&str, HelperFn)] = &[
        ("now", now),
        ("randomValue", random_value),
        ("randomInt", random_int),
        ("int", random_int),
        ("randomDecimal", random_decimal),
        ("float", random_decimal),
        ("pickRandom", pick_random),
        ("oneOf", pick_random),
        ("jsonPath", json_path),
        ("parseJson", parse_json),
        ("math", math),
        ("base64", base64_helper),
        ("regexExtract", regex_extract),
        ("size", size),
        ("trim", trim),
        ("urlEncode", url_encode),
        ("faker", faker),
        ("uuid", uuid),
        ("guid", uuid),
        ("array", array),
        ("body", body),
        ("bodyRaw", body_raw),
        ("urlParam", url_param),
        ("queryParam", query_param),
        ("header", header),
        ("cookie", cookie),
    ];
    for (name, f) in values.iter().chain(super::builtins::VALUES) {
        hb.register_helper(name, Box::new(ValueHelper(*f)));
    }
    hb.register_helper("repeat", Box::new(Repeat));
    hb.register_helper("each", Box::new(super::builtins::Each));
}

// ---- WireMock -------------------------------------------------------------

/// `{{now}}`, `{{now format='yyyy-MM-dd' offset='3 days'}}`, `{{now 'yyyy'}}` (Mockoon),
/// `format='epoch'` (ms) or `'unix'` (s); `timezone` accepts `UTC` or `±HH:MM`.
fn now(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let mut at = clock();
    if let Some(offset) = hash(h, "offset") {
        at = apply_offset(at, &text(offset))
            .ok_or_else(|| err(format!("now: bad offset {offset}")))?;
    }
    let format = hash(h, "format").or_else(|| param(h, 0)).map(text);
    let tz = match hash(h, "timezone").map(text) {
        None => chrono::FixedOffset::east_opt(0).expect("zero offset"),
        Some(tz) if tz.eq_ignore_ascii_case("utc") || tz == "Z" => {
            chrono::FixedOffset::east_opt(0).expect("zero")
        }
        Some(tz) => tz
            .parse::<chrono::FixedOffset>()
            .map_err(|_| err(format!("now: unsupported timezone {tz}")))?,
    };
    let local = at.with_timezone(&tz);
    Ok(Value::String(match format.as_deref() {
        None => local.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Some("epoch") => at.timestamp_millis().to_string(),
        Some("unix") => at.timestamp().to_string(),
        Some(f) => local.format(&java_to_strftime(f)).to_string(),
    }))
}

fn apply_offset(at: DateTime<Utc>, offset: &str) -> Option<DateTime<Utc>> {
    let mut parts = offset.split_whitespace();
    let n: i64 = parts.next()?.parse().ok()?;
    let unit = parts.next()?.trim_end_matches('s').to_ascii_lowercase();
    let months = |m: i64| {
        let abs = Months::new(u32::try_from(m.unsigned_abs()).ok()?);
        if m >= 0 {
            at.checked_add_months(abs)
        } else {
            at.checked_sub_months(abs)
        }
    };
    match unit.as_str() {
        "millisecond" => at.checked_add_signed(Duration::try_milliseconds(n)?),
        "second" => at.checked_add_signed(Duration::try_seconds(n)?),
        "minute" => at.checked_add_signed(Duration::try_minutes(n)?),
        "hour" => at.checked_add_signed(Duration::try_hours(n)?),
        "day" => at.checked_add_signed(Duration::try_days(n)?),
        "week" => at.checked_add_signed(Duration::try_weeks(n)?),
        "month" => months(n),
        "year" => months(n.checked_mul(12)?),
        _ => None,
    }
}

/// Translates a Java `SimpleDateFormat` / date-fns pattern into strftime.
fn java_to_strftime(f: &str) -> String {
    const TOKENS: &[(&str, &str)] = &[
        ("yyyy", "%Y"),
        ("YYYY", "%Y"),
        ("yy", "%y"),
        ("MMMM", "%B"),
        ("MMM", "%b"),
        ("MM", "%m"),
        ("M", "%-m"),
        ("dd", "%d"),
        ("DD", "%d"),
        ("d", "%-d"),
        ("EEEE", "%A"),
        ("EEE", "%a"),
        ("HH", "%H"),
        ("H", "%-H"),
        ("hh", "%I"),
        ("h", "%-I"),
        ("mm", "%M"),
        ("m", "%-M"),
        ("ss", "%S"),
        ("s", "%-S"),
        ("SSS", "%3f"),
        ("a", "%p"),
        ("XXX", "%:z"),
        ("xxx", "%:z"),
        ("Z", "%z"),
        ("X", "%z"),
    ];
    let mut out = String::new();
    let mut rest = f;
    'outer: while let Some(c) = rest.chars().next() {
        if c == '\'' {
            let end = rest[1..].find('\'').map_or(rest.len(), |i| i + 1);
            out.push_str(&rest[1..end].replace('%', "%%"));
            rest = rest.get(end + 1..).unwrap_or("");
            continue;
        }
        for (token, spec) in TOKENS {
            if let Some(r) = rest.strip_prefix(token) {
                out.push_str(spec);
                rest = r;
                continue 'outer;
            }
        }
        if c == '%' {
            out.push_str("%%");
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// `{{randomValue length=33 type='ALPHANUMERIC' uppercase=true}}`; types
/// ALPHANUMERIC, ALPHABETIC, NUMERIC, ALPHANUMERIC_AND_SYMBOLS, HEXADECIMAL, UUID.
fn random_value(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let kind = hash(h, "type").map_or_else(|| "ALPHANUMERIC".to_owned(), text);
    if kind == "UUID" {
        return Ok(Value::String(uuid::Uuid::new_v4().to_string()));
    }
    let len = num_arg(h, hash(h, "length"), "length")?.unwrap_or(36.0);
    if !(0.0..=MAX_HELPER_STRING as f64).contains(&len) {
        return Err(err(format!(
            "randomValue: length must be between 0 and {MAX_HELPER_STRING}"
        )));
    }
    let alphabet: &[u8] = match kind.as_str() {
        "ALPHANUMERIC" => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        "ALPHABETIC" => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
        "NUMERIC" => b"0123456789",
        "HEXADECIMAL" => b"0123456789abcdef",
        "ALPHANUMERIC_AND_SYMBOLS" => b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+[]{};:,.<>/?",
        other => return Err(err(format!("randomValue: unknown type {other}"))),
    };
    let mut rng = rand::rng();
    let s: String = (0..len as usize)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect();
    Ok(Value::String(if flag(h, "uppercase") {
        s.to_uppercase()
    } else {
        s
    }))
}

/// `{{randomInt lower=1 upper=10}}` (WireMock) or `{{int 1 10}}` (Mockoon); bounds inclusive.
fn random_int(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let lower = num_arg(
        h,
        hash(h, "lower")
            .or_else(|| hash(h, "min"))
            .or_else(|| param(h, 0)),
        "lower",
    )?;
    let upper = num_arg(
        h,
        hash(h, "upper")
            .or_else(|| hash(h, "max"))
            .or_else(|| param(h, 1)),
        "upper",
    )?;
    let (lo, hi) = (
        lower.unwrap_or(0.0).ceil() as i64,
        upper
            .unwrap_or(if h.name() == "int" {
                100.0
            } else {
                2_147_483_647.0
            })
            .floor() as i64,
    );
    if lo > hi {
        return Err(err(format!(
            "{}: lower bound {lo} is above upper bound {hi}",
            h.name()
        )));
    }
    Ok(json!(rand::rng().random_range(lo..=hi)))
}

/// `{{randomDecimal lower=0.5 upper=9.5}}` or `{{float 0 10 precision=2}}`.
fn random_decimal(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let lo = num_arg(
        h,
        hash(h, "lower")
            .or_else(|| hash(h, "min"))
            .or_else(|| param(h, 0)),
        "lower",
    )?
    .unwrap_or(0.0);
    let hi = num_arg(
        h,
        hash(h, "upper")
            .or_else(|| hash(h, "max"))
            .or_else(|| param(h, 1)),
        "upper",
    )?
    .unwrap_or(100.0);
    if lo > hi {
        return Err(err(format!(
            "{}: lower bound is above upper bound",
            h.name()
        )));
    }
    let mut v = if lo == hi {
        lo
    } else {
        rand::rng().random_range(lo..hi)
    };
    if let Some(p) = num_arg(h, hash(h, "precision"), "precision")? {
        let scale = 10f64.powi(p.clamp(0.0, 15.0) as i32);
        v = (v * scale).round() / scale;
    }
    Ok(json!(v))
}

/// `{{pickRandom 'a' 'b' 'c'}}`, `{{pickRandom (array 1 2)}}`, `{{oneOf (array 'a' 'b')}}`.
fn pick_random(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let choices: Vec<&Value> = match (h.params().len(), param(h, 0)) {
        (1, Some(Value::Array(a))) => a.iter().collect(),
        _ => h.params().iter().map(|p| p.value()).collect(),
    };
    if choices.is_empty() {
        return Err(err(format!("{}: nothing to pick from", h.name())));
    }
    Ok(choices[rand::rng().random_range(0..choices.len())].clone())
}

/// `{{jsonPath request.body '$.items[0].name'}}`: dot keys, `['key']`, `[n]`, `[*]`.
fn json_path(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let doc = param(h, 0).ok_or_else(|| err("jsonPath: missing document"))?;
    let parsed;
    let doc = match doc {
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| err(format!("jsonPath: document is not JSON: {e}")))?;
            &parsed
        }
        v => v,
    };
    let path = str_param(h, 1, "path")?;
    let found = select(doc, &path).map_err(|e| err(format!("jsonPath: {e}")))?;
    match found {
        Some(v) => Ok(v),
        None => hash(h, "default")
            .cloned()
            .ok_or_else(|| err(format!("jsonPath: nothing at {path}"))),
    }
}

/// Evaluates the JSONPath subset used by mock templates.
pub(crate) fn select(doc: &Value, path: &str) -> Result<Option<Value>, String> {
    let rest = path
        .trim()
        .strip_prefix('$')
        .ok_or("path must start with $")?;
    let mut current = vec![doc.clone()];
    let mut chars = rest;
    let mut wildcard = false;
    while !chars.is_empty() {
        let (step, remainder): (Step, &str) = if let Some(r) = chars.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            let key = &r[..end];
            if key.is_empty() {
                return Err("empty key (recursive descent .. is not supported)".into());
            }
            (
                if key == "*" {
                    Step::All
                } else {
                    Step::Key(key.to_owned())
                },
                &r[end..],
            )
        } else if let Some(r) = chars.strip_prefix('[') {
            let end = r.find(']').ok_or("unclosed [")?;
            let inner = r[..end].trim();
            let step = if inner == "*" {
                Step::All
            } else if let Ok(i) = inner.parse::<i64>() {
                Step::Index(i)
            } else {
                Step::Key(inner.trim_matches(|c| c == '\'' || c == '"').to_owned())
            };
            (step, &r[end + 1..])
        } else {
            return Err(format!("unexpected {chars:?}"));
        };
        wildcard |= matches!(step, Step::All);
        current = current.iter().flat_map(|v| step.apply(v)).collect();
        chars = remainder;
    }
    Ok(if wildcard {
        Some(Value::Array(current))
    } else {
        current.into_iter().next()
    })
}

enum Step {
    Key(String),
    Index(i64),
    All,
}

impl Step {
    fn apply(&self, v: &Value) -> Vec<Value> {
        match (self, v) {
            (Step::Key(k), Value::Object(m)) => m.get(k).cloned().into_iter().collect(),
            (Step::Index(i), Value::Array(a)) => {
                let idx = if *i < 0 { a.len() as i64 + i } else { *i };
                usize::try_from(idx)
                    .ok()
                    .and_then(|i| a.get(i))
                    .cloned()
                    .into_iter()
                    .collect()
            }
            (Step::All, Value::Array(a)) => a.clone(),
            (Step::All, Value::Object(m)) => m.values().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

/// `{{parseJson request.rawBody}}`: text to a JSON value.
fn parse_json(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    match param(h, 0) {
        Some(Value::String(s)) => {
            serde_json::from_str(s).map_err(|e| err(format!("parseJson: {e}")))
        }
        Some(v) => Ok(v.clone()),
        None => Err(err("parseJson: missing argument")),
    }
}

/// `{{math 1 '+' 2}}`: `+ - * / %`.
fn math(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let a = num_arg(h, param(h, 0), "left operand")?
        .ok_or_else(|| err("math: missing left operand"))?;
    let op = str_param(h, 1, "operator")?;
    let b = num_arg(h, param(h, 2), "right operand")?
        .ok_or_else(|| err("math: missing right operand"))?;
    let r = match op.as_str() {
        "+" => a + b,
        "-" => a - b,
        "*" => a * b,
        "/" | "%" if b == 0.0 => return Err(err("math: division by zero")),
        "/" => a / b,
        "%" => a % b,
        other => return Err(err(format!("math: unknown operator {other}"))),
    };
    Ok(number(r))
}

/// `{{base64 'text'}}`, `{{base64 x decode=true}}`, `padding=false`.
fn base64_helper(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
    let input = str_param(h, 0, "text")?;
    if flag(h, "decode") {
        let bytes = STANDARD
            .decode(input.trim())
            .or_else(|_| STANDARD_NO_PAD.decode(input.trim()))
            .map_err(|e| err(format!("base64: {e}")))?;
        return Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()));
    }
    let padding = hash(h, "padding")
        .is_none_or(|v| !matches!(v, Value::Bool(false)) && v.as_str() != Some("false"));
    Ok(Value::String(if padding {
        STANDARD.encode(input)
    } else {
        STANDARD_NO_PAD.encode(input)
    }))
}

/// `{{regexExtract request.path '[0-9]+'}}`: the first match (the first group if the regex has one).
fn regex_extract(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let input = str_param(h, 0, "text")?;
    let pattern = str_param(h, 1, "regex")?;
    let re =
        crate::condition::build_regex(&pattern).map_err(|e| err(format!("regexExtract: {e}")))?;
    let found = re
        .captures(&input)
        .and_then(|c| c.get(1).or_else(|| c.get(0)))
        .map(|m| m.as_str().to_owned());
    match found {
        Some(s) => Ok(Value::String(s)),
        None => hash(h, "default")
            .cloned()
            .ok_or_else(|| err(format!("regexExtract: no match for {pattern}"))),
    }
}

/// `{{size x}}`: characters of a string, items of an array, keys of an object.
fn size(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    Ok(json!(match param(h, 0) {
        Some(Value::String(s)) => s.chars().count(),
        Some(Value::Array(a)) => a.len(),
        Some(Value::Object(m)) => m.len(),
        Some(Value::Null) | None => 0,
        Some(_) => return Err(err("size: argument has no size")),
    }))
}

/// `{{trim '  text '}}`.
fn trim(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    Ok(Value::String(str_param(h, 0, "text")?.trim().to_owned()))
}

/// `{{urlEncode 'a b'}}`, `{{urlEncode x decode=true}}`.
fn url_encode(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    let input = str_param(h, 0, "text")?;
    Ok(Value::String(if flag(h, "decode") {
        form_urlencoded::parse(format!("x={input}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    } else {
        form_urlencoded::byte_serialize(input.as_bytes()).collect()
    }))
}

// ---- Mockoon --------------------------------------------------------------

/// `{{uuid}}` / `{{guid}}`.
fn uuid(_: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    Ok(Value::String(uuid::Uuid::new_v4().to_string()))
}

/// `{{array 'a' 'b'}}`: its arguments as an array.
fn array(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    Ok(Value::Array(
        h.params().iter().map(|p| p.value().clone()).collect(),
    ))
}

/// `{{body 'user.name' 'default'}}`: a request body field (dot path); no path = raw body.
fn body(h: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    let req = request(ctx);
    let Some(path) = param(h, 0).map(text) else {
        return Ok(req["rawBody"].clone());
    };
    Ok(crate::request::json_lookup(&req["body"], &path)
        .cloned()
        .or_else(|| param(h, 1).cloned())
        .unwrap_or(Value::Null))
}

/// `{{bodyRaw}}`: the body as received.
fn body_raw(_: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    Ok(request(ctx)["rawBody"].clone())
}

fn lookup(h: &Helper<'_>, ctx: &Context, section: &str, lower: bool) -> Result<Value, RenderError> {
    let mut name = str_param(h, 0, "name")?;
    if lower {
        name = name.to_ascii_lowercase();
    }
    Ok(request(ctx)[section]
        .get(&name)
        .cloned()
        .or_else(|| param(h, 1).cloned())
        .unwrap_or(Value::String(String::new())))
}

/// `{{urlParam 'id'}}`.
fn url_param(h: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    lookup(h, ctx, "params", false)
}

/// `{{queryParam 'page' '1'}}`.
fn query_param(h: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    lookup(h, ctx, "query", false)
}

/// `{{header 'X-Request-Id'}}` (case-insensitive).
fn header(h: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    lookup(h, ctx, "headers", true)
}

/// `{{cookie 'session'}}`.
fn cookie(h: &Helper<'_>, ctx: &Context) -> Result<Value, RenderError> {
    lookup(h, ctx, "cookies", false)
}

/// `{{faker 'person.firstName'}}`: faker.js paths (Mockoon), generated by the `fake` crate.
fn faker(h: &Helper<'_>, _: &Context) -> Result<Value, RenderError> {
    use fake::faker::{
        address::en as addr, company::en as company, internet::en as net, lorem::en as lorem,
    };
    use fake::faker::{name::en as name, phone_number::en as phone};
    let path = str_param(h, 0, "path")?;
    let rng = &mut rand::rng();
    let s: String = match path.as_str() {
        "person.firstName" | "name.firstName" => name::FirstName().fake_with_rng(rng),
        "person.lastName" | "name.lastName" => name::LastName().fake_with_rng(rng),
        "person.fullName" | "name.findName" | "name.fullName" => name::Name().fake_with_rng(rng),
        "person.prefix" | "name.prefix" => name::Title().fake_with_rng(rng),
        "person.jobTitle" | "name.jobTitle" => fake::faker::job::en::Title().fake_with_rng(rng),
        "internet.email" | "internet.exampleEmail" => net::SafeEmail().fake_with_rng(rng),
        "internet.userName" | "internet.username" => net::Username().fake_with_rng(rng),
        "internet.ip" | "internet.ipv4" => net::IPv4().fake_with_rng(rng),
        "internet.ipv6" => net::IPv6().fake_with_rng(rng),
        "internet.userAgent" => net::UserAgent().fake_with_rng(rng),
        "internet.domainName" => format!(
            "{}.{}",
            lorem::Word().fake_with_rng::<String, _>(rng),
            net::DomainSuffix().fake_with_rng::<String, _>(rng)
        ),
        "internet.url" => format!(
            "https://{}.{}",
            lorem::Word().fake_with_rng::<String, _>(rng),
            net::DomainSuffix().fake_with_rng::<String, _>(rng)
        ),
        "internet.password" => net::Password(12..20).fake_with_rng(rng),
        "location.city" | "address.city" => addr::CityName().fake_with_rng(rng),
        "location.country" | "address.country" => addr::CountryName().fake_with_rng(rng),
        "location.countryCode" | "address.countryCode" => addr::CountryCode().fake_with_rng(rng),
        "location.state" | "address.state" => addr::StateName().fake_with_rng(rng),
        "location.street" | "address.streetName" => addr::StreetName().fake_with_rng(rng),
        "location.streetAddress" | "address.streetAddress" => {
            format!(
                "{} {}",
                addr::BuildingNumber().fake_with_rng::<String, _>(rng),
                addr::StreetName().fake_with_rng::<String, _>(rng)
            )
        }
        "location.zipCode" | "address.zipCode" => addr::ZipCode().fake_with_rng(rng),
        "location.latitude" | "address.latitude" => addr::Latitude().fake_with_rng(rng),
        "location.longitude" | "address.longitude" => addr::Longitude().fake_with_rng(rng),
        "phone.number" | "phone.phoneNumber" => phone::PhoneNumber().fake_with_rng(rng),
        "company.name" | "company.companyName" => company::CompanyName().fake_with_rng(rng),
        "company.catchPhrase" => company::CatchPhrase().fake_with_rng(rng),
        "company.buzzPhrase" | "company.bs" => company::Bs().fake_with_rng(rng),
        "lorem.word" => lorem::Word().fake_with_rng(rng),
        "lorem.words" => lorem::Words(3..4)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        "lorem.sentence" => lorem::Sentence(4..10).fake_with_rng(rng),
        "lorem.sentences" => lorem::Sentences(2..5)
            .fake_with_rng::<Vec<String>, _>(rng)
            .join(" "),
        "lorem.paragraph" => lorem::Paragraph(3..6).fake_with_rng(rng),
        "string.uuid" | "datatype.uuid" => uuid::Uuid::new_v4().to_string(),
        "number.int" | "datatype.number" => return Ok(json!(rng.random_range(0..=99_999))),
        "number.float" | "datatype.float" => {
            return Ok(json!(
                (rng.random_range(0.0..100_000.0f64) * 100.0).round() / 100.0
            ));
        }
        "datatype.boolean" => return Ok(json!(rng.random_bool(0.5))),
        "date.past" => (clock() - Duration::seconds(rng.random_range(0..31_536_000)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "date.future" => (clock() + Duration::seconds(rng.random_range(0..31_536_000)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "date.recent" => (clock() - Duration::seconds(rng.random_range(0..86_400)))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        "color.rgb" | "internet.color" => format!("#{:06x}", rng.random_range(0..0x0100_0000u32)),
        "finance.currencyCode" => fake::faker::currency::en::CurrencyCode().fake_with_rng(rng),
        "finance.creditCardNumber" => {
            fake::faker::creditcard::en::CreditCardNumber().fake_with_rng(rng)
        }
        other => return Err(err(format!("faker: unknown path {other}"))),
    };
    Ok(Value::String(s))
}

/// `{{#repeat 5}}…{{/repeat}}` or `{{#repeat 2 10}}` (random count), separated by
/// commas unless `comma=false`; `@index`, `@first`, `@last` inside. At most [`MAX_REPEAT`].
struct Repeat;

impl HelperDef for Repeat {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        charge(1)?;
        let min = num_arg(h, param(h, 0), "count")?.ok_or_else(|| err("repeat: missing count"))?;
        let max = num_arg(h, param(h, 1), "max")?;
        let count = match max {
            Some(max) if max >= min => rand::rng().random_range(min as i64..=max as i64),
            Some(_) => return Err(err("repeat: min is above max")),
            None => min as i64,
        };
        if !(0..=MAX_REPEAT as i64).contains(&count) {
            return Err(err(format!(
                "repeat: count must be between 0 and {MAX_REPEAT}"
            )));
        }
        let comma = hash(h, "comma")
            .is_none_or(|v| !matches!(v, Value::Bool(false)) && v.as_str() != Some("false"));
        let Some(t) = h.template() else { return Ok(()) };
        for i in 0..count {
            charge(1)?;
            if i > 0 && comma {
                out.write(",")?;
            }
            let mut block = BlockContext::new();
            block.set_local_var("index", json!(i));
            block.set_local_var("first", json!(i == 0));
            block.set_local_var("last", json!(i == count - 1));
            rc.push_block(block);
            let res = t.render(r, ctx, rc, out);
            rc.pop_block();
            res?;
        }
        Ok(())
    }
}
