//! Password profiles (§2.4) and the OTP token request (§2.5).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use rand::Rng;
use serde_json::json;

use super::Shared;
use super::auth::Caller;
use super::body::{opt_bool, opt_str, parse_data, req_str};
use super::delivery;
use super::error::{ApiError, ApiResult};
use super::list::{Spec, page_body, parse_query, window};
use super::state::{Otp, Profile, Store, new_id, profile_json, ts};
use crate::secret::Secret;

pub const OTP_EVENT: &str = "one-time-password-token-request.created";
pub const OTP_VALIDITY_MINUTES: i64 = 10;

const SPEC: Spec = Spec { filters: &[], sorts: &[], default_sort: None };

/// 404 for an unknown realm.
pub fn check_realm(store: &Store, realm: &str) -> ApiResult<()> {
    if store.realm(realm).is_none() {
        return Err(ApiError::not_found("authentication realm"));
    }
    Ok(())
}

fn username_format(v: Option<String>) -> ApiResult<Option<String>> {
    match v.as_deref() {
        None => Ok(None),
        Some("email" | "any") => Ok(v),
        Some(o) => Err(ApiError::field(
            "username_format",
            format!("username_format must be one of: email, any (got '{o}')"),
        )),
    }
}

/// Reads of password profiles take any valid bearer, like the realm they sit in
/// (the permissions table's `/authentication-realms` row covers the path; a
/// profile holds no personal data, and a storefront needs its id to log in).
pub async fn list(
    State(app): State<Shared>,
    _caller: Caller,
    Path(realm): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    check_realm(&store, &realm)?;
    let all: Vec<&Profile> = store.data.profiles.iter().filter(|p| p.realm_id == realm).collect();
    let items = all[window(&q, all.len())].iter().map(|p| profile_json(p, &app.base_url)).collect();
    let path = format!("/v2/authentication-realms/{realm}/password-profiles");
    Ok(Json(page_body(items, all.len(), &q, &app.base_url, &path)).into_response())
}

pub async fn get_one(
    State(app): State<Shared>,
    _caller: Caller,
    Path((realm, id)): Path<(String, String)>,
) -> ApiResult {
    let store = app.store();
    check_realm(&store, &realm)?;
    let p = store.profile(&realm, &id).ok_or_else(|| ApiError::not_found("password profile"))?;
    Ok(Json(json!({ "data": profile_json(p, &app.base_url) })).into_response())
}

pub async fn create(
    State(app): State<Shared>,
    caller: Caller,
    Path(realm): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["password_profile"])?;
    let name = req_str(&data, "name")?;
    let format = username_format(opt_str(&data, "username_format")?)?;
    let otp = opt_bool(&data, "enable_one_time_password_token")?;
    let mut store = app.store();
    check_realm(&store, &realm)?;
    if realm != store.account_realm() {
        return Err(ApiError::unprocessable(
            "password profiles exist only in the account-management realm",
        ));
    }
    let now = Utc::now();
    let p = Profile {
        id: new_id(),
        realm_id: realm,
        name,
        username_format: format.unwrap_or_else(|| "any".to_owned()),
        enable_one_time_password_token: otp.unwrap_or(false),
        created_at: now,
        updated_at: now,
    };
    let out = json!({ "data": profile_json(&p, &app.base_url) });
    store.data.profiles.push(p);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn update(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["password_profile"])?;
    let name = opt_str(&data, "name")?;
    if name.as_deref().is_some_and(|n| n.trim().is_empty()) {
        return Err(ApiError::field("name", "name must not be empty"));
    }
    let format = username_format(opt_str(&data, "username_format")?)?;
    let otp = opt_bool(&data, "enable_one_time_password_token")?;
    let mut store = app.store();
    check_realm(&store, &realm)?;
    let p = store
        .data
        .profiles
        .iter_mut()
        .find(|p| p.id == id && p.realm_id == realm)
        .ok_or_else(|| ApiError::not_found("password profile"))?;
    if let Some(v) = name {
        p.name = v;
    }
    if let Some(v) = format {
        p.username_format = v;
    }
    if let Some(v) = otp {
        p.enable_one_time_password_token = v;
    }
    p.updated_at = Utc::now();
    Ok(Json(json!({ "data": profile_json(p, &app.base_url) })).into_response())
}

pub async fn delete(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, id)): Path<(String, String)>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    check_realm(&store, &realm)?;
    let before = store.data.profiles.len();
    store.data.profiles.retain(|p| !(p.id == id && p.realm_id == realm));
    if store.data.profiles.len() == before {
        return Err(ApiError::not_found("password profile"));
    }
    // Cascade: every password profile info on this profile goes too.
    let creds: Vec<String> = store
        .data
        .credentials
        .values()
        .filter(|c| c.profile_id == id)
        .map(|c| c.id.clone())
        .collect();
    for c in creds {
        store.remove_credential(&c);
    }
    store.otps.retain(|o| o.profile_id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn otp_code() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..6).map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char).collect()
}

pub async fn otp_request(
    State(app): State<Shared>,
    _caller: Caller,
    Path((realm, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    // Any valid bearer (implicit or client_credentials) may request an OTP.
    let data =
        parse_data(&body, &["one_time_password_token_request", "one-time-password-token-request"])?;
    let username = req_str(&data, "username")?;
    let purpose = req_str(&data, "purpose")?;
    if purpose != "reset_password" && purpose != "passwordless_authentication" {
        return Err(ApiError::field(
            "purpose",
            format!(
                "purpose must be one of: reset_password, passwordless_authentication (got '{purpose}')"
            ),
        ));
    }
    let mut store = app.store();
    check_realm(&store, &realm)?;
    let profile = store
        .profile(&realm, &id)
        .cloned()
        .ok_or_else(|| ApiError::not_found("password profile"))?;
    if !profile.enable_one_time_password_token {
        return Err(ApiError::unprocessable(
            "one-time password tokens are not enabled for this password profile \
             (enable_one_time_password_token is false)",
        ));
    }
    let key = (profile.id.clone(), username.to_lowercase());
    let Some(cred) = store.idx.cred_by_name.get(&key).and_then(|c| store.data.credentials.get(c))
    else {
        // Unknown username: same answer, no event (no user enumeration).
        return Ok(StatusCode::ACCEPTED.into_response());
    };
    let cred = cred.clone();
    let Some(user) = store.user(&cred.user_id).cloned() else {
        return Ok(StatusCode::ACCEPTED.into_response());
    };
    let now = Utc::now();
    let code = otp_code();
    let horizon = now - chrono::Duration::minutes(OTP_VALIDITY_MINUTES * 6);
    store.otps.retain(|o| o.created_at > horizon);
    store.otps.push(Otp {
        code: Secret::new(code.clone()),
        profile_id: profile.id.clone(),
        username: cred.username.clone(),
        user_id: user.id.clone(),
        purpose: purpose.clone(),
        created_at: now,
        used: false,
    });
    let payload = json!({
        "authentication_realm_id": realm,
        "created_at": ts(&now),
        "one_time_password_token": code,
        "password_profile_id": profile.id,
        "purpose": purpose,
        "updated_at": ts(&now),
        "user_authentication_info": {"email": user.email, "id": user.id, "name": user.name},
        "user_authentication_password_profile_info": {
            "id": cred.id, "password_profile_id": profile.id, "username": cred.username,
        },
    });
    delivery::emit(&app, &mut store, OTP_EVENT, payload);
    Ok(StatusCode::ACCEPTED.into_response())
}
