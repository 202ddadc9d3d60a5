//! Condition evaluation: conditions compiled once (regexes built with a size
//! limit, numbers parsed), then checked against a [`RequestView`].

use regex::Regex;
use serde::Serialize;

use crate::model::{Condition, ConditionType, Operator};
use crate::request::RequestView;

/// Compiled-program size limit of a regex, in bytes (256 KiB; Unicode
/// `\w{20}` is about 1 MiB, so it is refused — `[a-zA-Z0-9_]{20}` is not).
pub const REGEX_SIZE_LIMIT: usize = 256 * 1024;
/// Longest regex source, checked before compiling.
pub const MAX_REGEX_CHARS: usize = 1_000;
/// Most regex conditions on one response.
pub const MAX_REGEX_PER_RESPONSE: usize = 10;
/// Most regex conditions across the responses of one mock.
pub const MAX_REGEX_PER_MOCK: usize = 20;
/// Most regex conditions across the mocks of one project. With
/// [`REGEX_SIZE_LIMIT`] this bounds a project's compiled regexes to 25 MiB.
pub const MAX_REGEX_PER_PROJECT: usize = 100;

/// Builds a regex with MockBird's size limits; the error text is for users.
pub fn build_regex(pattern: &str) -> Result<Regex, String> {
    if pattern.len() > MAX_REGEX_CHARS {
        return Err(format!("regex is longer than {MAX_REGEX_CHARS} characters"));
    }
    regex::RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_SIZE_LIMIT)
        .nest_limit(64)
        .build()
        .map_err(|e| match e {
            regex::Error::CompiledTooBig(_) => format!(
                "regex compiles to more than {} KiB (write character classes like [a-z0-9] instead of \\w, or use fewer repetitions)",
                REGEX_SIZE_LIMIT / 1024
            ),
            other => format!(
                "invalid regex: {}",
                other.to_string().lines().last().unwrap_or_default().trim()
            ),
        })
}

/// Parses a number the way `gt`, `gte`, `lt` and `lte` do (finite only).
pub fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|n| n.is_finite())
}

/// A condition ready to evaluate.
#[derive(Debug, Clone)]
pub struct CompiledCondition {
    condition: Condition,
    regex: Option<Regex>,
    number: Option<f64>,
}

/// A condition that did not hold, for the `NO_MATCHING_RESPONSE` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailedCondition {
    /// Where it looked.
    #[serde(rename = "type")]
    pub kind: ConditionType,
    /// What it looked for.
    pub field: String,
    /// How it compared.
    pub operator: Operator,
    /// What it expected.
    pub expected: Option<String>,
    /// What the request had (`None` when absent).
    pub actual: Option<String>,
}

impl CompiledCondition {
    /// Compiles a validated condition; fails only if its regex or number is invalid.
    pub fn compile(condition: &Condition) -> Result<Self, String> {
        let value = condition.value.as_deref().unwrap_or_default();
        let regex = match condition.operator {
            Operator::Regex => Some(build_regex(value)?),
            _ => None,
        };
        let number = if condition.operator.is_numeric() {
            Some(parse_number(value).ok_or_else(|| format!("{value:?} is not a number"))?)
        } else {
            None
        };
        Ok(CompiledCondition {
            condition: condition.clone(),
            regex,
            number,
        })
    }

    /// The condition as defined.
    pub fn condition(&self) -> &Condition {
        &self.condition
    }

    /// What the request holds where the condition looks.
    fn actual(&self, req: &RequestView<'_>) -> Option<String> {
        let field = self.condition.field.as_str();
        match self.condition.kind {
            ConditionType::Header => {
                let values: Vec<&str> = req
                    .request
                    .headers
                    .get_all(field)
                    .iter()
                    .filter_map(|v| v.to_str().ok())
                    .collect();
                (!values.is_empty()).then(|| values.join(", "))
            }
            ConditionType::Query => req.query(field).map(str::to_owned),
            ConditionType::Path => req.param(field).map(str::to_owned),
            ConditionType::Cookie => req.cookie(field).map(str::to_owned),
            ConditionType::Method => Some(req.request.method.as_str().to_owned()),
            ConditionType::Body => req.body_field(field),
        }
    }

