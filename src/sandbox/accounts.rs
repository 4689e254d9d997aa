//! Accounts (§2.10) and account memberships (§2.11).

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
use super::body::{nullable_str, parse_data, req_str};
use super::delivery;
use super::error::{ApiError, ApiResult};
use super::list::{Spec, matches, page_body, parse_query, sort_by_field, window};
use super::members::membership_page;
use super::state::{
    Account, Membership, Store, User, account_json, member_json, membership_json, new_id, ts,
};
use super::users::select_users;

const TS_OPS: &[&str] = &["lt", "le", "eq", "gt", "ge"];
const TEXT_OPS: &[&str] = &["eq", "like"];
const MAX_MEMBERSHIPS_PER_ACCOUNT: usize = 1000;
const MAX_EXTERNAL_REF: usize = 2048;

const SPEC: Spec = Spec {
    filters: &[
        ("id", &["lt", "le", "eq", "gt", "ge", "in"]),
        ("created_at", TS_OPS),
        ("updated_at", TS_OPS),
        ("name", TEXT_OPS),
        ("legal_name", TEXT_OPS),
        ("registration_id", TEXT_OPS),
        ("external_ref", TEXT_OPS),
    ],
    sorts: &["created_at", "id", "name", "updated_at"],
    default_sort: None,
};

const MS_SPEC: Spec = Spec {
    filters: &[("account_member_id", &["eq", "like"])],
    sorts: &["created_at", "id", "updated_at"],
    default_sort: None,
};

const UNASSIGNED_SPEC: Spec = Spec {
    filters: &[("email", TEXT_OPS), ("name", TEXT_OPS)],
    sorts: &["created_at", "updated_at"],
    default_sort: None,
};

fn account_field<'a>(a: &'a Account, f: &str) -> Option<Cow<'a, str>> {
    match f {
        "id" => Some(Cow::Borrowed(&a.id)),
        "name" => Some(Cow::Borrowed(&a.name)),
        "legal_name" => a.legal_name.as_deref().map(Cow::Borrowed),
        "registration_id" => a.registration_id.as_deref().map(Cow::Borrowed),
        "external_ref" => a.external_ref.as_deref().map(Cow::Borrowed),
        "created_at" => Some(Cow::Owned(ts(&a.created_at))),
        "updated_at" => Some(Cow::Owned(ts(&a.updated_at))),
        _ => None,
    }
}

/// The account an implicit + AM caller may see (None for admins).
fn account_scope(caller: &Caller) -> ApiResult<Option<String>> {
    Ok(caller.member_scope()?.map(|s| s.account_id.clone().unwrap_or_default()))
}

pub async fn list(State(app): State<Shared>, caller: Caller, RawQuery(q): RawQuery) -> ApiResult {
    let scope = account_scope(&caller)?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    let mut sel: Vec<&Account> = store
        .data
        .accounts
        .iter()
        .filter(|a| scope.as_ref().is_none_or(|s| *s == a.id))
        .filter(|a| matches(&q.filters, |f| account_field(a, f)))
        .collect();
    match &q.sort {
        Some((f, desc)) if f == "created_at" => {
            if *desc {
                sel.reverse();
            }
        }
        _ => sort_by_field(&mut sel, &q.sort, |a, f| {
            account_field(a, f).unwrap_or_default().into_owned()
        }),
    }
    let total = sel.len();
    let items =
        sel[window(&q, total)].iter().map(|a| account_json(&store, a, &app.base_url)).collect();
    Ok(Json(page_body(items, total, &q, &app.base_url, "/v2/accounts")).into_response())
}

fn find_account<'a>(store: &'a Store, caller: &Caller, id: &str) -> ApiResult<&'a Account> {
    if let Some(s) = account_scope(caller)?
        && s != id
    {
        return Err(ApiError::forbidden("An account member may only access their own account"));
    }
    store.account(id).ok_or_else(|| ApiError::not_found("account"))
}

pub async fn get_one(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let store = app.store();
    let a = find_account(&store, &caller, &id)?;
    Ok(Json(json!({ "data": account_json(&store, a, &app.base_url) })).into_response())
}

