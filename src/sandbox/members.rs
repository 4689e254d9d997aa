//! Account members (§2.8) and account-management tokens (§2.9).

use std::borrow::Cow;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Shared;
use super::accounts::insert_account;
use super::auth::{Caller, am_jwt};
use super::body::{is_email, nullable_str, parse_data, req_str};
use super::error::{ApiError, ApiResult};
use super::list::{Query, Spec, matches, page_body, page_meta, parse_query, sort_by_field, window};
use super::state::{
    AmSession, Membership, Store, account_json, member_json, membership_json, new_id, ts,
};
use super::users::{check_password, check_username, insert_credential, insert_user, select_users};

const TS_OPS: &[&str] = &["lt", "le", "eq", "gt", "ge"];

pub const MEMBER_SPEC: Spec = Spec {
    filters: &[
        ("email", &["eq", "like", "ilike"]),
        ("name", &["eq", "like", "ilike"]),
        ("given_name", &["eq", "ilike", "is_null"]),
        ("middle_name", &["eq", "ilike", "is_null"]),
        ("family_name", &["eq", "ilike", "is_null"]),
        ("id", &["eq", "in"]),
        ("created_at", TS_OPS),
        ("updated_at", TS_OPS),
    ],
    sorts: &["created_at", "email", "id", "name", "updated_at"],
    default_sort: None,
};

const MS_SPEC: Spec = Spec {
    filters: &[("account_member_id", &["eq", "like"]), ("account_id", &["eq", "in"])],
    sorts: &["created_at", "id", "updated_at"],
    default_sort: None,
};

pub fn membership_field<'a>(m: &'a Membership, f: &str) -> Option<Cow<'a, str>> {
    match f {
        "id" => Some(Cow::Borrowed(&m.id)),
        "account_member_id" => Some(Cow::Borrowed(&m.member_id)),
        "account_id" => Some(Cow::Borrowed(&m.account_id)),
        "created_at" => Some(Cow::Owned(ts(&m.created_at))),
        "updated_at" => Some(Cow::Owned(ts(&m.updated_at))),
        _ => None,
    }
}

/// Filters, sorts and pages memberships into a list body.
pub fn membership_page(
    store: &Store,
    mut ms: Vec<&Membership>,
    q: &Query,
    base: &str,
    path: &str,
    include: Option<&str>,
) -> Value {
    ms.retain(|m| matches(&q.filters, |f| membership_field(m, f)));
    sort_by_field(&mut ms, &q.sort, |m, f| membership_field(m, f).unwrap_or_default().into_owned());
    let total = ms.len();
    let page = &ms[window(q, total)];
    let items = page.iter().map(|m| membership_json(m, base)).collect();
    let mut body = page_body(items, total, q, base, path);
    match include {
        Some("account") => {
            let accounts: Vec<Value> = page
                .iter()
                .filter_map(|m| store.account(&m.account_id))
                .map(|a| account_json(store, a, base))
                .collect();
            body["included"] = json!({ "accounts": accounts });
        }
        Some("account_member") => {
            let members: Vec<Value> = page
                .iter()
                .filter_map(|m| store.user(&m.member_id))
                .map(|u| member_json(u, base))
                .collect();
            body["included"] = json!({ "account_members": members });
        }
        _ => {}
    }
    body
}

pub async fn list(State(app): State<Shared>, caller: Caller, RawQuery(q): RawQuery) -> ApiResult {
    let scope = caller.member_scope()?.cloned();
    let q = parse_query(q.as_deref(), &MEMBER_SPEC)?;
    let store = app.store();
    let me = scope.map(|s| s.member_id);
    let only = me.as_ref().map(|id| move |u: &super::state::User| &u.id == id);
    let (page, total) = match &only {
        Some(f) => select_users(&store, &q, Some(f)),
        None => select_users(&store, &q, None),
    };
    let items = page.into_iter().map(|u| member_json(u, &app.base_url)).collect();
    Ok(Json(page_body(items, total, &q, &app.base_url, "/v2/account-members")).into_response())
}