    /// Checks the condition; on failure returns what was found, for the report.
    pub fn evaluate(&self, req: &RequestView<'_>) -> Result<(), FailedCondition> {
        let actual = self.actual(req);
        if self.holds(actual.as_deref()) {
            Ok(())
        } else {
            Err(FailedCondition {
                kind: self.condition.kind,
                field: self.condition.field.clone(),
                operator: self.condition.operator,
                expected: self.condition.value.clone(),
                actual,
            })
        }
    }

    fn holds(&self, actual: Option<&str>) -> bool {
        let expected = self.condition.value.as_deref().unwrap_or_default();
        let method = self.condition.kind == ConditionType::Method;
        match (self.condition.operator, actual) {
            (Operator::Exists, a) => a.is_some(),
            (Operator::NotExists, a) => a.is_none(),
            (Operator::NotEquals, None) => true,
            (_, None) => false,
            (Operator::Equals, Some(a)) if method => a.eq_ignore_ascii_case(expected),
            (Operator::NotEquals, Some(a)) if method => !a.eq_ignore_ascii_case(expected),
            (Operator::Equals, Some(a)) => a == expected,
            (Operator::NotEquals, Some(a)) => a != expected,
            (Operator::Contains, Some(a)) => a.contains(expected),
            (Operator::StartsWith, Some(a)) => a.starts_with(expected),
            (Operator::EndsWith, Some(a)) => a.ends_with(expected),
            (Operator::Regex, Some(a)) => self.regex.as_ref().is_some_and(|r| r.is_match(a)),
            (op, Some(a)) => match (parse_number(a), self.number) {
                (Some(a), Some(b)) => match op {
                    Operator::Gt => a > b,
                    Operator::Gte => a >= b,
                    Operator::Lt => a < b,
                    _ => a <= b,
                },
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ConditionSpec;
    use crate::request::MockRequest;
    use serde_json::json;

    fn cond(kind: &str, field: &str, op: &str, value: Option<&str>) -> CompiledCondition {
        let spec: ConditionSpec = serde_json::from_value(
            json!({"type": kind, "field": field, "operator": op, "value": value}),
        )
        .unwrap();
        CompiledCondition::compile(&spec.validate().unwrap()).unwrap()
    }

    fn request() -> MockRequest {
        MockRequest::new(http::Method::POST, "/orders/17?q=hello+world&n=42&empty=")
            .with_header("X-Api-Version", "2024-01")
            .with_header("Content-Type", "application/json")
            .with_header("Cookie", "session=abc123; theme=dark")
            .with_body(
                r#"{"user":{"name":"Ada","age":36,"tags":["a","b"]},"total":99.5,"ok":true}"#,
            )
    }

    fn check(c: &CompiledCondition, req: &MockRequest) -> bool {
        let params = [("id".to_owned(), "17".to_owned())];
        c.evaluate(&RequestView::new(req, &params)).is_ok()
    }

    #[test]
    fn every_operator_on_strings() {
        let req = request();
        let cases = [
            ("equals", "2024-01", true),
            ("equals", "2024", false),
            ("notEquals", "2024", true),
            ("notEquals", "2024-01", false),
            ("contains", "24-0", true),
            ("contains", "xx", false),
            ("startsWith", "2024", true),
            ("startsWith", "01", false),
            ("endsWith", "-01", true),
            ("endsWith", "2024", false),
            ("regex", r"^\d{4}-\d{2}$", true),
            ("regex", r"^\d{2}$", false),
        ];
        for (op, v, want) in cases {
            assert_eq!(
                check(&cond("header", "x-api-version", op, Some(v)), &req),
                want,
                "{op} {v}"
            );
        }
    }

    #[test]
    fn presence_operators() {
        let req = request();
        assert!(check(
            &cond("header", "X-API-VERSION", "exists", None),
            &req
        ));
        assert!(!check(&cond("header", "x-missing", "exists", None), &req));
        assert!(check(&cond("header", "x-missing", "notExists", None), &req));
        assert!(!check(&cond("query", "q", "notExists", None), &req));
        assert!(
            check(&cond("query", "empty", "exists", None), &req),
            "an empty value is present"
        );
    }

    #[test]
    fn absent_values_fail_everything_but_not_equals_and_not_exists() {
        let req = request();
        for op in [
            "equals",
            "contains",
            "startsWith",
            "endsWith",
            "regex",
            "gt",
            "gte",
            "lt",
            "lte",
        ] {
            assert!(
                !check(&cond("query", "missing", op, Some("1")), &req),
                "{op}"
            );
        }
        assert!(check(
            &cond("query", "missing", "notEquals", Some("1")),
            &req
        ));
    }

    #[test]
    fn numeric_operators() {
        let req = request();
        let cases = [
            ("gt", "41", true),
            ("gt", "42", false),
            ("gte", "42", true),
            ("gte", "42.5", false),
            ("lt", "43", true),
            ("lt", "42", false),
            ("lte", "42", true),
            ("lte", "41.9", false),
        ];
        for (op, v, want) in cases {
            assert_eq!(
                check(&cond("query", "n", op, Some(v)), &req),
                want,
                "{op} {v}"
            );
        }
        assert!(
            !check(&cond("query", "q", "gt", Some("1")), &req),
            "a non-number side fails"
        );
        assert!(check(&cond("body", "total", "gt", Some("99")), &req));
    }

    #[test]
    fn sources_query_path_cookie_method_body() {
        let req = request();
        assert!(check(
            &cond("query", "q", "equals", Some("hello world")),
            &req
        ));
        assert!(check(&cond("path", "id", "equals", Some("17")), &req));
        assert!(check(
            &cond("cookie", "theme", "equals", Some("dark")),
            &req
        ));
        assert!(check(&cond("method", "", "equals", Some("post")), &req));
        assert!(!check(&cond("method", "", "equals", Some("GET")), &req));
        assert!(check(
            &cond("body", "user.name", "equals", Some("Ada")),
            &req
        ));
        assert!(check(
            &cond("body", "/user/tags/1", "equals", Some("b")),
            &req
        ));
        assert!(check(
            &cond("body", "user.tags.0", "equals", Some("a")),
            &req
        ));
        assert!(check(&cond("body", "ok", "equals", Some("true")), &req));
        assert!(check(&cond("body", "user.age", "equals", Some("36")), &req));
        assert!(check(&cond("body", "", "contains", Some("\"Ada\"")), &req));
        assert!(!check(&cond("body", "user.nope", "exists", None), &req));
    }

    #[test]
    fn form_bodies_are_read_by_field() {
        let req = MockRequest::new(http::Method::POST, "/login")
            .with_header("content-type", "application/x-www-form-urlencoded")
            .with_body("user=ada&pass=s%20cret");
        assert!(check(&cond("body", "pass", "equals", Some("s cret")), &req));
    }

    #[test]
    fn failure_reports_expected_and_actual() {
        let req = request();
        let c = cond("header", "x-api-version", "equals", Some("v3"));
        let params = [];
        let err = c.evaluate(&RequestView::new(&req, &params)).unwrap_err();
        assert_eq!(err.expected.as_deref(), Some("v3"));
        assert_eq!(err.actual.as_deref(), Some("2024-01"));
    }

    #[test]
    fn regex_size_limit_is_enforced() {
        assert!(build_regex(r"\w{1000}\w{1000}\w{1000}").is_err());
        assert!(build_regex("(").unwrap_err().starts_with("invalid regex"));
        assert!(build_regex(r"^[a-z]+\d*$").is_ok());
    }
}
