//! Engine tests: every outcome, headers, static bodies, clock override.

use super::*;
use crate::model::{MockSpec, ResponseSpec};
use serde_json::json;

fn mock(method: &str, path: &str, responses: Vec<serde_json::Value>) -> MockSource {
    let def = MockDef::new("m", method, path).unwrap();
    let responses = responses
        .into_iter()
        .map(|v| {
            serde_json::from_value::<ResponseSpec>(v)
                .unwrap()
                .validate()
                .unwrap()
        })
        .collect();
    MockSource::new(def, responses)
}

fn get(engine: &Engine, path: &str) -> Outcome {
    engine.handle(&MockRequest::new(http::Method::GET, path))
}

fn matched(o: Outcome) -> MatchedResponse {
    match o {
        Outcome::Matched(m) => m,
        other => panic!("expected a match, got {other:?}"),
    }
}

#[test]
fn static_mock_is_served_with_default_content_type_and_shared_bytes() {
    let src = mock(
        "GET",
        "/users",
        vec![json!({"statusCode": 200, "body": "[]"})],
    );
    let (mock_id, response_id) = (src.id, src.responses[0].0);
    let engine = Engine::compile([src]).unwrap();
    let a = matched(get(&engine, "/users"));
    assert_eq!(a.status, 200);
    assert_eq!(a.headers["content-type"], "application/json");
    assert_eq!(&a.body[..], b"[]");
    assert_eq!((a.mock_id, a.response_id), (mock_id, response_id));
    let b = matched(get(&engine, "/users"));
    assert_eq!(
        a.body.as_ptr(),
        b.body.as_ptr(),
        "static bodies are shared, not copied"
    );
}

#[test]
fn response_content_type_header_wins_over_response_type() {
    let mut def = MockSpec {
        response_type: Some("xml".into()),
        ..MockDef::new("m", "GET", "/a").unwrap().to_spec_for_engine()
    };
    let xml = MockSource::new(
        def.validate().unwrap(),
        vec![ResponseDef::new(200, "<a/>").unwrap()],
    );
    def.path = Some("/b".into());
    let mut custom = ResponseDef::new(201, "x").unwrap();
    custom
        .headers
        .insert("Content-Type".into(), "text/csv".into());
    custom.headers.insert("X-Extra".into(), "1".into());
    let csv = MockSource::new(def.validate().unwrap(), vec![custom]);
    let engine = Engine::compile([xml, csv]).unwrap();
    assert_eq!(
        matched(get(&engine, "/a")).headers["content-type"],
        "application/xml"
    );
    let b = matched(get(&engine, "/b"));
    assert_eq!(b.headers["content-type"], "text/csv");
    assert_eq!(b.headers["x-extra"], "1");
    assert_eq!(b.headers.get_all("content-type").iter().count(), 1);
}

impl MockDef {
    fn to_spec_for_engine(&self) -> MockSpec {
        MockSpec {
            name: Some(self.name.clone()),
            path: Some(self.path.clone()),
            method: Some(self.method.to_string()),
            ..MockSpec::default()
        }
    }
}

#[test]
fn not_found_and_method_not_allowed() {
    let engine = Engine::compile([mock("POST", "/a", vec![json!({"statusCode": 201})])]).unwrap();
    assert!(matches!(get(&engine, "/zzz"), Outcome::NotFound));
    let o = get(&engine, "/a");
    let Outcome::MethodNotAllowed { allowed } = &o else {
        panic!("{o:?}")
    };
    assert_eq!(allowed, &[HttpMethod::Post]);
    let answer = o.error_answer().unwrap();
    assert_eq!(
        (answer.status, answer.allow.as_deref()),
        (StatusCode::METHOD_NOT_ALLOWED, Some("POST"))
    );
    assert_eq!(answer.body["error"], "METHOD_NOT_ALLOWED");
    assert_eq!(
        get(&engine, "/zzz").error_answer().unwrap().body["error"],
        "MOCK_NOT_FOUND"
    );
}

#[test]
fn inactive_mocks_are_served_as_if_absent() {
    let mut src = mock("GET", "/a", vec![json!({"statusCode": 200})]);
    src.def.is_active = false;
    let engine = Engine::compile([src]).unwrap();
    assert!(matches!(get(&engine, "/a"), Outcome::NotFound));
    assert!(engine.is_empty());
}

