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
    // The output cap or (in an unoptimized build) the time budget stops it.
    assert!(matches!(
        t.render(ctx(), clock()),
        Err(TemplateError::OutputTooLarge | TemplateError::OverBudget(Exceeded::Time(_)))
    ));
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

// ---- hostile templates --------------------------------------------------------

/// Runs `f` on a thread with a small stack: a template that recursed deeply
/// would abort the test process instead of failing it.
fn on_small_stack<T: Send + 'static>(kib: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(kib * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn nesting_hidden_by_quotes_escapes_comments_and_else_chains_is_rejected() {
    let bombs = [
        format!(
            "{{{{size \"}}}}\" {}'x'{}}}}}",
            "(trim ".repeat(1000),
            ")".repeat(1000)
        ),
        format!(
            "{{{{#if false}}}}{}x{{{{/if}}}}",
            "{{else if false}}".repeat(2000)
        ),
        format!(
            "{}x{}",
            "\\\\{{#if true}}".repeat(1500),
            "\\\\{{/if}}".repeat(1500)
        ),
        format!(
            "{{{{!-- {}x{}",
            "{{#if a}}".repeat(2000),
            "{{/if}}".repeat(2000)
        ),
    ];
    for bomb in bombs {
        let head: String = bomb.chars().take(40).collect();
        let result = on_small_stack(512, move || Template::compile(&bomb).map(drop));
        assert!(
            matches!(
                result,
                Err(TemplateError::TooDeep | TemplateError::Syntax(_))
            ),
            "{head}: {result:?}"
        );
    }
}

#[test]
fn the_compiled_depth_is_checked_whatever_the_scan_saw() {
    // 40 nested blocks written so that the compiled tree, not the scan, is
    // what refuses them: guard_depth walks what handlebars parsed.
    let deep = format!("{}x{}", "{{#if a}}".repeat(40), "{{/if}}".repeat(40));
    let t = handlebars::Template::compile(&deep).unwrap();
    assert_eq!(guard_depth(&t.elements), Err(TemplateError::TooDeep));
    dismantle(t);
    let ok = format!("{}x{}", "{{#if a}}".repeat(32), "{{/if}}".repeat(32));
    let t = handlebars::Template::compile(&ok).unwrap();
    assert_eq!(guard_depth(&t.elements), Ok(()));
}

#[test]
fn a_tree_thousands_deep_is_taken_apart_without_recursion() {
    let deep = format!("{}x{}", "{{#if a}}".repeat(3000), "{{/if}}".repeat(3000));
    let t = on_small_stack(64 * 1024, move || {
        handlebars::Template::compile(&deep).unwrap()
    });
    on_small_stack(128, move || dismantle(t));
}

#[test]
fn the_deepest_template_allowed_renders_on_a_small_stack() {
    // 32 levels mixing blocks, each and sub-expressions: the worst the
    // sandbox admits renders on a 256 KiB thread (Tokio workers have 2 MiB).
    let src = format!(
        "{}{{{{size (trim (trim (trim 'x')))}}}}{}",
        "{{#each @root.request.body.items}}{{#if n}}".repeat(14),
        "{{/if}}{{/each}}".repeat(14)
    );
    let out = on_small_stack(256, move || {
        let t = Template::compile(&src).unwrap();
        t.render(ctx(), clock())
    });
    assert_eq!(out.unwrap().len(), 1 << 14);
}

#[test]
fn a_cpu_bomb_with_no_output_stops_at_its_step_budget() {
    let bomb = "{{#repeat 10000 comma=false}}".repeat(3) + &"{{/repeat}}".repeat(3);
    let started = std::time::Instant::now();
    let err = Template::compile(&bomb)
        .unwrap()
        .render(ctx(), clock())
        .unwrap_err();
    assert!(matches!(err, TemplateError::OverBudget(_)), "{err:?}");
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    let each_bomb = "{{#each @root.request.body.user.tags}}".repeat(20) + &"{{/each}}".repeat(20);
    let err = Template::compile(&each_bomb)
        .unwrap()
        .render(ctx(), clock())
        .unwrap_err();
    assert!(matches!(err, TemplateError::OverBudget(_)), "{err:?}");
}

#[test]
fn the_step_budget_holds_on_both_sides() {
    let t = Template::compile("{{#repeat 100 comma=false}}x{{/repeat}}").unwrap();
    // 1 helper call + 100 iterations + 100 writes = 201 steps.
    let budget = |steps| Budget {
        steps,
        time: std::time::Duration::from_secs(5),
    };
    assert_eq!(
        t.render_within(ctx(), clock(), budget(201)).unwrap().len(),
        100
    );
    assert_eq!(
        t.render_within(ctx(), clock(), budget(200)),
        Err(TemplateError::OverBudget(Exceeded::Steps(200)))
    );
}