/// Creates an account (shared with auto-create on self sign-up).
pub fn insert_account(
    store: &mut Store,
    name: String,
    legal_name: Option<String>,
    registration_id: Option<String>,
    external_ref: Option<String>,
    parent_id: Option<String>,
) -> ApiResult<Account> {
    if let Some(r) = &registration_id
        && store.idx.account_by_regid.contains_key(r)
    {
        return Err(ApiError::conflict(format!(
            "an account with registration_id '{r}' already exists"
        ))
        .source("data.registration_id"));
    }
    if let Some(p) = &parent_id
        && store.account(p).is_none()
    {
        return Err(ApiError::not_found("parent account").source("data.parent_id"));
    }
    let now = Utc::now();
    let a = Account {
        id: new_id(),
        name,
        legal_name,
        registration_id,
        external_ref,
        parent_id,
        created_at: now,
        updated_at: now,
    };
    store.push_account(a.clone());
    Ok(a)
}

fn check_external_ref(v: &Option<String>) -> ApiResult<()> {
    if v.as_ref().is_some_and(|s| s.len() > MAX_EXTERNAL_REF) {
        return Err(ApiError::field(
            "external_ref",
            "external_ref must be at most 2048 characters",
        ));
    }
    Ok(())
}

pub async fn create(State(app): State<Shared>, caller: Caller, body: Bytes) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["account"])?;
    let name = req_str(&data, "name")?;
    // Nullable in the schema: `null` is the same as leaving them out.
    let legal_name = nullable_str(&data, "legal_name")?.flatten();
    let registration_id =
        nullable_str(&data, "registration_id")?.flatten().filter(|s| !s.is_empty());
    let external_ref = nullable_str(&data, "external_ref")?.flatten();
    check_external_ref(&external_ref)?;
    let parent_id = nullable_str(&data, "parent_id")?.flatten();
    let mut store = app.store();
    let a = insert_account(&mut store, name, legal_name, registration_id, external_ref, parent_id)?;
    let out = json!({ "data": account_json(&store, &a, &app.base_url) });
    let payload = out["data"].clone();
    delivery::emit_resource(&app, &mut store, "account.created", |_| payload);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn update(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["account"])?;
    // The schema's required attributes are required on PUT too (no partial update
    // of `name`); optional ones left out keep their values, `null` clears them.
    let name = req_str(&data, "name")?;
    let legal_name = nullable_str(&data, "legal_name")?;
    let registration_id = nullable_str(&data, "registration_id")?;
    let external_ref = nullable_str(&data, "external_ref")?;
    if let Some(e) = &external_ref {
        check_external_ref(e)?;
    }
    let parent = nullable_str(&data, "parent_id")?.flatten();
    let mut store = app.store();
    let current = store.account(&id).cloned().ok_or_else(|| ApiError::not_found("account"))?;
    if parent.is_some() && parent != current.parent_id {
        return Err(ApiError::field(
            "parent_id",
            "parent_id can only be set when the account is created",
        ));
    }
    let mut next = current.clone();
    next.name = name;
    if let Some(v) = legal_name {
        next.legal_name = v;
    }
    if let Some(v) = registration_id {
        let v = v.filter(|s| !s.is_empty());
        if let Some(r) = &v
            && store.idx.account_by_regid.get(r).is_some_and(|owner| *owner != id)
        {
            return Err(ApiError::conflict(format!(
                "an account with registration_id '{r}' already exists"
            ))
            .source("data.registration_id"));
        }
        if let Some(old) = &current.registration_id {
            store.idx.account_by_regid.remove(old);
        }
        if let Some(r) = &v {
            store.idx.account_by_regid.insert(r.clone(), id.clone());
        }
        next.registration_id = v;
    }
    if let Some(v) = external_ref {
        next.external_ref = v;
    }
    next.updated_at = Utc::now();
    let pos = store.idx.account_pos[&id];
    store.data.accounts[pos] = next.clone();
    Ok(Json(json!({ "data": account_json(&store, &next, &app.base_url) })).into_response())
}

