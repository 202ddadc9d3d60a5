//! Validation errors shared by every validated constructor in the model.

use std::fmt;

/// One problem with one field of some input.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// The field at fault, as named in the API (`path`, `responses[0].statusCode`).
    pub field: String,
    /// What is wrong with it, written for the person who sent it.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every problem found in one piece of input, reported at once.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
pub struct ValidationError {
    /// The problems, in the order the fields were checked. Never empty when returned as an error.
    pub errors: Vec<FieldError>,
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("validation failed: ")?;
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl ValidationError {
    /// An error about a single field.
    pub fn single(field: impl Into<String>, message: impl Into<String>) -> Self {
        let mut v = Self::default();
        v.push(field, message);
        v
    }

    /// Records one more problem.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError {
            field: field.into(),
            message: message.into(),
        });
    }

    /// Adds all problems of `other`, with `prefix` put before their field names.
    pub fn extend_prefixed(&mut self, prefix: &str, other: ValidationError) {
        for e in other.errors {
            self.push(format!("{prefix}{}", e.field), e.message);
        }
    }

    /// `Ok(value)` when no problem was recorded, else `Err(self)`.
    pub fn into_result<T>(self, value: T) -> Result<T, ValidationError> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// True when no problem was recorded.
    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The problems as the `errors` list of an API error body (`"field: message"`).
    pub fn messages(&self) -> Vec<String> {
        self.errors.iter().map(ToString::to_string).collect()
    }
}
