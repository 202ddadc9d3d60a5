//! Helper behaviour and sandbox regression tests.

use chrono::{TimeZone, Utc};
use serde_json::{Value, json};

use super::*;

fn ctx() -> Value {
    json!({"request": {
        "method": "POST",
        "path": "/users/42",
        "params": {"id": "42"},
        "query": {"page": "2", "q": "a b"},
        "headers": {"x-request-id": "rid-1", "content-type": "application/json"},
        "cookies": {"session": "s1"},
        "body": {"user": {"name": "Ada", "tags": ["x", "y"]}, "items": [{"n": 1}, {"n": 2}]},
        "rawBody": "{\"user\":{\"name\":\"Ada\"}}"
    }})
}

fn clock() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
}

fn render(src: &str) -> Result<String, TemplateError> {
    Template::compile(src)?.render(ctx(), clock())
}

fn ok(src: &str) -> String {
    render(src).unwrap_or_else(|e| panic!("{src}: {e}"))
}

fn fails(src: &str) -> String {
    match render(src) {
        Err(TemplateError::Render(m)) => m,
        other => panic!("{src}: expected a render error, got {other:?}"),
    }
}

#[test]
fn request_context_is_available() {
    assert_eq!(
        ok("{{request.method}} {{request.path}} {{request.params.id}}"),
        "POST /users/42 42"
    );
    assert_eq!(
        ok("{{request.query.page}}/{{request.headers.x-request-id}}/{{request.cookies.session}}"),
        "2/rid-1/s1"
    );
    assert_eq!(
        ok("{{request.body.user.name}} {{request.body.user.tags.[1]}}"),
        "Ada y"
    );
    assert_eq!(ok("{{#each request.body.items}}{{n}};{{/each}}"), "1;2;");
}

#[test]
fn strict_mode_fails_on_missing_values_but_if_tests_them() {
    assert!(fails("{{request.query.nope}}").contains("nope"));
    assert_eq!(ok("{{#if request.query.nope}}yes{{else}}no{{/if}}"), "no");
}

