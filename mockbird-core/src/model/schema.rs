//! Hand-written OpenAPI schemas for the fields whose rules the derive cannot
//! say (feature `openapi`).

use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Schema, Type};
use utoipa::openapi::{RefOr, schema::SchemaType};

/// A pattern matching `name` in any letter case, e.g. `[Tt][Ee]` for `te`.
fn any_case(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphabetic() {
                format!("[{}{}]", c.to_ascii_uppercase(), c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Response headers: names are HTTP tokens other than the server-owned ones
/// ([`super::is_server_owned_header`]), values are valid header values.
pub(crate) fn headers() -> Schema {
    let owned = [
        "content-length$",
        "transfer-encoding$",
        "connection$",
        "keep-alive$",
        "upgrade$",
        "te$",
        "trailer$",
        "proxy-",
    ]
    .map(any_case)
    .join("|");
    let name = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(format!(
            "^(?!(?:{owned}))[!#$%&'*+.^_`|~0-9A-Za-z-]+$"
        )))
        .build();
    let value = ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(Some(r"^[\t\u0020-\u007e\u0080-\uffff]*$"))
        .build();
    let mut object = ObjectBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Object, Type::Null]))
        .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(Schema::Object(
            value,
        )))))
        .build();
    object.property_names = Some(Box::new(Schema::Object(name)));
    Schema::Object(object)
}

/// A condition's schema: the fields each kind and operator need, as the
/// alternatives [`super::ConditionSpec::validate`] accepts (a regex must also
/// compile in the `regex` crate's syntax, which JSON Schema cannot say).
impl utoipa::PartialSchema for super::ConditionSpec {
    fn schema() -> RefOr<Schema> {
        use serde_json::json;
        let named = json!(["header", "query", "path", "cookie"]);
        let field = json!({"type": "string", "maxLength": 500, "pattern": "[^ \\t\\n\\r]",
            "description": "Header name, query key, body path (`a.b.0` or `/a/b/0`), path parameter or cookie"});
        let optional_field = json!({"type": ["string", "null"], "maxLength": 500,
            "description": "Ignored for `method`; for `body`, empty means the whole body"});
        let values = [
            (
                json!(["equals", "notEquals", "contains", "startsWith", "endsWith"]),
                json!({"type": "string", "maxLength": 10000}),
            ),
            (
                json!(["gt", "gte", "lt", "lte"]),
                json!({"type": "string", "pattern": "^[+-]?(?:[0-9]+\\.?[0-9]*|\\.[0-9]+)(?:[eE][+-]?[0-9]{1,2})?$",
                    "description": "A number, written as a JSON string"}),
            ),
            (
                json!(["regex"]),
                json!({"type": "string", "maxLength": 1000, "format": "regex",
                    "description": "A regular expression (`regex` crate syntax, unanchored)"}),
            ),
        ];
        let mut branches = Vec::new();
        for (kinds, field) in [
            (&named, &field),
            (&json!(["body", "method"]), &optional_field),
        ] {
            for (operators, value) in &values {
                branches.push(json!({
                    "type": "object",
                    "required": if field == &optional_field { json!(["type", "operator", "value"]) } else { json!(["type", "field", "operator", "value"]) },
                    "properties": {"type": {"type": "string", "enum": kinds}, "field": field, "operator": {"type": "string", "enum": operators}, "value": value},
                    "additionalProperties": false,
                }));
            }
        }
        for (kinds, field) in [
            (&named, &field),
            (&json!(["body", "method"]), &optional_field),
        ] {
            branches.push(json!({
                "type": "object",
                "required": if field == &optional_field { json!(["type", "operator"]) } else { json!(["type", "field", "operator"]) },
                "properties": {"type": {"type": "string", "enum": kinds}, "field": field, "operator": {"type": "string", "enum": ["exists", "notExists"]},
                    "value": {"type": ["string", "null"], "description": "Ignored for exists and notExists"}},
                "additionalProperties": false,
            }));
        }
        let schema = json!({
            "description": "Where to look (`type`), what for (`field`), how to compare (`operator`) and with what (`value`, a JSON string).",
            "anyOf": branches,
        });
        RefOr::T(serde_json::from_value(schema).expect("the condition schema is a schema"))
    }
}

impl utoipa::ToSchema for super::ConditionSpec {}
