//! Integrations (webhooks), their jobs and delivery logs (§2.12).

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::Utc;
use serde_json::{Value, json};

use super::Shared;
use super::auth::Caller;
use super::body::{Obj, parse_data};
use super::error::{ApiError, ApiResult, Style};
use super::list::{Query, Spec, page_body, parse_query, window};
use super::state::{Integration, Log, Store, integration_json, log_json, new_id};

const SPEC: Spec = Spec { filters: &[], sorts: &[], default_sort: None };
const TYPES: &[&str] = &["webhook", "aws_sqs", "stomp"];
/// Commerce Manager allows five events per webhook; whether the API does is
/// undocumented (§2.12 `[?]`), so the sandbox holds every client to five.
const MAX_OBSERVES: usize = 5;

fn ierr(source: &str, title: &str, detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, title)
        .detail(detail)
        .source(source)
        .style(Style::Integrations)
}

fn int_style(e: ApiError) -> ApiError {
    e.style(Style::Integrations)
}

/// Validates the attributes present in `data`; `create` requires the mandatory ones.
fn apply(data: &Obj, i: &mut Integration, create: bool) -> ApiResult<()> {
    // No attribute is nullable: `null` is a 400, never read as "not sent".
    if let Some((k, _)) = data.iter().find(|(k, v)| v.is_null() && k.as_str() != "type") {
        return Err(ierr(k, "invalid", format!("{k} must not be null")));
    }
    let s = |k: &str| data.get(k);
    match s("name") {
        Some(Value::String(n)) if !n.trim().is_empty() => i.name = n.clone(),
        Some(_) => return Err(ierr("name", "invalid", "name must be a non-empty string")),
        None if create => return Err(ierr("name", "required", "name is required")),
        None => {}
    }
    match s("description") {
        Some(Value::String(d)) => i.description = d.clone(),
        Some(_) => return Err(ierr("description", "invalid", "description must be a string")),
        None => {}
    }
    match s("enabled") {
        Some(Value::Bool(b)) => i.enabled = *b,
        Some(_) => return Err(ierr("enabled", "invalid", "enabled must be a boolean")),
        None => {}
    }
    match s("integration_type") {
        Some(Value::String(t)) if TYPES.contains(&t.as_str()) => i.integration_type = t.clone(),
        Some(_) => {
            return Err(ierr(
                "integration_type",
                "invalid",
                "integration_type must be one of: webhook, aws_sqs, stomp",
            ));
        }
        None if create => {
            return Err(ierr("integration_type", "required", "integration_type is required"));
        }
        None => {}
    }
    match s("observes") {
        Some(Value::Array(a)) if a.len() > MAX_OBSERVES => {
            return Err(ierr(
                "observes",
                "invalid",
                format!(
                    "an integration observes at most {MAX_OBSERVES} events (got {}); \
                     create another integration for the rest",
                    a.len()
                ),
            ));
        }
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => {
            i.observes = a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
        }
        Some(_) => {
            return Err(ierr(
                "observes",
                "invalid",
                "observes must be a non-empty array of event keys",
            ));
        }
        None if create => return Err(ierr("observes", "required", "observes is required")),
        None => {}
    }
    match s("configuration") {
        Some(Value::Object(c)) => {
            let mut merged = if create {
                Obj::new()
            } else {
                i.configuration.as_object().cloned().unwrap_or_default()
            };
            for (k, v) in c {
                merged.insert(k.clone(), v.clone());
            }
            i.configuration = Value::Object(merged);
        }
        Some(_) => return Err(ierr("configuration", "invalid", "configuration must be an object")),
        None if create => {
            return Err(ierr("configuration", "required", "configuration is required"));
        }
        None => {}
    }
    check_configuration(&i.integration_type, &i.configuration)
}

/// A string attribute of `configuration`: required, or optional when present.
fn config_str(c: &Obj, key: &str, required: bool) -> ApiResult<()> {
    let source = format!("configuration.{key}");
    match c.get(key) {
        Some(Value::String(v)) if !(required && v.trim().is_empty()) => Ok(()),
        Some(Value::String(_)) => {
            Err(ierr(&source, "invalid", format!("{source} must not be empty")))
        }
        None if !required => Ok(()),
        None => Err(ierr(&source, "required", format!("{source} is required"))),
        Some(_) => Err(ierr(&source, "invalid", format!("{source} must be a string"))),
    }
}

fn config_url(c: &Obj, key: &str) -> ApiResult<()> {
    config_str(c, key, true)?;
    let ok = c
        .get(key)
        .and_then(Value::as_str)
        .is_some_and(|u| u.starts_with("http://") || u.starts_with("https://"));
    if !ok {
        let source = format!("configuration.{key}");
        return Err(ierr(&source, "invalid", format!("{source} must be an http(s) URL")));
    }
    Ok(())
}

