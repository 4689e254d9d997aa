//! `/__sandbox/*` admin routes (no auth, no faults) and the JSON 404/405 fallbacks.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use super::body::parse_json;
use super::error::{ApiError, ApiResult};
use super::state::{bi_user_json, ts};
use super::{Faults, Shared};

pub async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

pub async fn get_faults(State(app): State<Shared>) -> Json<Faults> {
    Json(app.faults().faults.clone())
}

pub async fn put_faults(State(app): State<Shared>, body: Bytes) -> ApiResult {
    let v = parse_json(&body)?;
    let f: Faults = serde_json::from_value(v)
        .map_err(|e| ApiError::bad_request(format!("Not a valid faults object: {e}")))?;
    if !(0.0..=1.0).contains(&f.fail_rate) || !(0.0..=1.0).contains(&f.drop_rate) {
        return Err(ApiError::bad_request("fail_rate and drop_rate must be between 0.0 and 1.0"));
    }
    app.faults().set(f.clone());
    Ok(Json(f).into_response())
}

pub async fn otps(State(app): State<Shared>) -> Json<Value> {
    let store = app.store();
    let data: Vec<Value> = store
        .otps
        .iter()
        .rev()
        .take(50)
        .map(|o| {
            json!({
                "one_time_password_token": o.code.expose(),
                "username": o.username,
                "password_profile_id": o.profile_id,
                "user_authentication_info_id": o.user_id,
                "purpose": o.purpose,
                "created_at": ts(&o.created_at),
                "expires_at": ts(&(o.created_at + chrono::Duration::minutes(super::profiles::OTP_VALIDITY_MINUTES))),
                "used": o.used,
            })
        })
        .collect();
    Json(json!({ "data": data }))
}

pub async fn bi_users(State(app): State<Shared>) -> Json<Value> {
    let store = app.store();
    let data: Vec<Value> = store.data.bi_users.iter().map(bi_user_json).collect();
    Json(json!({ "data": data }))
}

pub async fn not_found(method: Method, uri: Uri) -> impl IntoResponse {
    let path = uri.path();
    if path.starts_with("/v1/") {
        return ApiError::grpc(StatusCode::NOT_FOUND, format!("Not Found: {method} {path}"));
    }
    ApiError::new(StatusCode::NOT_FOUND, "Not Found")
        .detail(format!("No route for {method} {path}"))
}

pub async fn method_not_allowed(method: Method, uri: Uri) -> impl IntoResponse {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed")
        .detail(format!("{method} is not allowed on {}", uri.path()))
}