fn own(caller: &Caller, id: &str) -> ApiResult<()> {
    if let Some(s) = caller.member_scope()?
        && s.member_id != id
    {
        return Err(ApiError::forbidden("An account member may only read their own record"));
    }
    Ok(())
}

pub async fn get_one(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    own(&caller, &id)?;
    let store = app.store();
    let u = store.user(&id).ok_or_else(|| ApiError::not_found("account member"))?;
    Ok(Json(json!({ "data": member_json(u, &app.base_url) })).into_response())
}

pub async fn memberships(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    own(&caller, &id)?;
    let q = parse_query(q.as_deref(), &MS_SPEC)?;
    let store = app.store();
    if store.user(&id).is_none() {
        return Err(ApiError::not_found("account member"));
    }
    let ms = store.memberships_of_member(&id);
    let include = q.includes("account").then_some("account");
    let path = format!("/v2/account-members/{id}/account-memberships");
    Ok(Json(membership_page(&store, ms, &q, &app.base_url, &path, include)).into_response())
}

fn invalid_credentials() -> ApiError {
    ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized").detail("Invalid username or password")
}

/// Issues one AM token per membership of `member` and builds the 201 body.
fn issue_tokens(store: &mut Store, member: &str, base: &str) -> Value {
    let now = Utc::now();
    let secs = store.data.settings.account_management_authentication_token_timeout_secs;
    let expires = now + chrono::Duration::seconds(secs.min(i64::MAX as u64 / 2000) as i64);
    store.am_tokens.retain(|_, s| s.expires > now);
    let accounts: Vec<(String, String)> = store
        .memberships_of_member(member)
        .into_iter()
        .filter_map(|m| store.account(&m.account_id).map(|a| (a.id.clone(), a.name.clone())))
        .collect();
    let mut data = Vec::new();
    for (account_id, account_name) in accounts {
        let token = am_jwt(member, &account_id, &expires);
        store.am_tokens.insert(
            token.clone(),
            AmSession {
                member_id: member.to_owned(),
                account_id: Some(account_id.clone()),
                expires,
            },
        );
        data.push(json!({
            "type": "account_management_authentication_token",
            "account_id": account_id, "account_name": account_name,
            "token": token, "expires": ts(&expires),
        }));
    }
    let q = Query { limit: data.len().max(25), ..Query::default() };
    let (mut meta, links) = page_meta(data.len(), &q, base, "/v2/account-members/tokens");
    meta["account_member_id"] = json!(member);
    json!({ "data": data, "meta": meta, "links": links })
}

fn profile_in_account_realm(store: &Store, id: &str) -> ApiResult<()> {
    let realm = store.account_realm();
    if store.profile(realm, id).is_none() {
        return Err(ApiError::not_found("password profile").source("data.password_profile_id"));
    }
    Ok(())
}

