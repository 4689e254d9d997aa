//! Error bodies: Commerce (`{"errors":[…]}`), integrations (integer status) and
//! Beyond Identity (grpc-gateway `{code, message, details}`).

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `{"errors":[{"status":"400",…}]}`
    Commerce,
    /// `{"errors":[{"status":400,"source":…,"title":"required",…}]}`
    Integrations,
    /// `{"code":3,"message":…,"details":[]}`
    Grpc,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub title: String,
    pub detail: Option<String>,
    pub source: Option<String>,
    pub style: Style,
}

pub type ApiResult<T = Response> = Result<T, ApiError>;

impl ApiError {
    pub fn new(status: StatusCode, title: impl Into<String>) -> Self {
        Self { status, title: title.into(), detail: None, source: None, style: Style::Commerce }
    }
    pub fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = Some(d.into());
        self
    }
    pub fn source(mut self, s: impl Into<String>) -> Self {
        self.source = Some(s.into());
        self
    }
    pub fn style(mut self, s: Style) -> Self {
        self.style = s;
        self
    }
    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Bad Request").detail(detail)
    }
    /// A validation failure on one field of `data`.
    pub fn field(field: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "Validation Error")
            .detail(detail)
            .source(format!("data.{field}"))
    }
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "Unable to validate access token")
    }
    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "Forbidden").detail(detail)
    }
    pub fn not_found(what: &str) -> Self {
        Self::new(StatusCode::NOT_FOUND, "Not Found").detail(format!("{what} not found"))
    }
    pub fn conflict(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "Conflict").detail(detail)
    }
    pub fn unprocessable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "Unprocessable Entity").detail(detail)
    }
    pub fn filter(detail: impl Into<String>) -> Self {
        let d: String = detail.into();
        Self::bad_request(format!("Could not parse the supplied filter: {d}")).source("filter")
    }
    /// Beyond Identity (grpc-gateway) error.
    pub fn grpc(status: StatusCode, message: impl Into<String>) -> Self {
        Self::new(status, message).style(Style::Grpc)
    }

    pub fn body(&self) -> Value {
        match self.style {
            Style::Commerce => {
                let mut e =
                    json!({"status": self.status.as_u16().to_string(), "title": self.title});
                if let Some(d) = &self.detail {
                    e["detail"] = json!(d);
                }
                if let Some(s) = &self.source {
                    e["source"] = json!(s);
                }
                json!({ "errors": [e] })
            }
            Style::Integrations => {
                let mut e = json!({"status": self.status.as_u16(), "title": self.title});
                if let Some(d) = &self.detail {
                    e["detail"] = json!(d);
                }
                if let Some(s) = &self.source {
                    e["source"] = json!(s);
                }
                json!({ "errors": [e] })
            }
            Style::Grpc => {
                json!({"code": grpc_code(self.status), "message": self.title, "details": []})
            }
        }
    }
}

fn grpc_code(status: StatusCode) -> u32 {
    match status.as_u16() {
        400 => 3,
        401 => 16,
        403 => 7,
        404 => 5,
        409 => 6,
        429 => 8,
        503 => 14,
        501 => 12,
        _ => 2,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}
