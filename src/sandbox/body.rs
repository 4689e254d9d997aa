//! Request body parsing: JSON with clear errors, the `data` envelope and typed fields.

use axum::body::Bytes;
use serde_json::{Map, Value};

use super::error::ApiError;

pub type Obj = Map<String, Value>;

/// Parses any JSON body; malformed JSON is a 400 naming the problem and its position.
pub fn parse_json(bytes: &Bytes) -> Result<Value, ApiError> {
    if bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(ApiError::bad_request("Request body is empty; expected a JSON object"));
    }
    serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("Request body is not valid JSON: {e}")))
}

/// Parses `{"data":{"type":<expected>,…}}` and returns `data`.
pub fn parse_data(bytes: &Bytes, expected: &[&str]) -> Result<Obj, ApiError> {
    let v = parse_json(bytes)?;
    let Value::Object(mut top) = v else {
        return Err(ApiError::bad_request("Request body must be a JSON object").source("data"));
    };
    let Some(Value::Object(data)) = top.remove("data") else {
        return Err(ApiError::bad_request(
            "Request body must be wrapped in a \"data\" object: {\"data\":{…}}",
        )
        .source("data"));
    };
    match data.get("type") {
        Some(Value::String(t)) if expected.contains(&t.as_str()) => Ok(data),
        Some(Value::String(t)) => Err(ApiError::bad_request(format!(
            "data.type must be \"{}\", got \"{t}\"",
            expected[0]
        ))
        .source("data.type")),
        _ => Err(ApiError::bad_request(format!(
            "data.type is required and must be \"{}\"",
            expected[0]
        ))
        .source("data.type")),
    }
}

/// A required non-empty string field.
pub fn req_str(data: &Obj, field: &str) -> Result<String, ApiError> {
    match data.get(field) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        Some(Value::String(_)) => Err(ApiError::field(field, format!("{field} must not be empty"))),
        None | Some(Value::Null) => Err(ApiError::field(field, format!("{field} is required"))),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a string"))),
    }
}

/// `null` sent for an attribute the schema does not make nullable: a 400, never
/// silently read as "not sent".
fn not_nullable(field: &str, kind: &str) -> ApiError {
    ApiError::field(
        field,
        format!("{field} must be {kind}, not null (leave it out to keep the current value)"),
    )
}

/// An optional, non-nullable string field: absent → `None`, `null` → 400.
pub fn opt_str(data: &Obj, field: &str) -> Result<Option<String>, ApiError> {
    match data.get(field) {
        None => Ok(None),
        Some(Value::Null) => Err(not_nullable(field, "a string")),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a string"))),
    }
}

/// Distinguishes absent (None), explicit null (Some(None)) and a value.
pub fn nullable_str(data: &Obj, field: &str) -> Result<Option<Option<String>>, ApiError> {
    match data.get(field) {
        None => Ok(None),
        Some(Value::Null) => Ok(Some(None)),
        Some(Value::String(s)) => Ok(Some(Some(s.clone()))),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a string or null"))),
    }
}

pub fn opt_bool(data: &Obj, field: &str) -> Result<Option<bool>, ApiError> {
    match data.get(field) {
        None => Ok(None),
        Some(Value::Null) => Err(not_nullable(field, "a boolean")),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::field(field, format!("{field} must be a boolean"))),
    }
}

pub fn opt_u64(data: &Obj, field: &str) -> Result<Option<u64>, ApiError> {
    match data.get(field) {
        None => Ok(None),
        Some(Value::Null) => Err(not_nullable(field, "a positive integer")),
        Some(v) => v
            .as_u64()
            .map(Some)
            .ok_or_else(|| ApiError::field(field, format!("{field} must be a positive integer"))),
    }
}

/// A loose email check: one `@`, something on both sides, a dot in the domain.
pub fn is_email(s: &str) -> bool {
    let mut parts = s.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.contains(char::is_whitespace)
        }
        _ => false,
    }
}
