//! Responses: what a mock answers, and under which conditions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Condition, ConditionSpec};
use crate::ValidationError;

/// A response as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct MockResponse {
    /// Identifier.
    pub id: Uuid,
    /// The mock it belongs to.
    pub mock_id: Uuid,
    /// Name; `X-Mockbird-Response: <name>` forces it.
    pub name: String,
    /// HTTP status, 100–599.
    pub status_code: u16,
    /// Response headers.
    pub headers: BTreeMap<String, String>,
    /// Body, a Handlebars template when it contains `{{`.
    pub body: String,
    /// All must pass for the response to qualify.
    pub conditions: Vec<Condition>,
    /// Relative chance among equally specific candidates, 0–100.
    pub weight: u8,
    /// Served when no response qualifies. At most one per mock.
    pub is_default: bool,
    /// When it was made; earlier responses win ties.
    pub created_at: DateTime<Utc>,
}

impl MockResponse {
    /// A new stored response made from a validated definition, with a fresh id, created now.
    pub fn create(mock_id: Uuid, def: ResponseDef) -> Self {
        MockResponse {
            id: Uuid::new_v4(),
            mock_id,
            name: def.name,
            status_code: def.status_code,
            headers: def.headers,
            body: def.body,
            conditions: def.conditions,
            weight: def.weight,
            is_default: def.is_default,
            created_at: crate::clock::now(),
        }
    }

    /// The validated definition this response was made from.
    pub fn to_def(&self) -> ResponseDef {
        ResponseDef {
            name: self.name.clone(),
            status_code: self.status_code,
            headers: self.headers.clone(),
            body: self.body.clone(),
            conditions: self.conditions.clone(),
            weight: self.weight,
            is_default: self.is_default,
        }
    }

    /// The response as user input, e.g. to apply a partial update and revalidate.
    pub fn to_spec(&self) -> ResponseSpec {
        self.to_def().to_spec()
    }
}

/// A response as a user sends it: every field optional so that all problems are reported at once.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", default)]
pub struct ResponseSpec {
    /// Default `Response`; at most 200 characters.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 200))]
    pub name: Option<String>,
    /// Required, 100–599.
    #[cfg_attr(feature = "openapi", schema(value_type = i64, required, minimum = 100, maximum = 599))]
    #[serde(deserialize_with = "super::whole_number")]
    pub status_code: Option<i64>,
    /// Default none. Names are HTTP tokens; framing and hop-by-hop headers
    /// (`Content-Length`, `Transfer-Encoding`, `Connection`, `Keep-Alive`,
    /// `Upgrade`, `TE`, `Trailer`, `Proxy-*`) are the server's.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::model::schema::headers))]
    pub headers: Option<BTreeMap<String, String>>,
    /// Default empty; at most 1 MiB. A Handlebars template when it holds `{{`.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 1048576))]
    pub body: Option<String>,
    /// Default none; at most 50.
    #[cfg_attr(feature = "openapi", schema(max_items = 50))]
    pub conditions: Option<Vec<ConditionSpec>>,
    /// Default 100; 0–100.
    #[cfg_attr(feature = "openapi", schema(minimum = 0, maximum = 100))]
    #[serde(deserialize_with = "super::whole_number")]
    pub weight: Option<i64>,
    /// Default false.
    pub is_default: Option<bool>,
}

impl ResponseSpec {
    /// Overwrites the fields that `patch` sets.
    pub fn apply(&mut self, patch: ResponseSpec) {
        macro_rules! take {
            ($($f:ident),*) => { $( if patch.$f.is_some() { self.$f = patch.$f; } )* };
        }
        take!(
            name,
            status_code,
            headers,
            body,
            conditions,
            weight,
            is_default
        );
    }