pub async fn delete(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    if store.account(&id).is_none() {
        return Err(ApiError::not_found("account"));
    }
    // The reference and the spec are silent on an account with child accounts
    // (`DELETE` answers 204, 404 or 500); neither a silent cascade over a
    // subtree nor children pointing at a deleted parent is safe, so it is
    // refused until its children are gone (see FIDELITY.md).
    let children = store.data.accounts.iter().filter(|a| a.parent_id.as_deref() == Some(&id));
    let children = children.count();
    if children > 0 {
        let (noun, them) =
            if children == 1 { ("child account", "it") } else { ("child accounts", "them") };
        return Err(ApiError::conflict(format!(
            "account {id} has {children} {noun}: delete {them} first"
        )));
    }
    store.remove_account(&id).ok_or_else(|| ApiError::not_found("account"))?;
    delivery::emit_deleted(&app, &mut store, "account.deleted", "account", &id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ---- memberships ----

pub async fn list_memberships(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    let q = parse_query(q.as_deref(), &MS_SPEC)?;
    let store = app.store();
    find_account(&store, &caller, &id)?;
    let ms = store.memberships_of_account(&id);
    let include = q.includes("account_member").then_some("account_member");
    let path = format!("/v2/accounts/{id}/account-memberships");
    Ok(Json(membership_page(&store, ms, &q, &app.base_url, &path, include)).into_response())
}

pub async fn create_membership(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["account_membership"])?;
    let member = req_str(&data, "account_member_id")?;
    let mut store = app.store();
    if store.account(&id).is_none() {
        return Err(ApiError::not_found("account"));
    }
    if store.user(&member).is_none() {
        return Err(ApiError::not_found("account member").source("data.account_member_id"));
    }
    if store.idx.ms_pair.contains_key(&(id.clone(), member.clone())) {
        return Err(ApiError::conflict(
            "account membership with the given account id and account member id already exists",
        ));
    }
    if store.idx.ms_by_account.get(&id).is_some_and(|v| v.len() >= MAX_MEMBERSHIPS_PER_ACCOUNT) {
        return Err(ApiError::unprocessable(format!(
            "an account can have at most {MAX_MEMBERSHIPS_PER_ACCOUNT} memberships"
        )));
    }
    let now = Utc::now();
    let m = Membership {
        id: new_id(),
        account_id: id,
        member_id: member,
        created_at: now,
        updated_at: now,
    };
    let out = json!({ "data": membership_json(&m, &app.base_url) });
    store.push_membership(m);
    let payload = out["data"].clone();
    delivery::emit_resource(&app, &mut store, "account-membership.created", |_| payload);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

fn find_membership<'a>(store: &'a Store, account: &str, mid: &str) -> ApiResult<&'a Membership> {
    if store.account(account).is_none() {
        return Err(ApiError::not_found("account"));
    }
    store
        .data
        .memberships
        .get(mid)
        .filter(|m| m.account_id == account)
        .ok_or_else(|| ApiError::not_found("account membership"))
}

pub async fn get_membership(
    State(app): State<Shared>,
    caller: Caller,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult {
    let store = app.store();
    find_account(&store, &caller, &id)?;
    let m = find_membership(&store, &id, &mid)?;
    Ok(Json(json!({ "data": membership_json(m, &app.base_url) })).into_response())
}

pub async fn delete_membership(
    State(app): State<Shared>,
    caller: Caller,
    Path((id, mid)): Path<(String, String)>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    find_membership(&store, &id, &mid)?;
    store.remove_membership(&mid);
    delivery::emit_deleted(
        &app,
        &mut store,
        "account-membership.deleted",
        "account_membership",
        &mid,
    );
    Ok(StatusCode::NO_CONTENT.into_response())
}

pub async fn unassigned(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &UNASSIGNED_SPEC)?;
    let store = app.store();
    if store.account(&id).is_none() {
        return Err(ApiError::not_found("account"));
    }
    let pairs = &store.idx.ms_pair;
    let not_in = |u: &User| !pairs.contains_key(&(id.clone(), u.id.clone()));
    let (page, total) = select_users(&store, &q, Some(&not_in));
    let items = page.into_iter().map(|u| member_json(u, &app.base_url)).collect();
    let path = format!("/v2/accounts/{id}/account-memberships/unassigned-account-members");
    Ok(Json(page_body(items, total, &q, &app.base_url, &path)).into_response())
}