#[test]
fn conditions_select_and_no_match_reports() {
    let engine = Engine::compile([mock(
        "GET",
        "/pay",
        vec![json!({"name": "declined", "statusCode": 402, "conditions": [{"type": "query", "field": "card", "operator": "equals", "value": "4000"}]})],
    )])
    .unwrap();
    assert_eq!(matched(get(&engine, "/pay?card=4000")).status, 402);
    let o = get(&engine, "/pay?card=4242");
    let answer = o.error_answer().unwrap();
    assert_eq!(answer.status, 404);
    assert_eq!(answer.body["error"], "NO_MATCHING_RESPONSE");
    assert_eq!(
        answer.body["details"]["responses"][0]["failed"][0]["actual"],
        "4242"
    );
    assert_eq!(
        answer.body["details"]["responses"][0]["responseName"],
        "declined"
    );
}

#[test]
fn forcing_header_picks_a_response_whatever_its_conditions() {
    let engine = Engine::compile([mock(
        "GET",
        "/pay",
        vec![
            json!({"name": "ok", "statusCode": 200}),
            json!({"name": "boom", "statusCode": 503, "conditions": [{"type": "header", "field": "x", "operator": "exists"}]}),
        ],
    )])
    .unwrap();
    let req =
        MockRequest::new(http::Method::GET, "/pay").with_header("X-Mockbird-Response", "boom");
    assert_eq!(matched(engine.handle(&req)).status, 503);
    let req =
        MockRequest::new(http::Method::GET, "/pay").with_header("X-Mockbird-Response", "nope");
    assert_eq!(
        engine.handle(&req).error_answer().unwrap().body["error"],
        "NO_MATCHING_RESPONSE"
    );
}

#[test]
fn templates_render_with_params_and_the_clock_override() {
    let engine = Engine::compile([mock(
        "GET",
        "/users/{id}",
        vec![json!({"statusCode": 200, "body": "{\"id\":\"{{request.params.id}}\",\"at\":\"{{now format='yyyy-MM-dd'}}\"}"})],
    )])
    .unwrap();
    let req = MockRequest::new(http::Method::GET, "/users/J%C3%BCrgen")
        .with_header("X-Mockbird-Now", "2030-01-02T03:04:05Z");
    assert_eq!(
        &matched(engine.handle(&req)).body[..],
        "{\"id\":\"Jürgen\",\"at\":\"2030-01-02\"}".as_bytes()
    );
    let bad =
        MockRequest::new(http::Method::GET, "/users/1").with_header("X-Mockbird-Now", "yesterday");
    assert!(matches!(engine.handle(&bad), Outcome::TemplateError { .. }));
}

#[test]
fn a_failing_template_is_a_template_error_outcome_not_a_panic() {
    let engine = Engine::compile([mock(
        "GET",
        "/t",
        vec![json!({"statusCode": 200, "body": "{{request.query.missing}}"})],
    )])
    .unwrap();
    let o = get(&engine, "/t");
    let answer = o.error_answer().unwrap();
    assert_eq!(answer.status, 500);
    assert_eq!(answer.body["error"], "TEMPLATE_ERROR");
    assert!(answer.body["message"].as_str().unwrap().contains("missing"));
}

#[test]
fn delay_is_reported_not_slept() {
    let mut src = mock("GET", "/slow", vec![json!({"statusCode": 200})]);
    src.def.response_delay = 250;
    let engine = Engine::compile([src]).unwrap();
    let started = std::time::Instant::now();
    assert_eq!(
        matched(get(&engine, "/slow")).delay,
        Duration::from_millis(250)
    );
    assert!(started.elapsed() < Duration::from_millis(200));
}

#[test]
fn seeded_engines_repeat_their_weighted_choices() {
    let src = || {
        mock(
            "GET",
            "/w",
            vec![
                json!({"name": "a", "statusCode": 200, "weight": 50}),
                json!({"name": "b", "statusCode": 201, "weight": 50}),
            ],
        )
    };
    let draws = |engine: &Engine| {
        (0..32)
            .map(|_| matched(get(engine, "/w")).status.as_u16())
            .collect::<Vec<_>>()
    };
    let a = draws(&Engine::compile_seeded([src()], 9).unwrap());
    let b = draws(&Engine::compile_seeded([src()], 9).unwrap());
    assert_eq!(a, b);
    assert!(a.contains(&200) && a.contains(&201));
}

