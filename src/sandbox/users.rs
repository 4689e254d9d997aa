//! User authentication info (§2.6) and password profile info (§2.7).

use std::borrow::Cow;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::json;

use super::Shared;
use super::auth::Caller;
use super::body::{is_email, nullable_str, opt_str, parse_data, req_str};
use super::delivery;
use super::error::{ApiError, ApiResult};
use super::list::{Query, Spec, matches, page_body, parse_query, sort_by_field, window};
use super::profiles::check_realm;
use super::state::{Credential, Store, User, credential_json, member_json, new_id, ts, user_json};
use crate::secret::Secret;

const TS_OPS: &[&str] = &["lt", "le", "eq", "gt", "ge"];
const NAME_OPS: &[&str] = &["eq", "ilike", "is_null"];

const SPEC: Spec = Spec {
    filters: &[
        ("email", &["eq", "ilike"]),
        ("name", &["eq", "ilike"]),
        ("created_at", TS_OPS),
        ("updated_at", TS_OPS),
        ("given_name", NAME_OPS),
        ("middle_name", NAME_OPS),
        ("family_name", NAME_OPS),
    ],
    sorts: &["created_at", "id", "updated_at"],
    default_sort: Some("-created_at"),
};

const CRED_SPEC: Spec = Spec { filters: &[], sorts: &[], default_sort: None };

pub fn user_field<'a>(u: &'a User, f: &str) -> Option<Cow<'a, str>> {
    match f {
        "id" => Some(Cow::Borrowed(&u.id)),
        "name" => Some(Cow::Borrowed(&u.name)),
        "email" => Some(Cow::Borrowed(&u.email)),
        "given_name" => u.given_name.as_deref().map(Cow::Borrowed),
        "middle_name" => u.middle_name.as_deref().map(Cow::Borrowed),
        "family_name" => u.family_name.as_deref().map(Cow::Borrowed),
        "created_at" => Some(Cow::Owned(ts(&u.created_at))),
        "updated_at" => Some(Cow::Owned(ts(&u.updated_at))),
        _ => None,
    }
}

/// Filters, sorts and pages users; `only` restricts to some users (None = all).
/// Returns the page and the total. Unfiltered listings by `created_at` are O(page).
pub fn select_users<'a>(
    store: &'a Store,
    q: &Query,
    only: Option<&dyn Fn(&User) -> bool>,
) -> (Vec<&'a User>, usize) {
    let users = &store.data.users;
    let by_created = match &q.sort {
        None => Some(false),
        Some((f, desc)) if f == "created_at" => Some(*desc),
        _ => None,
    };
    if q.filters.is_empty()
        && only.is_none()
        && let Some(desc) = by_created
    {
        let total = users.len();
        let w = window(q, total);
        let page = if desc {
            w.map(|i| &users[total - 1 - i]).collect()
        } else {
            users[w].iter().collect()
        };
        return (page, total);
    }
    let mut sel: Vec<&User> = users
        .iter()
        .filter(|u| only.is_none_or(|f| f(u)))
        .filter(|u| matches(&q.filters, |f| user_field(u, f)))
        .collect();
    if by_created.is_none() {
        sort_by_field(&mut sel, &q.sort, |u, f| user_field(u, f).unwrap_or_default().into_owned());
    } else if by_created == Some(true) {
        sel.reverse();
    }
    let total = sel.len();
    let page = sel[window(q, total)].to_vec();
    (page, total)
}

/// `user-authentication-info.created` and `account-member.created`.
pub fn member_created(app: &Shared, store: &mut Store, u: &User) {
    delivery::emit_resource(app, store, "user-authentication-info.created", |_| {
        user_json(u, &app.base_url)
    });
    delivery::emit_resource(app, store, "account-member.created", |_| {
        member_json(u, &app.base_url)
    });
}

fn base_path(realm: &str) -> String {
    format!("/v2/authentication-realms/{realm}/user-authentication-info")
}

/// Implicit + AM token callers may only touch their own record; writes need `update_only`.
fn self_service(store: &Store, caller: &Caller, user_id: &str, write: bool) -> ApiResult<()> {
    let Some(session) = caller.member_scope()? else {
        return Ok(());
    };
    if session.member_id != user_id {
        return Err(ApiError::forbidden("An account member may only access their own record"));
    }
    if write && store.data.settings.account_member_self_management != "update_only" {
        return Err(ApiError::forbidden(
            "Self management is disabled (account_member_self_management is not update_only)",
        ));
    }
    Ok(())
}

pub async fn list(
    State(app): State<Shared>,
    caller: Caller,
    Path(realm): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    check_realm(&store, &realm)?;
    let (page, total) = if realm == store.account_realm() {
        select_users(&store, &q, None)
    } else {
        (Vec::new(), 0)
    };
    let items = page.into_iter().map(|u| user_json(u, &app.base_url)).collect();
    Ok(Json(page_body(items, total, &q, &app.base_url, &base_path(&realm))).into_response())
}

