//! Errors of the API client and the decoding of JSON:API error bodies (§1.4).

use serde::Deserialize;
use serde_json::Value;

/// Raw error bodies kept in [`ApiError::Http`] are cut to this many bytes.
pub const MAX_RAW_BODY: usize = 4096;

/// One entry of an `{"errors":[...]}` body.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ErrorObject {
    /// `status` arrives as a string (`"400"`) or as a number (`400`); both are accepted.
    pub status: Option<u16>,
    pub title: String,
    pub detail: Option<String>,
    /// The offending field (`source` as a string, or `source.pointer`/`source.parameter`).
    pub source: Option<String>,
    pub request_id: Option<String>,
}

/// Everything that can go wrong with a call.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The server answered with a non-success status.
    #[error("HTTP {status}: {}", http_line(*status, errors, body))]
    Http { status: u16, errors: Vec<ErrorObject>, body: String },
    /// The request could not be sent or the response could not be read.
    #[error("network error: {0}")]
    Network(String),
    /// The server did not answer in time.
    #[error("the request timed out")]
    Timeout,
    /// Read-only mode refused a write before anything was sent.
    #[error("read-only mode: refused {method} {path}")]
    ReadOnly { method: String, path: String },
    /// A success response whose body is not what the API documents.
    #[error("unexpected response body (HTTP {status}): {message}")]
    Decode { status: u16, message: String },
    /// The client is not configured for this call (missing secret, bad URL...).
    #[error("configuration error: {0}")]
    Config(String),
}

fn http_line(status: u16, errors: &[ErrorObject], body: &str) -> String {
    if let Some(e) = errors.first() {
        let mut s = if e.title.is_empty() { reason(status).to_owned() } else { e.title.clone() };
        if let Some(d) = e.detail.as_deref().filter(|d| !d.is_empty() && *d != e.title) {
            s.push_str(": ");
            s.push_str(d);
        }
        if let Some(src) = e.source.as_deref() {
            s.push_str(&format!(" (field {src})"));
        }
        if let Some(id) = e.request_id.as_deref() {
            s.push_str(&format!(" [request id {id}]"));
        }
        if errors.len() > 1 {
            s.push_str(&format!(" (+{} more)", errors.len() - 1));
        }
        s
    } else {
        let trimmed: String = body.trim().chars().take(160).collect();
        let trimmed = trimmed.replace(['\n', '\r'], " ");
        if trimmed.is_empty() { reason(status).to_owned() } else { trimmed }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        422 => "Unprocessable Entity",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "error",
    }
}

impl ApiError {
    /// The HTTP status, when the server answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ApiError::Http { status, .. } | ApiError::Decode { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// The `source` (field name) of the first error object, if any.
    pub fn first_source(&self) -> Option<&str> {
        match self {
            ApiError::Http { errors, .. } => errors.iter().find_map(|e| e.source.as_deref()),
            _ => None,
        }
    }

    /// One clear line for the UI.
    pub fn summary(&self) -> String {
        let line = self.to_string();
        match self {
            ApiError::Http { status: 401, .. } => {
                format!("{line} — credentials or token rejected")
            }
            ApiError::Http { status: 403, .. } => {
                format!("{line} — this key's role may not do this")
            }
            ApiError::Http { status: 429, .. } => format!("{line} — rate limited, try again"),
            _ => line,
        }
    }

    /// `true` for a 404.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Builds the error for a non-success response from its raw body.
    pub fn from_response(status: u16, body: &[u8]) -> ApiError {
        ApiError::Http { status, errors: parse_error_objects(body), body: truncate_body(body) }
    }
}

/// The body as text, cut to [`MAX_RAW_BODY`] bytes on a character boundary.
pub fn truncate_body(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    if text.len() <= MAX_RAW_BODY {
        return text.into_owned();
    }
    let mut end = MAX_RAW_BODY;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// Parses `{"errors":[...]}` (also a lone `{"error": ...}` or grpc-gateway
/// `{"code","message"}` body). Anything else gives an empty list; never panics.
pub fn parse_error_objects(body: &[u8]) -> Vec<ErrorObject> {
    let Ok(value) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    if let Some(list) = value.get("errors").and_then(Value::as_array) {
        return list.iter().filter_map(error_object).collect();
    }
    if let Some(one) = value.get("errors").filter(|v| v.is_object()) {
        return error_object(one).into_iter().collect();
    }
    if let Some(msg) = value.get("message").and_then(Value::as_str) {
        // grpc-gateway style ({code, message, details}), e.g. Beyond Identity.
        return vec![ErrorObject { title: msg.to_owned(), ..ErrorObject::default() }];
    }
    if let Some(err) = value.get("error") {
        let title = match err {
            Value::String(s) => s.clone(),
            other => other.get("message").and_then(Value::as_str).unwrap_or_default().to_owned(),
        };
        let detail = value.get("error_description").and_then(Value::as_str).map(ToOwned::to_owned);
        if !title.is_empty() {
            return vec![ErrorObject { title, detail, ..ErrorObject::default() }];
        }
    }
    Vec::new()
}

fn error_object(v: &Value) -> Option<ErrorObject> {
    let obj = v.as_object()?;
    let status = match obj.get("status") {
        Some(Value::Number(n)) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    };
    let text = |key: &str| match obj.get(key) {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let source = match obj.get("source") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(o)) => ["pointer", "parameter", "field"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(ToOwned::to_owned),
        _ => None,
    };
    Some(ErrorObject {
        status,
        title: text("title").unwrap_or_default(),
        detail: text("detail"),
        source,
        request_id: text("request_id"),
    })
}

/// Used by serde-derived code elsewhere: an `ErrorObject` also deserializes directly.
impl<'de> Deserialize<'de> for ErrorObject {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        error_object(&v).ok_or_else(|| serde::de::Error::custom("an error object must be a map"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_as_string_or_number() {
        let e = parse_error_objects(br#"{"errors":[{"status":"400","title":"Bad Request"}]}"#);
        assert_eq!(e[0].status, Some(400));
        let e = parse_error_objects(
            br#"{"errors":[{"status":400,"source":"enabled","title":"required","detail":"enabled is required"}]}"#,
        );
        assert_eq!(e[0].status, Some(400));
        assert_eq!(e[0].source.as_deref(), Some("enabled"));
    }

    #[test]
    fn garbage_gives_no_objects() {
        assert!(parse_error_objects(b"").is_empty());
        assert!(parse_error_objects(b"<html>").is_empty());
        assert!(parse_error_objects(br#"{"errors":[{"status":"4"#).is_empty());
        assert!(parse_error_objects(br#"{"errors":[1,2]}"#).is_empty());
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        let body = "é".repeat(MAX_RAW_BODY);
        let t = truncate_body(body.as_bytes());
        assert!(t.len() <= MAX_RAW_BODY + 3);
    }

    #[test]
    fn summary_is_one_line() {
        let e = ApiError::from_response(500, b"oops\nbad\n");
        assert!(!e.summary().contains('\n'));
        assert_eq!(e.status(), Some(500));
    }
}
