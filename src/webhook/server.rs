//! The HTTP side: routes, the secret check, parsing, deduplication.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::Router;
use axum::extract::Request;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::Utc;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot, watch};

use super::event::{Envelope, OTP_EVENT, OtpEvent, OtpPayload};
use super::journal::{JournalSender, Line, Seen, SeenMap, WriteReq};
use super::{ListenerEvent, ListenerStats, WEBHOOK_PATH};
use crate::secret::Secret;

/// The secret header Commerce sends (header names are case-insensitive).
pub const SECRET_HEADER: &str = "x-moltin-secret-key";

#[derive(Default)]
pub(crate) struct Counters {
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub rejected_auth: AtomicU64,
    pub rejected_bad: AtomicU64,
    pub other: AtomicU64,
}

pub(crate) fn stats(c: &Counters, persisted: &AtomicU64) -> ListenerStats {
    ListenerStats {
        accepted: c.accepted.load(Ordering::Relaxed),
        duplicates: c.duplicates.load(Ordering::Relaxed),
        rejected_auth: c.rejected_auth.load(Ordering::Relaxed),
        rejected_bad: c.rejected_bad.load(Ordering::Relaxed),
        persisted: persisted.load(Ordering::Relaxed),
        other: c.other.load(Ordering::Relaxed),
    }
}

pub(crate) struct Shared {
    pub secret: RwLock<Option<Secret>>,
    pub seen: Arc<SeenMap>,
    pub journal: JournalSender,
    pub events: mpsc::UnboundedSender<ListenerEvent>,
    pub counters: Arc<Counters>,
    pub persisted: Arc<AtomicU64>,
    pub epoch: Arc<watch::Sender<u64>>,
    pub max_body: usize,
}

impl Shared {
    pub fn stats(&self) -> ListenerStats {
        stats(&self.counters, &self.persisted)
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let guard = self.secret.read().unwrap_or_else(PoisonError::into_inner);
        let Some(secret) = guard.as_ref() else {
            return true; // the check is explicitly disabled
        };
        let given = headers.get(SECRET_HEADER).map(HeaderValue::as_bytes).unwrap_or_default();
        // Constant time in the content; only a length mismatch returns early.
        bool::from(given.ct_eq(secret.expose().as_bytes()))
    }