fn find_user<'a>(store: &'a Store, realm: &str, id: &str) -> ApiResult<&'a User> {
    check_realm(store, realm)?;
    store
        .user(id)
        .filter(|u| u.realm_id == realm)
        .ok_or_else(|| ApiError::not_found("user authentication info"))
}

pub async fn get_one(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, id)): Path<(String, String)>,
) -> ApiResult {
    let store = app.store();
    self_service(&store, &caller, &id, false)?;
    let u = find_user(&store, &realm, &id)?;
    Ok(Json(json!({ "data": user_json(u, &app.base_url) })).into_response())
}

fn names(data: &super::body::Obj, u: &mut User) -> ApiResult<()> {
    if let Some(v) = nullable_str(data, "given_name")? {
        u.given_name = v;
    }
    if let Some(v) = nullable_str(data, "middle_name")? {
        u.middle_name = v;
    }
    if let Some(v) = nullable_str(data, "family_name")? {
        u.family_name = v;
    }
    Ok(())
}

/// Creates a user (shared with self sign-up). The caller validated name and email.
pub fn insert_user(store: &mut Store, name: String, email: String) -> User {
    let now = Utc::now();
    let u = User {
        id: new_id(),
        realm_id: store.account_realm().to_owned(),
        name,
        email,
        given_name: None,
        middle_name: None,
        family_name: None,
        created_at: now,
        updated_at: now,
    };
    store.push_user(u.clone());
    u
}

pub async fn create(
    State(app): State<Shared>,
    caller: Caller,
    Path(realm): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["user_authentication_info"])?;
    let name = req_str(&data, "name")?;
    let email = req_str(&data, "email")?;
    if !is_email(&email) {
        return Err(ApiError::field(
            "email",
            format!("email '{email}' is not a valid email address"),
        ));
    }
    let mut store = app.store();
    check_realm(&store, &realm)?;
    if realm != store.account_realm() {
        return Err(ApiError::unprocessable(
            "user authentication info can only be created in the account-management realm",
        ));
    }
    let mut u = insert_user(&mut store, name, email);
    let mut probe = u.clone();
    names(&data, &mut probe)?;
    if let Some(pos) = store.idx.user_pos.get(&u.id).copied() {
        store.data.users[pos] = probe.clone();
        u = probe;
    }
    member_created(&app, &mut store, &u);
    Ok((StatusCode::CREATED, Json(json!({ "data": user_json(&u, &app.base_url) }))).into_response())
}

pub async fn update(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, id)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    let data = parse_data(&body, &["user_authentication_info"])?;
    // PUT sends the whole record: `name` and `email` are required as on create
    // (the schema's `required`); the nullable name parts may be left out.
    let name = req_str(&data, "name")?;
    let email = req_str(&data, "email")?;
    if !is_email(&email) {
        return Err(ApiError::field(
            "email",
            format!("email '{email}' is not a valid email address"),
        ));
    }
    let mut store = app.store();
    self_service(&store, &caller, &id, true)?;
    find_user(&store, &realm, &id)?;
    let pos = store.idx.user_pos[&id];
    let u = &mut store.data.users[pos];
    let mut next = u.clone();
    names(&data, &mut next)?;
    next.name = name;
    next.email = email;
    next.updated_at = Utc::now();
    *u = next;
    Ok(Json(json!({ "data": user_json(u, &app.base_url) })).into_response())
}

pub async fn delete(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, id)): Path<(String, String)>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    find_user(&store, &realm, &id)?;
    store.remove_user(&id);
    delivery::emit_deleted(
        &app,
        &mut store,
        "user-authentication-info.deleted",
        "user_authentication_info",
        &id,
    );
    delivery::emit_deleted(&app, &mut store, "account-member.deleted", "account_member", &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- password profile info ----

pub async fn list_creds(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, uid)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = parse_query(q.as_deref(), &CRED_SPEC)?;
    let store = app.store();
    self_service(&store, &caller, &uid, false)?;
    find_user(&store, &realm, &uid)?;
    let creds: Vec<&Credential> = store
        .idx
        .creds_by_user
        .get(&uid)
        .map(|v| v.iter().filter_map(|c| store.data.credentials.get(c)).collect())
        .unwrap_or_default();
    let items = creds[window(&q, creds.len())]
        .iter()
        .map(|c| credential_json(c, &realm, &app.base_url))
        .collect();
    let path = format!("{}/{uid}/user-authentication-password-profile-info", base_path(&realm));
    Ok(Json(page_body(items, creds.len(), &q, &app.base_url, &path)).into_response())
}

fn find_cred<'a>(store: &'a Store, realm: &str, uid: &str, cid: &str) -> ApiResult<&'a Credential> {
    find_user(store, realm, uid)?;
    store
        .data
        .credentials
        .get(cid)
        .filter(|c| c.user_id == uid)
        .ok_or_else(|| ApiError::not_found("user authentication password profile info"))
}

