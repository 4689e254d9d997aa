//! Beyond Identity legacy API (§4): create and recover users.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::Value;
use subtle::ConstantTimeEq;

use super::Shared;
use super::body::{is_email, parse_json};
use super::error::{ApiError, ApiResult};
use super::state::{BiUser, bi_user_json, new_id};

fn check_token(app: &Shared, headers: &HeaderMap) -> ApiResult<()> {
    let bearer = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
        let (scheme, tok) = v.trim().split_once(' ')?;
        scheme.eq_ignore_ascii_case("bearer").then(|| tok.trim().to_owned())
    });
    let Some(token) = bearer else {
        return Err(ApiError::grpc(StatusCode::UNAUTHORIZED, "missing bearer API token"));
    };
    let ok: bool = token.as_bytes().ct_eq(app.bi_token.expose().as_bytes()).into();
    if !ok {
        return Err(ApiError::grpc(StatusCode::UNAUTHORIZED, "invalid API token"));
    }
    Ok(())
}

fn grpc_json(body: &Bytes) -> ApiResult<serde_json::Map<String, Value>> {
    let v = parse_json(body).map_err(|e| {
        ApiError::grpc(StatusCode::BAD_REQUEST, e.detail.unwrap_or_else(|| "invalid JSON".into()))
    })?;
    match v {
        Value::Object(o) => Ok(o),
        _ => Err(ApiError::grpc(StatusCode::BAD_REQUEST, "request body must be a JSON object")),
    }
}

fn field(o: &serde_json::Map<String, Value>, k: &str) -> ApiResult<String> {
    match o.get(k) {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.clone()),
        _ => Err(ApiError::grpc(StatusCode::BAD_REQUEST, format!("invalid {k}: {k} is required"))),
    }
}

fn delivery_method(o: &serde_json::Map<String, Value>) -> ApiResult<()> {
    let m = field(o, "binding_token_delivery_method")?;
    if m != "email" {
        return Err(ApiError::grpc(
            StatusCode::BAD_REQUEST,
            format!(
                "invalid binding_token_delivery_method: only \"email\" is supported (got \"{m}\")"
            ),
        ));
    }
    Ok(())
}

pub async fn create_user(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> ApiResult {
    check_token(&app, &headers)?;
    let o = grpc_json(&body)?;
    let external_id = field(&o, "external_id")?;
    let email = field(&o, "email")?;
    if !is_email(&email) {
        return Err(ApiError::grpc(StatusCode::BAD_REQUEST, "invalid email: not an email address"));
    }
    let user_name = field(&o, "user_name")?;
    let display_name = field(&o, "display_name")?;
    delivery_method(&o)?;
    let mut store = app.store();
    if store.idx.bi_by_external.contains_key(&external_id) {
        return Err(ApiError::grpc(
            StatusCode::CONFLICT,
            format!("user with external_id \"{external_id}\" already exists"),
        ));
    }
    let now = Utc::now();
    let u = BiUser {
        internal_id: new_id(),
        external_id: external_id.clone(),
        email,
        user_name,
        display_name,
        date_created: now,
        date_modified: now,
        status: "USER_STATUS_ACTIVE".to_owned(),
    };
    let out = bi_user_json(&u);
    store.data.bi_users.push(u);
    let i = store.data.bi_users.len() - 1;
    store.idx.bi_by_external.insert(external_id, i);
    Ok(Json(out).into_response())
}

pub async fn recover_user(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> ApiResult {
    check_token(&app, &headers)?;
    let o = grpc_json(&body)?;
    let external_id = field(&o, "external_id")?;
    delivery_method(&o)?;
    let store = app.store();
    let u = store
        .idx
        .bi_by_external
        .get(&external_id)
        .and_then(|&i| store.data.bi_users.get(i))
        .ok_or_else(|| {
            ApiError::grpc(
                StatusCode::NOT_FOUND,
                format!("user with external_id \"{external_id}\" not found"),
            )
        })?;
    Ok(Json(bi_user_json(u)).into_response())
}