    fn reject(&self, status: StatusCode, reason: String) -> Response {
        match status {
            StatusCode::UNAUTHORIZED => &self.counters.rejected_auth,
            _ => &self.counters.rejected_bad,
        }
        .fetch_add(1, Ordering::Relaxed);
        tracing::warn!(status = status.as_u16(), %reason, "webhook delivery refused");
        let resp = error_response(status, &reason);
        let _ = self.events.send(ListenerEvent::Rejected { status: status.as_u16(), reason });
        resp
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(WEBHOOK_PATH, post(receive).fallback(method_not_allowed))
        .fallback(not_found)
        .with_state(shared)
}

fn title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

/// An error body in the Commerce style: `{"errors":[{status,title,detail}]}`.
fn error_response(status: StatusCode, detail: &str) -> Response {
    let body =
        json!({"errors": [{"status": status.as_u16(), "title": title(status), "detail": detail}]});
    (status, axum::Json(body)).into_response()
}

async fn not_found() -> Response {
    error_response(StatusCode::NOT_FOUND, &format!("the webhook endpoint is POST {WEBHOOK_PATH}"))
}

async fn method_not_allowed() -> Response {
    let mut resp = error_response(StatusCode::METHOD_NOT_ALLOWED, "only POST is allowed here");
    resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

const ACCEPTED: &str = r#"{"status":"accepted"}"#;
const DUPLICATE: &str = r#"{"status":"duplicate"}"#;

fn ok_response(body: &'static str) -> Response {
    let ct = [(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))];
    (StatusCode::OK, ct, body).into_response()
}

enum Decision {
    /// New id or higher attempt: store it.
    Fresh,
    /// Same or lower attempt, already on disk.
    Duplicate,
    /// Same or lower attempt, still being written: wait for it.
    DuplicatePending,
}

async fn receive(State(s): State<Arc<Shared>>, req: Request) -> Response {
    // Not the `HeaderMap` extractor: it clones the headers.
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    if !s.authorized(headers) {
        let reason = if headers.contains_key(SECRET_HEADER) {
            "wrong X-Moltin-Secret-Key"
        } else {
            "missing X-Moltin-Secret-Key"
        };
        return s.reject(StatusCode::UNAUTHORIZED, reason.to_owned());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || format!("the body is larger than {} bytes", s.max_body);
    if declared.is_some_and(|n| n > s.max_body as u64) {
        return s.reject(StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    let bytes = match axum::body::to_bytes(body, s.max_body).await {
        Ok(b) => b,
        Err(_) => return s.reject(StatusCode::PAYLOAD_TOO_LARGE, too_large()),
    };
    let raw: Value = match serde_json::from_slice(&bytes) {
        Ok(v) => v,
        Err(e) => return s.reject(StatusCode::BAD_REQUEST, format!("malformed JSON: {e}")),
    };
    let env = match Envelope::parse(&raw) {
        Ok(e) => e,
        Err(e) => return s.reject(StatusCode::BAD_REQUEST, e),
    };
    let payload = if env.triggered_by == OTP_EVENT {
        match OtpPayload::parse(raw.get("payload")) {
            Ok(p) => Some(p),
            Err(e) => return s.reject(StatusCode::BAD_REQUEST, e),
        }
    } else {
        None
    };
    let received_at = Utc::now();

    let decision = {
        let mut seen = s.seen.lock(&env.id);
        match seen.get_mut(&env.id) {
            Some(e) if e.attempt >= env.attempt => {
                if e.durable {
                    Decision::Duplicate
                } else {
                    Decision::DuplicatePending
                }
            }
            Some(e) => {
                *e = Seen { attempt: env.attempt, durable: false };
                Decision::Fresh
            }
            None => {
                seen.insert(env.id.clone(), Seen { attempt: env.attempt, durable: false });
                Decision::Fresh
            }
        }
    };

    match decision {
        Decision::Duplicate => {
            s.counters.duplicates.fetch_add(1, Ordering::Relaxed);
            ok_response(DUPLICATE)
        }
        Decision::DuplicatePending => {
            // Acknowledge only once the delivery it repeats is on disk.
            let mut epoch = s.epoch.subscribe();
            loop {
                let state = s.seen.lock(&env.id).get(&env.id).copied();
                match state {
                    Some(e) if e.attempt >= env.attempt && e.durable => {
                        s.counters.duplicates.fetch_add(1, Ordering::Relaxed);
                        return ok_response(DUPLICATE);
                    }
                    Some(e) if e.attempt >= env.attempt => {}
                    // The write it was waiting for failed.
                    _ => break,
                }
                if epoch.changed().await.is_err() {
                    break;
                }
            }
            error_response(StatusCode::SERVICE_UNAVAILABLE, "the event is not saved yet; retry")
        }
        Decision::Fresh => {
            let line = Line::Event { received_at, attempt: env.attempt, body: bytes };
            let tag = Some((env.id.clone(), env.attempt));
            // Member events feed the live Approvals queue (issue 12).
            let member = match payload {
                None => super::member_event::forward(&env.triggered_by, &raw),
                Some(_) => None,
            };
            let event = payload.map(|payload| {
                ListenerEvent::Received(OtpEvent {
                    id: env.id,
                    triggered_by: env.triggered_by,
                    attempt: env.attempt,
                    received_at,
                    integration_id: env.integration_id,
                    payload,
                    raw,
                })
            });
            let event = event.or(member);
            let (done, rx) = oneshot::channel();
            if let Err(req) = s.journal.send(WriteReq { line: Some(line), tag, event, done }) {
                if let Some((id, attempt)) = &req.tag {
                    let mut seen = s.seen.lock(id);
                    if seen.get(id).is_some_and(|e| e.attempt == *attempt && !e.durable) {
                        seen.remove(id);
                    }
                }
                return error_response(StatusCode::SERVICE_UNAVAILABLE, "the listener is stopping");
            }
            // The writer counts and forwards the event once it is on disk.
            if matches!(rx.await, Ok(true)) {
                ok_response(ACCEPTED)
            } else {
                error_response(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the event could not be saved; retry",
                )
            }
        }
    }
}