#[test]
fn a_seeded_mock_draws_the_same_however_the_others_are_called() {
    let w = |path: &str| {
        mock(
            "GET",
            path,
            vec![
                json!({"name": "a", "statusCode": 200, "weight": 50}),
                json!({"name": "b", "statusCode": 201, "weight": 50}),
            ],
        )
    };
    let draws = |engine: &Engine, interleave: bool| {
        (0..32)
            .map(|_| {
                if interleave {
                    get(engine, "/other");
                }
                matched(get(engine, "/w")).status.as_u16()
            })
            .collect::<Vec<_>>()
    };
    let alone = Engine::compile_seeded([w("/w")], 9).unwrap();
    let beside = Engine::compile_seeded([w("/other"), w("/w")], 9).unwrap();
    assert_eq!(draws(&alone, false), draws(&beside, true));
}

#[test]
fn the_seed_header_fixes_one_requests_draw_on_any_engine() {
    let src = || {
        mock(
            "GET",
            "/w",
            vec![
                json!({"name": "a", "statusCode": 200, "weight": 50}),
                json!({"name": "b", "statusCode": 201, "weight": 50}),
            ],
        )
    };
    let seeded = |engine: &Engine, seed: &str| {
        let mut req = MockRequest::new(http::Method::GET, "/w");
        req.headers
            .insert(SEED_HEADER, http::HeaderValue::from_str(seed).unwrap());
        matched(engine.handle(&req)).status.as_u16()
    };
    let unseeded = Engine::compile([src()]).unwrap();
    let other = Engine::compile_seeded([src()], 1234).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for seed in 0..64 {
        let s = seed.to_string();
        let first = seeded(&unseeded, &s);
        assert_eq!(
            first,
            seeded(&unseeded, &s),
            "seed {seed} draws again the same"
        );
        assert_eq!(first, seeded(&other, &s), "whatever the engine's own seed");
        seen.insert(first);
    }
    assert_eq!(seen.len(), 2, "different seeds reach both responses");
    // Not a number: the header is ignored, the choice is the engine's.
    let mut req = MockRequest::new(http::Method::GET, "/w");
    req.headers
        .insert(SEED_HEADER, http::HeaderValue::from_static("seven"));
    assert!(matches!(unseeded.handle(&req), Outcome::Matched(_)));
}

#[test]
fn duplicate_routes_fail_to_compile() {
    let err = Engine::compile([mock("GET", "/a/{x}", vec![]), mock("GET", "/a/{y}", vec![])])
        .unwrap_err();
    assert!(matches!(err, EngineError::Conflict { .. }), "{err}");
}

#[test]
fn route_reports_without_reading_a_body() {
    let src = mock("GET", "/a/{id}", vec![]);
    let id = src.id;
    let engine = Engine::compile([src]).unwrap();
    assert_eq!(
        engine.route(&http::Method::GET, "/a/1"),
        Route::Found {
            value: id,
            params: vec![("id".into(), "1".into())]
        }
    );
    assert_eq!(engine.route(&http::Method::GET, "/b"), Route::NotFound);
    assert!(matches!(
        engine.route(&http::Method::POST, "/a/1"),
        Route::MethodNotAllowed(_)
    ));
}

#[test]
fn a_document_compiles_as_an_import_validates_it() {
    let doc: ExportDocument = serde_json::from_value(json!({
        "mockbird": 1,
        "project": {"name": "p"},
        "mocks": [
            {"name": "one", "method": "GET", "path": "/u/{id}",
             "responses": [{"name": "ok", "statusCode": 200, "body": "{\"id\": \"{{request.params.id}}\"}"}]},
            {"name": "off", "method": "GET", "path": "/off", "isActive": false,
             "responses": [{"name": "ok", "statusCode": 200}]}
        ]
    }))
    .unwrap();
    let engine = Engine::from_document(&doc, None).unwrap();
    assert_eq!(engine.len(), 1, "inactive mocks are left out");
    assert_eq!(&matched(get(&engine, "/u/7")).body[..], br#"{"id": "7"}"#);
    let mut twice = doc.clone();
    twice.mocks[1].mock.path = Some("/u/{other}".into());
    twice.mocks[1].mock.is_active = Some(true);
    let err = Engine::from_document(&twice, None).unwrap_err();
    assert!(
        matches!(err, DocumentError::Conflicts(ref c) if c[0].starts_with("mocks[1]")),
        "{err}"
    );
    let mut broken = doc;
    broken.mocks[0].mock.path = Some("no-slash".into());
    let err = Engine::from_document(&broken, None).unwrap_err();
    assert!(err.to_string().contains("mocks[0].path"), "{err}");
}
