//! Account authentication settings (§2.2) and authentication realms (§2.3).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::Shared;
use super::auth::Caller;
use super::body::{opt_bool, opt_str, opt_u64, parse_data};
use super::error::{ApiError, ApiResult};
use super::list::{Spec, page_body, parse_query, window};
use super::state::{realm_json, settings_json};

pub async fn get_settings(State(app): State<Shared>, caller: Caller) -> ApiResult {
    caller.admin()?;
    let store = app.store();
    Ok(Json(settings_json(&store.data.settings, store.account_realm(), &app.base_url))
        .into_response())
}

pub async fn put_settings(State(app): State<Shared>, caller: Caller, body: Bytes) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["account_authentication_settings"])?;
    let signup = opt_bool(&data, "enable_self_signup")?;
    let auto = opt_bool(&data, "auto_create_account_for_account_members")?;
    let mgmt = opt_str(&data, "account_member_self_management")?;
    if let Some(m) = &mgmt
        && m != "disabled"
        && m != "update_only"
    {
        return Err(ApiError::field(
            "account_member_self_management",
            format!(
                "account_member_self_management must be one of: disabled, update_only (got '{m}')"
            ),
        ));
    }
    let timeout = opt_u64(&data, "account_management_authentication_token_timeout_secs")?;
    if timeout == Some(0) {
        return Err(ApiError::field(
            "account_management_authentication_token_timeout_secs",
            "account_management_authentication_token_timeout_secs must be at least 1",
        ));
    }
    let mut store = app.store();
    let s = &mut store.data.settings;
    if let Some(v) = signup {
        s.enable_self_signup = v;
    }
    if let Some(v) = auto {
        s.auto_create_account_for_account_members = v;
    }
    if let Some(v) = mgmt {
        s.account_member_self_management = v;
    }
    if let Some(v) = timeout {
        s.account_management_authentication_token_timeout_secs = v;
    }
    Ok(Json(settings_json(&store.data.settings, store.account_realm(), &app.base_url))
        .into_response())
}

const REALM_SPEC: Spec = Spec { filters: &[], sorts: &[], default_sort: None };

/// Realms are readable with any valid bearer: the vendor's token permissions table
/// (S17) marks `/authentication-realms` readable by an implicit token, with or
/// without an account-management token. Writes are not served.
pub async fn list_realms(
    State(app): State<Shared>,
    _caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = parse_query(q.as_deref(), &REALM_SPEC)?;
    let store = app.store();
    let all = &store.data.realms;
    let items = all[window(&q, all.len())].iter().map(|r| realm_json(r, &app.base_url)).collect();
    Ok(Json(page_body(items, all.len(), &q, &app.base_url, "/v2/authentication-realms"))
        .into_response())
}

pub async fn get_realm(
    State(app): State<Shared>,
    _caller: Caller,
    Path(realm): Path<String>,
) -> Result<Response, ApiError> {
    let store = app.store();
    let r = store.realm(&realm).ok_or_else(|| ApiError::not_found("authentication realm"))?;
    Ok(Json(json!({ "data": realm_json(r, &app.base_url) })).into_response())
}