pub async fn get_cred(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, uid, cid)): Path<(String, String, String)>,
) -> ApiResult {
    let store = app.store();
    self_service(&store, &caller, &uid, false)?;
    let c = find_cred(&store, &realm, &uid, &cid)?;
    Ok(Json(json!({ "data": credential_json(c, &realm, &app.base_url) })).into_response())
}

/// Checks a username against the profile's format; returns it lower-cased.
pub fn check_username(store: &Store, profile_id: &str, username: &str) -> ApiResult<String> {
    let format = store
        .data
        .profiles
        .iter()
        .find(|p| p.id == profile_id)
        .map(|p| p.username_format.as_str())
        .unwrap_or("any");
    let username = username.trim().to_lowercase();
    if format == "email" && !is_email(&username) {
        return Err(ApiError::field(
            "username",
            format!(
                "username '{username}' must be an email address (the password profile's username_format is email)"
            ),
        ));
    }
    Ok(username)
}

pub fn check_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::field("password", "password must be at least 8 characters long"));
    }
    Ok(())
}

/// Creates a credential (shared with self sign-up); 409 on a duplicate username.
pub fn insert_credential(
    store: &mut Store,
    user_id: &str,
    profile_id: &str,
    username: String,
    password: String,
) -> ApiResult<Credential> {
    if store.idx.cred_by_name.contains_key(&(profile_id.to_owned(), username.clone())) {
        return Err(ApiError::conflict(format!(
            "a user with username '{username}' already exists for this password profile"
        )));
    }
    let now = Utc::now();
    let c = Credential {
        id: new_id(),
        user_id: user_id.to_owned(),
        profile_id: profile_id.to_owned(),
        username,
        password: Secret::new(password),
        created_at: now,
        updated_at: now,
    };
    store.push_credential(c.clone());
    Ok(c)
}

pub async fn create_cred(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, uid)): Path<(String, String)>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["user_authentication_password_profile_info"])?;
    let profile_id = req_str(&data, "password_profile_id")?;
    let username = req_str(&data, "username")?;
    let password = req_str(&data, "password")?;
    check_password(&password)?;
    let mut store = app.store();
    find_user(&store, &realm, &uid)?;
    if store.profile(&realm, &profile_id).is_none() {
        return Err(ApiError::unprocessable(format!(
            "password profile '{profile_id}' does not exist in this realm"
        ))
        .source("data.password_profile_id"));
    }
    let username = check_username(&store, &profile_id, &username)?;
    let has = store.idx.creds_by_user.get(&uid).is_some_and(|v| {
        v.iter().any(|c| store.data.credentials.get(c).is_some_and(|c| c.profile_id == profile_id))
    });
    if has {
        return Err(ApiError::conflict(
            "this user already has a password profile info for this password profile",
        ));
    }
    let c = insert_credential(&mut store, &uid, &profile_id, username, password)?;
    Ok((StatusCode::CREATED, Json(json!({ "data": credential_json(&c, &realm, &app.base_url) })))
        .into_response())
}

pub async fn update_cred(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, uid, cid)): Path<(String, String, String)>,
    body: Bytes,
) -> ApiResult {
    let data = parse_data(&body, &["user_authentication_password_profile_info"])?;
    // §2.7: `password_profile_id` is required on update; username and password are
    // optional. It cannot change (400 below).
    let profile_id = req_str(&data, "password_profile_id")?;
    let username = opt_str(&data, "username")?;
    let password = opt_str(&data, "password")?;
    if let Some(p) = &password {
        check_password(p)?;
    }
    let mut store = app.store();
    self_service(&store, &caller, &uid, true)?;
    let current = find_cred(&store, &realm, &uid, &cid)?.clone();
    if profile_id != current.profile_id {
        return Err(ApiError::field(
            "password_profile_id",
            "password_profile_id cannot be changed on an existing password profile info",
        ));
    }
    let mut next = current.clone();
    if let Some(u) = username {
        let u = check_username(&store, &current.profile_id, &u)?;
        if u != current.username
            && store.idx.cred_by_name.contains_key(&(current.profile_id.clone(), u.clone()))
        {
            return Err(ApiError::conflict(format!(
                "a user with username '{u}' already exists for this password profile"
            )));
        }
        next.username = u;
    }
    if let Some(p) = password {
        next.password = Secret::new(p);
    }
    next.updated_at = Utc::now();
    store.remove_credential(&cid);
    store.push_credential(next.clone());
    Ok(Json(json!({ "data": credential_json(&next, &realm, &app.base_url) })).into_response())
}

pub async fn delete_cred(
    State(app): State<Shared>,
    caller: Caller,
    Path((realm, uid, cid)): Path<(String, String, String)>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    find_cred(&store, &realm, &uid, &cid)?;
    store.remove_credential(&cid);
    Ok(StatusCode::NO_CONTENT.into_response())
}
