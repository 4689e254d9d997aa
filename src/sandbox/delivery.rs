//! Webhook delivery of events to integrations (§2.13): at least once, with retries.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};

use super::Shared;
use super::state::{Integration, Job, Log, Store, new_id};

/// Attempts in all (the first one plus retries).
pub const MAX_ATTEMPTS: u32 = 6;
/// Waits before attempts 2, 3, …
const BACKOFF_MS: [u64; 5] = [500, 1000, 2000, 4000, 8000];
/// Logs kept per store (oldest dropped first).
const MAX_LOGS: usize = 10_000;

/// Emits `key` only when some enabled integration observes it (the payload is built lazily).
pub fn emit_lazy(
    app: &Shared,
    store: &mut Store,
    key: &str,
    payload: impl FnOnce(&Store) -> Value,
) {
    let observed =
        store.data.integrations.iter().any(|i| i.enabled && i.observes.iter().any(|o| o == key));
    if observed {
        let p = payload(store);
        emit(app, store, key, p);
    }
}

/// A `….created` (or `….updated`) event: the payload carries the resource under
/// `data`, as the integrations spec's typical payload does (`payload.data.type`,
/// `payload.data.id`, …); the OTP event has its own flat payload (seed 004).
pub fn emit_resource(
    app: &Shared,
    store: &mut Store,
    key: &str,
    resource: impl FnOnce(&Store) -> Value,
) {
    emit_lazy(app, store, key, |s| json!({ "data": resource(s) }));
}

/// A `…deleted` event: the payload carries only `{type, id}`.
pub fn emit_deleted(app: &Shared, store: &mut Store, key: &str, kind: &str, id: &str) {
    emit_lazy(app, store, key, |_| json!({"type": kind, "id": id}));
}

/// Sends `key` with `payload` to every enabled integration observing it. The caller
/// holds the store lock; deliveries run in background tasks.
pub fn emit(app: &Shared, store: &mut Store, key: &str, payload: Value) {
    let targets: Vec<Integration> = store
        .data
        .integrations
        .iter()
        .filter(|i| i.enabled && i.observes.iter().any(|o| o == key))
        .cloned()
        .collect();
    for integration in targets {
        let job =
            Job { id: new_id(), integration_id: integration.id.clone(), created_at: Utc::now() };
        let job_id = job.id.clone();
        store.data.jobs.push(job);
        let secret = integration
            .configuration
            .get("secret_key")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        let url =
            integration.configuration.get("url").and_then(Value::as_str).unwrap_or("").to_owned();
        let event = json!({
            "id": new_id(),
            "store_id": store.data.store_id,
            "triggered_by": key,
            "attempt": 1,
            "integration": {
                "id": integration.id, "integration_type": integration.integration_type,
                "name": integration.name, "description": integration.description,
            },
            "payload": payload,
            "configuration": {"url": url, "secret_key": secret},
        });
        let app2 = app.clone();
        let key = key.to_owned();
        tokio::spawn(async move {
            deliver(app2, integration, job_id, key, event, url, secret).await;
        });
    }
}

async fn deliver(
    app: Shared,
    integration: Integration,
    job_id: String,
    key: String,
    mut event: Value,
    url: String,
    secret: String,
) {
    for attempt in 1..=MAX_ATTEMPTS {
        if attempt > 1 {
            let wait = BACKOFF_MS[(attempt as usize - 2).min(BACKOFF_MS.len() - 1)];
            tokio::select! {
                _ = app.cancel.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_millis(wait)) => {}
            }
        }
        event["attempt"] = json!(attempt);
        let started = Instant::now();
        let (ok, status, body, error) = if integration.integration_type != "webhook" {
            (
                false,
                None,
                String::new(),
                format!(
                    "the sandbox does not deliver {} integrations",
                    integration.integration_type
                ),
            )
        } else {
            let mut req =
                app.http.post(&url).header("X-Moltin-Integration-Trigger", &key).json(&event);
            if !secret.is_empty() {
                req = req.header("X-Moltin-Secret-Key", &secret);
            }
            let sent = tokio::select! {
                _ = app.cancel.cancelled() => return,
                r = req.send() => r,
            };
            match sent {
                Ok(resp) => {
                    let status = resp.status();
                    let text = resp.text().await.unwrap_or_default();
                    let text: String = text.chars().take(2048).collect();
                    if status.is_success() {
                        (true, Some(status.as_u16()), text, String::new())
                    } else {
                        (
                            false,
                            Some(status.as_u16()),
                            text,
                            "Received a status code outside of 2xx range - treating webhook as a fail"
                                .to_owned(),
                        )
                    }
                }
                Err(e) if e.is_timeout() => {
                    (false, None, String::new(), "Timed out after 10 seconds".to_owned())
                }
                Err(e) => (false, None, String::new(), format!("Request failed: {e}")),
            }
        };
        let log = Log {
            id: new_id(),
            integration_id: integration.id.clone(),
            job_id: job_id.clone(),
            succeeded: ok,
            attempt,
            processing_time: started.elapsed().as_secs_f64(),
            body,
            status_code: status,
            error_detail: error,
            created_at: Utc::now(),
        };
        {
            let mut store = app.store();
            store.data.logs.push(log);
            if store.data.logs.len() > MAX_LOGS {
                let excess = store.data.logs.len() - MAX_LOGS;
                store.data.logs.drain(..excess);
            }
        }
        if ok {
            return;
        }
    }
}