    /// Checks every field (templates and regexes included) and applies defaults.
    pub fn validate(&self) -> Result<ResponseDef, ValidationError> {
        let mut errors = ValidationError::default();
        let name = match self.name.as_deref().map(str::trim) {
            None | Some("") => "Response".to_owned(),
            Some(n) if n.chars().count() > super::MAX_NAME_CHARS => {
                errors.push(
                    "name",
                    format!("must be at most {} characters", super::MAX_NAME_CHARS),
                );
                String::new()
            }
            Some(n) => n.to_owned(),
        };
        let status_code = match self.status_code {
            None => {
                errors.push("statusCode", "is required");
                0
            }
            Some(s) if (100..=599).contains(&s) => s as u16,
            Some(_) => {
                errors.push("statusCode", "must be between 100 and 599");
                0
            }
        };
        let headers = self.headers.clone().unwrap_or_default();
        for (k, v) in &headers {
            if is_server_owned_header(k) {
                errors.push(
                    "headers",
                    format!(
                        "{k} is set by the server (framing and hop-by-hop headers cannot be mocked)"
                    ),
                );
            } else if http::HeaderName::from_bytes(k.as_bytes()).is_err() {
                errors.push("headers", format!("{k:?} is not a valid header name"));
            } else if http::HeaderValue::from_str(v).is_err() {
                errors.push(
                    "headers",
                    format!("value of {k} is not a valid header value"),
                );
            }
        }
        let body = self.body.clone().unwrap_or_default();
        if body.len() > super::MAX_BODY_BYTES {
            errors.push(
                "body",
                format!("must be at most {} bytes", super::MAX_BODY_BYTES),
            );
        } else if crate::template::is_template(&body)
            && let Err(e) = crate::template::validate(&body)
        {
            errors.push("body", e.to_string());
        }
        let mut conditions = Vec::new();
        for (i, spec) in self.conditions.iter().flatten().enumerate() {
            match spec.validate() {
                Ok(c) => conditions.push(c),
                Err(e) => errors.extend_prefixed(&format!("conditions[{i}]."), e),
            }
        }
        if conditions.len() > 50 {
            errors.push("conditions", "at most 50 conditions per response");
        }
        let regexes = count_regexes(&conditions);
        if regexes > crate::condition::MAX_REGEX_PER_RESPONSE {
            errors.push(
                "conditions",
                format!(
                    "at most {} regex conditions per response",
                    crate::condition::MAX_REGEX_PER_RESPONSE
                ),
            );
        }
        let weight = match self.weight {
            None => 100,
            Some(w) if (0..=100).contains(&w) => w as u8,
            Some(_) => {
                errors.push("weight", "must be between 0 and 100");
                0
            }
        };
        errors.into_result(ResponseDef {
            name,
            status_code,
            headers,
            body,
            conditions,
            weight,
            is_default: self.is_default.unwrap_or(false),
        })
    }
}

/// Response headers the server owns: framing (`Content-Length`,
/// `Transfer-Encoding`, `Trailer`) and hop-by-hop (`Connection`,
/// `Keep-Alive`, `Upgrade`, `TE`, `Proxy-*`). A mock setting them could
/// forge the next response on a keep-alive connection.
pub fn is_server_owned_header(name: &str) -> bool {
    const OWNED: [&str; 7] = [
        "content-length",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
    ];
    let name = name.trim();
    OWNED.iter().any(|o| name.eq_ignore_ascii_case(o))
        || name
            .get(..6)
            .is_some_and(|p| p.eq_ignore_ascii_case("proxy-"))
}

/// How many of `conditions` are regexes.
pub fn count_regexes<'a>(conditions: impl IntoIterator<Item = &'a Condition>) -> usize {
    conditions
        .into_iter()
        .filter(|c| c.operator == crate::model::Operator::Regex)
        .count()
}

/// Most responses on one mock.
pub const MAX_RESPONSES_PER_MOCK: usize = 50;

/// Checks a project against the per-mock and per-project budgets; each item
/// is one mock's (responses, regex conditions). The error names the limit.
pub fn check_budgets(mocks: impl IntoIterator<Item = (usize, usize)>) -> Result<(), String> {
    use crate::condition::{MAX_REGEX_PER_MOCK, MAX_REGEX_PER_PROJECT};
    let mut total = 0;
    for (responses, regexes) in mocks {
        if responses > MAX_RESPONSES_PER_MOCK {
            return Err(format!(
                "a mock has at most {MAX_RESPONSES_PER_MOCK} responses"
            ));
        }
        if regexes > MAX_REGEX_PER_MOCK {
            return Err(format!(
                "a mock's responses have at most {MAX_REGEX_PER_MOCK} regex conditions in all"
            ));
        }
        total += regexes;
    }
    if total > MAX_REGEX_PER_PROJECT {
        return Err(format!(
            "a project's mocks have at most {MAX_REGEX_PER_PROJECT} regex conditions in all"
        ));
    }
    Ok(())
}