#[test]
fn comparisons_on_large_values_are_charged() {
    let t =
        Template::compile(&"{{#if (eq request.body request.body)}}{{/if}}".repeat(100)).unwrap();
    let budget = Budget {
        steps: 50,
        time: std::time::Duration::from_secs(5),
    };
    assert!(matches!(
        t.render_within(ctx(), clock(), budget),
        Err(TemplateError::OverBudget(_))
    ));
}

#[test]
fn builtins_keep_their_behaviour() {
    assert_eq!(
        ok("{{#each request.body.items}}{{@index}}{{n}}{{#if @last}}!{{/if}},{{/each}}"),
        "01,12!,"
    );
    assert_eq!(
        ok("{{#each request.query}}{{@key}}={{this}};{{/each}}"),
        "page=2;q=a b;"
    );
    assert_eq!(
        ok("{{#each request.body.items as |it i|}}{{i}}:{{it.n}} {{/each}}"),
        "0:1 1:2 "
    );
    assert_eq!(
        ok("{{#each request.body.nothing}}x{{else}}empty{{/each}}"),
        "empty"
    );
    assert_eq!(
        ok("{{lookup request.body.user.tags 1}} {{lookup request.params 'id'}}"),
        "y 42"
    );
    assert_eq!(
        ok(
            "{{eq 1 1}} {{ne 'a' 'b'}} {{gt 2 1}} {{lte 'a' 'b'}} {{and true 1}} {{or false 0}} {{not false}} {{len request.body.items}}"
        ),
        "true true true true true false true 2"
    );
    assert_eq!(
        ok("{{#eq request.method 'POST'}}post{{else}}other{{/eq}}"),
        "post"
    );
    assert_eq!(
        ok("{{#each request.body.items}}{{../request.method}}{{/each}}"),
        "POSTPOST"
    );
}

#[test]
fn a_large_template_compiles_in_linear_time() {
    let piece = "{{request.method}}-";
    let small = piece.repeat(5_000);
    let big = piece.repeat(20_000 * 4);
    let time = |src: &str| {
        let started = std::time::Instant::now();
        Template::compile(src).unwrap();
        started.elapsed()
    };
    let (t_small, t_big) = (time(&small), time(&big));
    assert_eq!(
        Template::compile(&big)
            .unwrap()
            .render(ctx(), clock())
            .unwrap()
            .len(),
        5 * 80_000
    );
    // 16× the source: linear is ~16×, the old quadratic compile was ~256×.
    assert!(t_big < t_small * 64, "{t_small:?} → {t_big:?}");
}

#[test]
fn pieces_keep_line_numbers_and_a_huge_block_is_refused() {
    let src = "{{request.method}}-\n".repeat(3000) + "{{request.nope}}";
    let err = Template::compile(&src)
        .unwrap()
        .render(ctx(), clock())
        .unwrap_err();
    assert!(err.to_string().contains("line 3001"), "{err}");
    let block = format!("{{{{#if a}}}}{}{{{{/if}}}}", "{{b}}-".repeat(20_000));
    assert_eq!(
        Template::compile(&block).unwrap_err(),
        TemplateError::PieceTooLarge
    );
}

fn json_ok(src: &str, ctx: Value) -> String {
    Template::compile_json(src)
        .and_then(|t| t.render(ctx, clock()))
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

#[test]
fn json_templates_stay_json_whatever_the_request_carries() {
    let hostile = r#"a"b\c</x>
	"}, "admin": true, "x": {"#;
    let ctx = json!({"request": {"query": {"name": hostile, "n": "7"},
        "body": {"items": ["p\"q", "r"], "obj": {"k": "v"}}}});
    let out = json_ok(
        r#"{"name": "{{request.query.name}}", "n": {{request.query.n}}}"#,
        ctx.clone(),
    );
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(
        v,
        json!({"name": hostile, "n": 7}),
        "inside a string escaped, outside raw"
    );
    // Blocks: the state carries into and after them.
    let src = r#"{"items": [{{#each request.body.items}}"{{this}}"{{#unless @last}},{{/unless}}{{/each}}], "after": "{{request.query.name}}"}"#;
    let out = json_ok(src, ctx.clone());
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["items"], json!(["p\"q", "r"]));
    assert_eq!(v["after"], hostile);
    // Outside strings a helper's JSON goes in as is; `{{{ }}}` is always raw;
    // an escaped quote in the text does not end the string.
    let out = json_ok(
        r#"{"obj": {{jsonPath request.body '$.obj'}}, "raw": "{{{request.query.n}}}", "q": "say \"{{request.query.n}}\""}"#,
        ctx.clone(),
    );
    let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v, json!({"obj": {"k": "v"}, "raw": "7", "q": "say \"7\""}));
    // Not compiled for JSON: inserted as is, as before.
    let plain = Template::compile(r#""{{request.query.name}}""#)
        .unwrap()
        .render(ctx, clock())
        .unwrap();
    assert_eq!(plain, format!("\"{hostile}\""));
}