/// Validates the (merged) configuration against the integration type (§2.12):
/// webhook `url` (+ optional `secret_key`); aws_sqs `url`, `aws_access_key_id`,
/// `aws_secret_access_key`, `region`; stomp `addresses[]` and `destination`
/// (+ optional `username`, `password`, `url`). Runs on create and after every PUT,
/// so a PUT cannot leave a configuration a create would refuse.
fn check_configuration(kind: &str, configuration: &Value) -> ApiResult<()> {
    let Some(c) = configuration.as_object() else {
        return Err(ierr("configuration", "invalid", "configuration must be an object"));
    };
    if let Some((k, _)) = c.iter().find(|(_, v)| v.is_null()) {
        let source = format!("configuration.{k}");
        return Err(ierr(&source, "invalid", format!("{source} must not be null")));
    }
    match kind {
        "webhook" => {
            config_url(c, "url")?;
            config_str(c, "secret_key", false)
        }
        "aws_sqs" => {
            config_url(c, "url")?;
            for key in ["aws_access_key_id", "aws_secret_access_key", "region"] {
                config_str(c, key, true)?;
            }
            Ok(())
        }
        "stomp" => {
            match c.get("addresses") {
                Some(Value::Array(a))
                    if !a.is_empty()
                        && a.iter().all(|v| v.as_str().is_some_and(|s| !s.trim().is_empty())) => {}
                Some(_) => {
                    return Err(ierr(
                        "configuration.addresses",
                        "invalid",
                        "configuration.addresses must be a non-empty array of broker addresses",
                    ));
                }
                None => {
                    return Err(ierr(
                        "configuration.addresses",
                        "required",
                        "configuration.addresses is required",
                    ));
                }
            }
            config_str(c, "destination", true)?;
            for key in ["username", "password", "url"] {
                config_str(c, key, false)?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

pub async fn list(State(app): State<Shared>, caller: Caller, RawQuery(q): RawQuery) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    let all = &store.data.integrations;
    let items =
        all[window(&q, all.len())].iter().map(|i| integration_json(i, &app.base_url)).collect();
    Ok(Json(page_body(items, all.len(), &q, &app.base_url, "/v2/integrations")).into_response())
}

fn find<'a>(store: &'a Store, id: &str) -> ApiResult<&'a Integration> {
    store
        .data
        .integrations
        .iter()
        .find(|i| i.id == id)
        .ok_or_else(|| int_style(ApiError::not_found("integration")))
}

pub async fn get_one(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.admin()?;
    let store = app.store();
    let i = find(&store, &id)?;
    Ok(Json(json!({ "data": integration_json(i, &app.base_url) })).into_response())
}

pub async fn create(State(app): State<Shared>, caller: Caller, body: Bytes) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["integration"]).map_err(int_style)?;
    let now = Utc::now();
    let mut i = Integration {
        id: new_id(),
        name: String::new(),
        description: String::new(),
        enabled: false,
        integration_type: String::new(),
        observes: Vec::new(),
        configuration: json!({}),
        created_at: now,
        updated_at: now,
    };
    apply(&data, &mut i, true)?;
    let out = json!({ "data": integration_json(&i, &app.base_url) });
    app.store().data.integrations.push(i);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

pub async fn update(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult {
    caller.admin()?;
    let data = parse_data(&body, &["integration"]).map_err(int_style)?;
    let mut store = app.store();
    let mut next = find(&store, &id)?.clone();
    apply(&data, &mut next, false)?;
    next.updated_at = Utc::now();
    let out = json!({ "data": integration_json(&next, &app.base_url) });
    if let Some(slot) = store.data.integrations.iter_mut().find(|i| i.id == id) {
        *slot = next;
    }
    Ok(Json(out).into_response())
}

pub async fn delete(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    caller.admin()?;
    let mut store = app.store();
    find(&store, &id)?;
    store.data.integrations.retain(|i| i.id != id);
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Log lists carry `meta` plus a top-level `results.total` (not `meta.results`).
fn logs_body(logs: Vec<&Log>, q: &Query, base: &str, path: &str) -> Value {
    let total = logs.len();
    let items = logs[window(q, total)].iter().map(|l| log_json(l, base)).collect();
    let mut body = page_body(items, total, q, base, path);
    if let Some(meta) = body["meta"].as_object_mut() {
        meta.remove("results");
    }
    body["results"] = json!({ "total": total });
    body
}

pub async fn all_logs(
    State(app): State<Shared>,
    caller: Caller,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    let logs: Vec<&Log> = store.data.logs.iter().rev().collect();
    Ok(Json(logs_body(logs, &q, &app.base_url, "/v2/integrations/logs")).into_response())
}

pub async fn logs(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    find(&store, &id)?;
    let logs: Vec<&Log> = store.data.logs.iter().rev().filter(|l| l.integration_id == id).collect();
    let path = format!("/v2/integrations/{id}/logs");
    Ok(Json(logs_body(logs, &q, &app.base_url, &path)).into_response())
}

pub async fn jobs(
    State(app): State<Shared>,
    caller: Caller,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    find(&store, &id)?;
    let jobs: Vec<Value> = store
        .data
        .jobs
        .iter()
        .rev()
        .filter(|j| j.integration_id == id)
        .map(|j| json!({"id": j.id, "type": "integration-job"}))
        .collect();
    let total = jobs.len();
    let page = jobs[window(&q, total)].to_vec();
    let path = format!("/v2/integrations/{id}/jobs");
    Ok(Json(page_body(page, total, &q, &app.base_url, &path)).into_response())
}

pub async fn job_logs(
    State(app): State<Shared>,
    caller: Caller,
    Path((id, job)): Path<(String, String)>,
    RawQuery(q): RawQuery,
) -> ApiResult {
    caller.admin()?;
    let q = parse_query(q.as_deref(), &SPEC)?;
    let store = app.store();
    find(&store, &id)?;
    if !store.data.jobs.iter().any(|j| j.id == job && j.integration_id == id) {
        return Err(int_style(ApiError::not_found("integration job")));
    }
    let logs: Vec<&Log> = store.data.logs.iter().filter(|l| l.job_id == job).collect();
    let path = format!("/v2/integrations/{id}/jobs/{job}/logs");
    Ok(Json(logs_body(logs, &q, &app.base_url, &path)).into_response())
}