#[test]
fn bodies_are_not_html_escaped() {
    assert_eq!(ok(r#"{{request.rawBody}}"#), r#"{"user":{"name":"Ada"}}"#);
}

#[test]
fn now_uses_the_given_clock_formats_and_offsets() {
    assert_eq!(ok("{{now}}"), "2026-03-04T05:06:07Z");
    assert_eq!(
        ok("{{now format='yyyy-MM-dd HH:mm:ss'}}"),
        "2026-03-04 05:06:07"
    );
    assert_eq!(
        ok("{{now format=\"yyyy-MM-dd'T'HH:mm\"}}"),
        "2026-03-04T05:06"
    );
    assert_eq!(ok("{{now 'dd/MM/yyyy'}}"), "04/03/2026");
    assert_eq!(
        ok("{{now offset='3 days' format='yyyy-MM-dd'}}"),
        "2026-03-07"
    );
    assert_eq!(ok("{{now offset='-1 months' format='yyyy-MM'}}"), "2026-02");
    assert_eq!(ok("{{now format='epoch'}}"), "1772600767000");
    assert_eq!(ok("{{now format='unix'}}"), "1772600767");
    assert_eq!(ok("{{now timezone='+02:00' format='HH:mm'}}"), "07:06");
    assert!(fails("{{now offset='soon'}}").contains("offset"));
    assert!(fails("{{now timezone='Mars/Olympus'}}").contains("timezone"));
}

#[test]
fn random_value_types_lengths_and_limits() {
    assert_eq!(ok("{{randomValue length=12}}").len(), 12);
    assert!(
        ok("{{randomValue length=20 type='NUMERIC'}}")
            .bytes()
            .all(|b| b.is_ascii_digit())
    );
    assert!(
        ok("{{randomValue length=20 type='HEXADECIMAL'}}")
            .bytes()
            .all(|b| b.is_ascii_hexdigit())
    );
    let upper = ok("{{randomValue length=30 type='ALPHABETIC' uppercase=true}}");
    assert!(upper.bytes().all(|b| b.is_ascii_uppercase()), "{upper}");
    assert!(uuid::Uuid::parse_str(&ok("{{randomValue type='UUID'}}")).is_ok());
    assert!(fails("{{randomValue type='EMOJI'}}").contains("unknown type"));
    assert!(fails("{{randomValue length=100000000}}").contains("length"));
}

#[test]
fn random_numbers_stay_in_bounds() {
    for _ in 0..50 {
        let n: i64 = ok("{{randomInt lower=5 upper=7}}").parse().unwrap();
        assert!((5..=7).contains(&n));
        let m: i64 = ok("{{int 1 3}}").parse().unwrap();
        assert!((1..=3).contains(&m));
        let d: f64 = ok("{{randomDecimal lower=0.5 upper=0.75}}")
            .parse()
            .unwrap();
        assert!((0.5..0.75).contains(&d));
        let f = ok("{{float 1 2 precision=2}}");
        assert!(
            f.split('.').nth(1).is_none_or(|frac| frac.len() <= 2),
            "{f}"
        );
    }
    assert!(fails("{{randomInt lower=9 upper=1}}").contains("above"));
    assert!(fails("{{randomInt lower='x'}}").contains("number"));
}

#[test]
fn picks_come_from_the_choices() {
    for _ in 0..20 {
        assert!(["a", "b"].contains(&ok("{{pickRandom 'a' 'b'}}").as_str()));
        assert!(["x", "y"].contains(&ok("{{oneOf (array 'x' 'y')}}").as_str()));
        assert!(["x", "y"].contains(&ok("{{pickRandom request.body.user.tags}}").as_str()));
    }
    assert!(fails("{{pickRandom}}").contains("nothing"));
}

#[test]
fn json_path_and_parse_json() {
    assert_eq!(ok("{{jsonPath request.body '$.user.name'}}"), "Ada");
    assert_eq!(
        ok("{{jsonPath request.rawBody '$.user.name'}}"),
        "Ada",
        "a JSON string is parsed"
    );
    assert_eq!(ok("{{jsonPath request.body '$.items[1].n'}}"), "2");
    assert_eq!(
        ok("{{jsonPath request.body \"$['user']['tags'][-1]\"}}"),
        "y"
    );
    assert_eq!(ok("{{jsonPath request.body '$.items[*].n'}}"), "[1,2]");
    assert_eq!(
        ok("{{jsonPath request.body '$.user'}}"),
        r#"{"name":"Ada","tags":["x","y"]}"#
    );
    assert_eq!(
        ok("{{jsonPath request.body '$.nope' default='none'}}"),
        "none"
    );
    assert!(fails("{{jsonPath request.body '$.nope'}}").contains("nothing at"));
    assert!(fails("{{jsonPath request.body 'user'}}").contains("$"));
    assert_eq!(
        ok("{{#with (parseJson '{\"a\": {\"b\": 3}}')}}{{a.b}}{{/with}}"),
        "3"
    );
    assert!(fails("{{parseJson 'not json'}}").contains("parseJson"));
}

#[test]
fn math_base64_regex_size_trim_url_encode() {
    assert_eq!(
        ok("{{math 1 '+' 2}} {{math 7 '-' 10}} {{math 6 '*' 7}} {{math 7 '/' 2}} {{math 7 '%' 4}}"),
        "3 -3 42 3.5 3"
    );
    assert_eq!(ok("{{math request.params.id '*' 2}}"), "84");
    assert!(fails("{{math 1 '/' 0}}").contains("zero"));
    assert!(fails("{{math 1 '^' 2}}").contains("operator"));
    assert_eq!(ok("{{base64 'hello'}}"), "aGVsbG8=");
    assert_eq!(ok("{{base64 'hello' padding=false}}"), "aGVsbG8");
    assert_eq!(ok("{{base64 'aGVsbG8=' decode=true}}"), "hello");
    assert!(fails("{{base64 '***' decode=true}}").contains("base64"));
    assert_eq!(ok("{{regexExtract request.path '[0-9]+'}}"), "42");
    assert_eq!(ok("{{regexExtract 'id=77;' 'id=([0-9]+)'}}"), "77");
    assert_eq!(ok("{{regexExtract 'abc' '[0-9]+' default='none'}}"), "none");
    assert!(fails("{{regexExtract 'abc' '('}}").contains("regex"));
    assert_eq!(
        ok("{{size 'héllo'}} {{size request.body.items}} {{size request.body.user}}"),
        "5 2 2"
    );
    assert_eq!(ok("[{{trim '  x  '}}]"), "[x]");
    assert_eq!(ok("{{urlEncode 'a b&c'}}"), "a+b%26c");
    assert_eq!(ok("{{urlEncode 'a+b%26c' decode=true}}"), "a b&c");
}

#[test]
fn mockoon_request_helpers() {
    assert_eq!(
        ok("{{urlParam 'id'}} {{queryParam 'page'}} {{queryParam 'none' 'dflt'}}"),
        "42 2 dflt"
    );
    assert_eq!(
        ok("{{header 'X-Request-Id'}} {{cookie 'session'}}"),
        "rid-1 s1"
    );
    assert_eq!(
        ok("{{body 'user.name'}} {{body 'user.tags.0'}} {{body 'nope' 'd'}}"),
        "Ada x d"
    );
    assert_eq!(ok("{{bodyRaw}}"), r#"{"user":{"name":"Ada"}}"#);
}

#[test]
fn faker_uuid_and_repeat() {
    assert!(
        ok("{{faker 'person.firstName'}}")
            .chars()
            .all(char::is_alphabetic)
    );
    assert!(ok("{{faker 'internet.email'}}").contains('@'));
    assert!(fails("{{faker 'nope.nothing'}}").contains("unknown path"));
    assert!(uuid::Uuid::parse_str(&ok("{{uuid}}")).is_ok());
    assert!(uuid::Uuid::parse_str(&ok("{{guid}}")).is_ok());
    assert_eq!(ok("[{{#repeat 3}}{{@index}}{{/repeat}}]"), "[0,1,2]");
    assert_eq!(ok("{{#repeat 2 comma=false}}x{{/repeat}}"), "xx");
    let n = ok("{{#repeat 2 4}}x{{/repeat}}").matches('x').count();
    assert!((2..=4).contains(&n));
    let items: Value =
        serde_json::from_str(&ok("[{{#repeat 3}}{\"i\": {{@index}}}{{/repeat}}]")).unwrap();
    assert_eq!(items[2]["i"], 2);
    assert!(fails("{{#repeat 10001}}x{{/repeat}}").contains("count"));
}

#[test]
fn builtins_work() {
    assert_eq!(ok("{{#if (eq request.method 'POST')}}post{{/if}}"), "post");
    assert_eq!(ok("{{lookup request.query 'page'}}"), "2");
    assert_eq!(
        ok("{{#unless (gt (len request.body.items) 5)}}small{{/unless}}"),
        "small"
    );
}

#[test]
fn unknown_helpers_are_rejected_at_compile_time() {
    for src in [
        "{{nope 1}}",
        "{{#nope}}x{{/nope}}",
        "{{size (nope 1)}}",
        "{{#if x}}{{nope a=1}}{{/if}}",
        "{{log 'x'}}",
        // No file or environment access: such helpers do not exist.
        "{{env 'PATH'}}",
        "{{file '/etc/passwd'}}",
        "{{systemValue key='PATH'}}",
    ] {
        assert!(
            matches!(Template::compile(src), Err(TemplateError::UnknownHelper(_))),
            "{src}"
        );
    }
    assert!(
        Template::compile("{{plainVariable}}").is_ok(),
        "a bare name is a variable lookup"
    );
    assert!(matches!(
        Template::compile("{{#if}}"),
        Err(TemplateError::Syntax(_))
    ));
}

#[test]
fn bomb_each_over_100_items_stops_at_the_output_cap() {
    // 79 bytes: each of the 100 items renders a 100 KiB string -> 10 MB without a cap.
    let src = "{{#each (array 1 2 3 4 5 6 7 8 9 10)}}{{#repeat 10}}{{randomValue length=100000}}{{/repeat}}{{/each}}";
    let t = Template::compile(src).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(t.render(ctx(), clock()), Err(TemplateError::OutputTooLarge));
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[test]
fn bomb_repeat_nesting_stops_at_the_output_cap() {
    let src = "{{#repeat 10000}}{{#repeat 10000}}xxxxxxxxxxxxxxxx{{/repeat}}{{/repeat}}";
    assert_eq!(
        Template::compile(src).unwrap().render(ctx(), clock()),
        Err(TemplateError::OutputTooLarge)
    );
}

#[test]
fn bomb_recursive_inline_partial_is_rejected_without_crashing() {
    let src = r#"{{#*inline "p"}}x{{> p}}{{/inline}}{{> p}}"#;
    assert!(matches!(validate(src), Err(TemplateError::Forbidden(_))));
}

#[test]
fn bomb_deep_if_nesting_is_rejected_without_crashing() {
    let src = format!("{}x{}", "{{#if true}}".repeat(2000), "{{/if}}".repeat(2000));
    assert_eq!(validate(&src), Err(TemplateError::TooDeep));
}

#[test]
fn output_exactly_at_the_cap_is_allowed() {
    let src = format!(
        "{{{{#repeat {} comma=false}}}}{}{{{{/repeat}}}}",
        MAX_OUTPUT_BYTES / 1024,
        "x".repeat(1024)
    );
    assert_eq!(
        Template::compile(&src)
            .unwrap()
            .render(ctx(), clock())
            .unwrap()
            .len(),
        MAX_OUTPUT_BYTES
    );
}
