//! Conditions: the request facts a response requires.

use serde::{Deserialize, Serialize};

use crate::ValidationError;

/// Where a condition looks in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ConditionType {
    /// A request header (name case-insensitive).
    Header,
    /// A query-string parameter (first value).
    Query,
    /// The JSON body (dot path `a.b.0` or JSON pointer `/a/b/0`), or a form field.
    Body,
    /// A path parameter of the mock's pattern.
    Path,
    /// A cookie.
    Cookie,
    /// The request method (`field` ignored).
    Method,
}

impl ConditionType {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ConditionType::Header => "header",
            ConditionType::Query => "query",
            ConditionType::Body => "body",
            ConditionType::Path => "path",
            ConditionType::Cookie => "cookie",
            ConditionType::Method => "method",
        }
    }
}

/// How a condition compares what it found with its `value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub enum Operator {
    /// Exactly equal.
    Equals,
    /// Present and different, or absent.
    NotEquals,
    /// Contains `value`.
    Contains,
    /// Starts with `value`.
    StartsWith,
    /// Ends with `value`.
    EndsWith,
    /// Matches the regular expression `value` (unanchored; `regex` crate syntax).
    Regex,
    /// Present (any value).
    Exists,
    /// Absent.
    NotExists,
    /// Numerically greater than.
    Gt,
    /// Numerically greater than or equal.
    Gte,
    /// Numerically less than.
    Lt,
    /// Numerically less than or equal.
    Lte,
}

impl Operator {
    /// The name used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::Equals => "equals",
            Operator::NotEquals => "notEquals",
            Operator::Contains => "contains",
            Operator::StartsWith => "startsWith",
            Operator::EndsWith => "endsWith",
            Operator::Regex => "regex",
            Operator::Exists => "exists",
            Operator::NotExists => "notExists",
            Operator::Gt => "gt",
            Operator::Gte => "gte",
            Operator::Lt => "lt",
            Operator::Lte => "lte",
        }
    }

    const ALL: [Operator; 12] = [
        Operator::Equals,
        Operator::NotEquals,
        Operator::Contains,
        Operator::StartsWith,
        Operator::EndsWith,
        Operator::Regex,
        Operator::Exists,
        Operator::NotExists,
        Operator::Gt,
        Operator::Gte,
        Operator::Lt,
        Operator::Lte,
    ];

    /// Whether the operator compares numbers.
    pub fn is_numeric(self) -> bool {
        matches!(
            self,
            Operator::Gt | Operator::Gte | Operator::Lt | Operator::Lte
        )
    }

    /// Whether the operator ignores `value`.
    pub fn is_presence(self) -> bool {
        matches!(self, Operator::Exists | Operator::NotExists)
    }
}

/// A validated condition, as stored and returned by the API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Condition {
    /// Where to look.
    #[serde(rename = "type")]
    pub kind: ConditionType,
    /// What to look for there (header name, query key, body path, …); empty for `method`.
    pub field: String,
    /// How to compare.
    pub operator: Operator,
    /// What to compare with; `None` only for `exists` / `notExists`.
    pub value: Option<String>,
}

/// A condition as a user sends it. `value` is a JSON string (numbers for
/// `gt`/`lt` are written as text: `"42"`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ConditionSpec {
    /// `header query body path cookie method`.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Required except for `method` (and for `body`, where empty means the
    /// whole body); at most 500 characters.
    pub field: Option<String>,
    /// One of the [`Operator`] names.
    pub operator: Option<String>,
    /// Required except for `exists` / `notExists`; a JSON string of at most
    /// 10,000 characters (a regex at most 1,000, and it must compile; a number
    /// for `gt`, `gte`, `lt`, `lte`).
    pub value: Option<serde_json::Value>,
}

impl From<&Condition> for ConditionSpec {
    fn from(c: &Condition) -> Self {
        ConditionSpec {
            kind: Some(c.kind.as_str().to_owned()),
            field: Some(c.field.clone()),
            operator: Some(c.operator.as_str().to_owned()),
            value: c.value.clone().map(serde_json::Value::String),
        }
    }
}

impl ConditionSpec {
    /// Checks the condition, including that a regex compiles within the size limit
    /// and that numeric operators get a number.
    pub fn validate(&self) -> Result<Condition, ValidationError> {
        let mut errors = ValidationError::default();
        let kind = match self.kind.as_deref() {
            Some("header") => Some(ConditionType::Header),
            Some("query") => Some(ConditionType::Query),
            Some("body") => Some(ConditionType::Body),
            Some("path") => Some(ConditionType::Path),
            Some("cookie") => Some(ConditionType::Cookie),
            Some("method") => Some(ConditionType::Method),
            None => {
                errors.push("type", "is required");
                None
            }
            Some(_) => {
                errors.push(
                    "type",
                    "must be one of header, query, body, path, cookie, method",
                );
                None
            }
        };
        let operator = match self.operator.as_deref() {
            None => {
                errors.push("operator", "is required");
                None
            }
            Some(op) => {
                let found = Operator::ALL.into_iter().find(|o| o.as_str() == op);
                if found.is_none() {
                    errors.push(
                        "operator",
                        "must be one of equals, notEquals, contains, startsWith, endsWith, regex, exists, notExists, gt, gte, lt, lte",
                    );
                }
                found
            }
        };
        let field = self.field.clone().unwrap_or_default();
        if field.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r'))
            && matches!(kind, Some(k) if !matches!(k, ConditionType::Method | ConditionType::Body))
        {
            errors.push("field", "is required");
        }
        if field.chars().count() > 500 {
            errors.push("field", "must be at most 500 characters");
        }
        let value = match &self.value {
            None | Some(serde_json::Value::Null) => None,
            Some(serde_json::Value::String(s)) => Some(s.clone()),
            Some(v) => {
                errors.push(
                    "value",
                    format!("must be a JSON string (send {v} as \"{v}\")"),
                );
                None
            }
        };
        if let Some(op) = operator {
            if op.is_presence() {
                // value ignored
            } else if let Some(v) = &value {
                if op.is_numeric() && !v.parse::<f64>().is_ok_and(f64::is_finite) {
                    errors.push("value", format!("must be a number for {}", op.as_str()));
                }
                if v.chars().count() > 10_000 {
                    errors.push("value", "must be at most 10000 characters");
                } else if op == Operator::Regex && v.len() > crate::condition::MAX_REGEX_CHARS {
                    errors.push(
                        "value",
                        format!(
                            "a regex must be at most {} characters",
                            crate::condition::MAX_REGEX_CHARS
                        ),
                    );
                } else if op == Operator::Regex
                    && let Err(e) = crate::condition::build_regex(v)
                {
                    errors.push("value", e);
                }
            } else if self.value.is_none() || self.value == Some(serde_json::Value::Null) {
                errors.push("value", format!("is required for {}", op.as_str()));
            }
        }
        match (kind, operator) {
            (Some(kind), Some(operator)) if errors.is_empty() => Ok(Condition {
                kind,
                field: if kind == ConditionType::Method {
                    String::new()
                } else {
                    field
                },
                operator,
                value: if operator.is_presence() { None } else { value },
            }),
            _ => Err(errors),
        }
    }
}