pub async fn tokens(State(app): State<Shared>, caller: Caller, body: Bytes) -> ApiResult {
    let data = parse_data(&body, &["account_management_authentication_token"])?;
    let mechanism = req_str(&data, "authentication_mechanism")?;
    let mut store = app.store();
    let member = match mechanism.as_str() {
        "password" => {
            let profile = req_str(&data, "password_profile_id")?;
            let username = req_str(&data, "username")?;
            let password = req_str(&data, "password")?;
            profile_in_account_realm(&store, &profile)?;
            let key = (profile, username.trim().to_lowercase());
            let cred = store
                .idx
                .cred_by_name
                .get(&key)
                .and_then(|c| store.data.credentials.get(c))
                .ok_or_else(invalid_credentials)?;
            let ok: bool = cred.password.expose().as_bytes().ct_eq(password.as_bytes()).into();
            if !ok {
                return Err(invalid_credentials());
            }
            cred.user_id.clone()
        }
        "self_signup" => {
            if !store.data.settings.enable_self_signup {
                return Err(ApiError::forbidden(
                    "Self sign up is disabled (enable_self_signup is false in the account authentication settings)",
                ));
            }
            let profile = req_str(&data, "password_profile_id")?;
            let username = req_str(&data, "username")?;
            let password = req_str(&data, "password")?;
            let name = req_str(&data, "name")?;
            let email = req_str(&data, "email")?;
            if !is_email(&email) {
                return Err(ApiError::field(
                    "email",
                    format!("email '{email}' is not a valid email address"),
                ));
            }
            check_password(&password)?;
            profile_in_account_realm(&store, &profile)?;
            let username = check_username(&store, &profile, &username)?;
            if store.idx.cred_by_name.contains_key(&(profile.clone(), username.clone())) {
                return Err(ApiError::conflict(format!(
                    "an account member with username '{username}' already exists for this password profile"
                )));
            }
            let mut user = insert_user(&mut store, name.clone(), email);
            for (field, slot) in [
                ("given_name", &mut user.given_name),
                ("middle_name", &mut user.middle_name),
                ("family_name", &mut user.family_name),
            ] {
                if let Some(v) = nullable_str(&data, field)? {
                    *slot = v;
                }
            }
            if let Some(&pos) = store.idx.user_pos.get(&user.id) {
                store.data.users[pos] = user.clone();
            }
            insert_credential(&mut store, &user.id, &profile, username, password)?;
            super::users::member_created(&app, &mut store, &user);
            if store.data.settings.auto_create_account_for_account_members {
                let account =
                    insert_account(&mut store, name.clone(), Some(name), None, None, None)?;
                let now = Utc::now();
                let m = Membership {
                    id: new_id(),
                    account_id: account.id.clone(),
                    member_id: user.id.clone(),
                    created_at: now,
                    updated_at: now,
                };
                store.push_membership(m.clone());
                let base = &app.base_url;
                super::delivery::emit_resource(&app, &mut store, "account.created", |s| {
                    account_json(s, &account, base)
                });
                super::delivery::emit_resource(
                    &app,
                    &mut store,
                    "account-membership.created",
                    |_| membership_json(&m, base),
                );
            }
            user.id
        }
        "passwordless" => {
            let profile = req_str(&data, "password_profile_id")?;
            let username = req_str(&data, "username")?.trim().to_lowercase();
            let code = req_str(&data, "one_time_password_token")?;
            profile_in_account_realm(&store, &profile)?;
            let now = Utc::now();
            let valid = chrono::Duration::minutes(super::profiles::OTP_VALIDITY_MINUTES);
            let otp = store.otps.iter_mut().rev().find(|o| {
                o.profile_id == profile
                    && o.username == username
                    && !o.used
                    && now < o.created_at + valid
                    && bool::from(o.code.expose().as_bytes().ct_eq(code.trim().as_bytes()))
            });
            let Some(otp) = otp else {
                return Err(ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
                    .detail("Invalid, expired or already used one-time password token"));
            };
            otp.used = true;
            otp.user_id.clone()
        }
        "account_management_authentication_token" => match &caller.am {
            Some(s) => s.member_id.clone(),
            None => {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "Unable to validate account management authentication token",
                )
                .detail("Send a valid EP-Account-Management-Authentication-Token header"));
            }
        },
        "oidc" => {
            return Err(ApiError::unprocessable(
                "the oidc mechanism is not available in the sandbox",
            ));
        }
        other => {
            return Err(ApiError::field(
                "authentication_mechanism",
                format!(
                    "authentication_mechanism must be one of: password, self_signup, passwordless, \
                     account_management_authentication_token, oidc (got '{other}')"
                ),
            ));
        }
    };
    if store.user(&member).is_none() {
        return Err(invalid_credentials());
    }
    let body = issue_tokens(&mut store, &member, &app.base_url);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}