/// A validated response definition, ready to be stored or compiled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseDef {
    /// Name.
    pub name: String,
    /// HTTP status, 100–599.
    pub status_code: u16,
    /// Response headers.
    pub headers: BTreeMap<String, String>,
    /// Body or template.
    pub body: String,
    /// Conditions, all validated.
    pub conditions: Vec<Condition>,
    /// 0–100.
    pub weight: u8,
    /// Whether it is the mock's default.
    pub is_default: bool,
}

impl ResponseDef {
    /// A response with this status and body and defaults elsewhere, validated.
    pub fn new(status_code: u16, body: &str) -> Result<Self, ValidationError> {
        ResponseSpec {
            status_code: Some(i64::from(status_code)),
            body: Some(body.to_owned()),
            ..Default::default()
        }
        .validate()
    }

    /// The definition as user input.
    pub fn to_spec(&self) -> ResponseSpec {
        ResponseSpec {
            name: Some(self.name.clone()),
            status_code: Some(i64::from(self.status_code)),
            headers: Some(self.headers.clone()),
            body: Some(self.body.clone()),
            conditions: Some(self.conditions.iter().map(ConditionSpec::from).collect()),
            weight: Some(i64::from(self.weight)),
            is_default: Some(self.is_default),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: serde_json::Value) -> ResponseSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn every_problem_is_reported_with_its_field() {
        let err = spec(json!({
            "statusCode": 700,
            "headers": {"bad header": "x"},
            "body": "{{#if}}",
            "weight": 101,
            "conditions": [
                {"type": "header", "field": "x", "operator": "gt", "value": "abc"},
                {"type": "query", "field": "q", "operator": "regex", "value": "("},
                {"type": "nope", "operator": "equals"},
                {"type": "cookie", "field": "c", "operator": "equals"}
            ]
        }))
        .validate()
        .unwrap_err();
        let fields: Vec<_> = err.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "statusCode",
                "headers",
                "body",
                "conditions[0].value",
                "conditions[1].value",
                "conditions[2].type",
                "conditions[2].value",
                "conditions[3].value",
                "weight"
            ],
            "{err}"
        );
    }

    #[test]
    fn status_bounds_are_inclusive() {
        for (s, ok) in [(100, true), (599, true), (99, false), (600, false)] {
            assert_eq!(spec(json!({"statusCode": s})).validate().is_ok(), ok, "{s}");
        }
        assert!(
            spec(json!({})).validate().is_err(),
            "statusCode is required"
        );
    }

    #[test]
    fn body_limit_is_one_mebibyte() {
        let at = "x".repeat(crate::model::MAX_BODY_BYTES);
        assert!(
            spec(json!({"statusCode": 200, "body": at}))
                .validate()
                .is_ok()
        );
        let over = "x".repeat(crate::model::MAX_BODY_BYTES + 1);
        let err = spec(json!({"statusCode": 200, "body": over}))
            .validate()
            .unwrap_err();
        assert_eq!(err.errors[0].field, "body");
    }

    #[test]
    fn condition_values_are_json_strings_and_presence_needs_none() {
        for v in [json!(5), json!(true), json!(["5"]), json!({"a": "5"})] {
            let err = spec(json!({"statusCode": 200, "conditions": [
                {"type": "query", "field": "n", "operator": "gte", "value": v}
            ]}))
            .validate()
            .unwrap_err();
            assert_eq!(err.errors[0].field, "conditions[0].value", "{v}");
            assert!(err.errors[0].message.contains("JSON string"), "{err}");
        }
        let def = spec(json!({"statusCode": 200, "conditions": [
            {"type": "query", "field": "n", "operator": "gte", "value": "5"},
            {"type": "header", "field": "x-a", "operator": "exists"},
            {"type": "method", "operator": "equals", "value": "POST", "field": "ignored"}
        ]}))
        .validate()
        .unwrap();
        assert_eq!(def.conditions[0].value.as_deref(), Some("5"));
        assert_eq!(def.conditions[1].value, None);
        assert_eq!(def.conditions[2].field, "");
        assert_eq!(def.weight, 100);
        assert_eq!(def.name, "Response");
    }

    #[test]
    fn unknown_helpers_and_partials_are_rejected_at_save_time() {
        for body in [
            "{{nosuchhelper 1}}",
            "{{> header}}",
            "{{#*inline \"p\"}}x{{/inline}}",
        ] {
            let err = spec(json!({"statusCode": 200, "body": body}))
                .validate()
                .unwrap_err();
            assert_eq!(err.errors[0].field, "body", "{body}");
        }
    }
}