/// `ctx()` holding only the fields `t` reads.
fn only_read(t: &Template) -> Value {
    let mut c = ctx();
    c["request"].as_object_mut().unwrap().retain(|k, _| {
        t.reads()
            .contains(crate::request::Fields::named(k).unwrap())
    });
    c
}

#[test]
fn a_template_reads_the_fields_it_names_and_helpers_imply() {
    use crate::request::Fields;
    let reads = |src: &str| Template::compile(src).unwrap().reads();
    assert_eq!(reads("plain text"), Fields::NONE);
    assert_eq!(reads(r#"{"id": "{{request.params.id}}"}"#), Fields::PARAMS);
    assert_eq!(
        reads("{{request.query.page}} {{header 'x-a'}} {{#if request.body.user}}y{{/if}}"),
        Fields::QUERY | Fields::HEADERS | Fields::BODY
    );
    assert_eq!(
        reads("{{urlParam 'id'}}{{cookie 's'}}"),
        Fields::PARAMS | Fields::COOKIES
    );
    assert_eq!(reads("{{body 'a'}}"), Fields::BODY | Fields::RAW_BODY);
    assert_eq!(
        reads("{{size (jsonPath request.body '$.items')}}"),
        Fields::BODY
    );
    assert_eq!(
        reads("{{#each request.body.items}}{{n}}{{this}}{{/each}}"),
        Fields::BODY
    );
    assert_eq!(reads("{{#repeat 2}}{{@index}}{{/repeat}}"), Fields::NONE);
    // What cannot be placed reads everything.
    for src in [
        "{{request}}",
        "{{json request}}",
        "{{#with request}}{{method}}{{/with}}",
        "{{#each request}}{{@key}}{{/each}}",
        "{{this}}",
        "{{lookup this 'request'}}",
        "{{#if true}}{{this.request}}{{/if}}",
        "{{#each request.body.items}}{{../request.method}}{{/each}}",
        "{{#each request.body.items}}{{@root.request.path}}{{/each}}",
        "{{#each request.body.items}}x{{else}}{{this}}{{/each}}",
    ] {
        if let Ok(t) = Template::compile(src) {
            assert_eq!(t.reads(), Fields::ALL, "{src}");
        }
    }
}

#[test]
fn a_template_renders_the_same_from_the_fields_it_reads() {
    let sources = [
        r#"{"id": "{{request.params.id}}", "m": "{{request.method}}"}"#,
        "{{request.path}} {{request.query.q}} {{queryParam 'page'}}",
        "{{header 'x-request-id'}} {{request.headers.content-type}}",
        "{{cookie 'session'}} {{request.cookies.session}}",
        "{{body 'user.name'}} {{body}} {{bodyRaw}} {{request.rawBody}}",
        "{{#each request.body.items}}{{n}},{{@index}};{{/each}}",
        "{{#each request.body.user.tags}}{{this}}{{/each}}",
        "{{#with request.body.user}}{{name}}{{/with}}",
        "{{#if request.query.page}}paged{{else}}{{request.method}}{{/if}}",
        "{{jsonPath request.body '$.user.name'}} {{size request.body.items}}",
        "{{#each request.body.items}}{{../request.method}}{{/each}}",
        "{{#each request.body.items}}{{@root.request.params.id}}{{/each}}",
        "{{lookup request.query 'q'}} {{lookup request 'method'}}",
        "{{#repeat 2}}{{request.params.id}}{{/repeat}}",
        "{{#each request.query}}{{@key}}={{this}}&{{/each}}",
        "{{#with request}}{{method}} {{params.id}}{{/with}}",
        "{{#each request.body.items}}x{{else}}{{request.path}}{{/each}}",
    ];
    for src in sources {
        let t = Template::compile(src).unwrap_or_else(|e| panic!("{src}: {e}"));
        let whole = t
            .render(ctx(), clock())
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        let part = t
            .render(only_read(&t), clock())
            .unwrap_or_else(|e| panic!("{src}: {e}"));
        assert_eq!(whole, part, "{src} reads {:?}", t.reads());
    }
}
