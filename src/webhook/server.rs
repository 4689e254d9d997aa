//! The HTTP side: routing, the secret check, reading the body within its
//! limits, parsing, stripping the secret echo, deduplication.

use std::borrow::Cow;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use axum::body::Bytes;
use axum::http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use chrono::Utc;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;
use tokio::sync::{mpsc, oneshot, watch};

use super::conn::Limits;
use super::event::{Delivery, OTP_EVENT, OtpEvent, RawJson, secret_echo_span, strip_secret_echo};
use super::journal::{JournalSender, Line, Seen, SeenMap, WriteReq};
use super::{ListenerEvent, ListenerStats, Refusals, WEBHOOK_PATH};
use crate::secret::Secret;

/// The secret header Commerce sends (header names are case-insensitive).
pub const SECRET_HEADER: &str = "x-moltin-secret-key";

pub(crate) type Resp = Response<Full<Bytes>>;

#[derive(Default)]
pub(crate) struct Counters {
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub other: AtomicU64,
    pub refused_timeout: AtomicU64,
    pub refused_too_large: AtomicU64,
    pub refused_cut_off: AtomicU64,
    pub refused_auth: AtomicU64,
    pub refused_bad: AtomicU64,
    pub refused_busy: AtomicU64,
    pub evicted: AtomicU64,
}

pub(crate) fn stats(c: &Counters, persisted: &AtomicU64) -> ListenerStats {
    let n = |a: &AtomicU64| a.load(Ordering::Relaxed);
    ListenerStats {
        accepted: n(&c.accepted),
        duplicates: n(&c.duplicates),
        persisted: n(persisted),
        other: n(&c.other),
        refused: Refusals {
            timeout: n(&c.refused_timeout),
            too_large: n(&c.refused_too_large),
            cut_off: n(&c.refused_cut_off),
            bad_secret: n(&c.refused_auth),
            bad_body: n(&c.refused_bad),
            busy: n(&c.refused_busy),
        },
        evicted: n(&c.evicted),
    }
}

/// Why a delivery was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cause {
    Timeout,
    TooLarge,
    CutOff,
    BadSecret,
    BadBody,
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
    pub limits: Limits,
    /// Woken after every refusal (the UI hears of the new counts).
    pub refused_changed: Arc<tokio::sync::Notify>,
    /// Refusals are logged at most [`LOG_PER_SECOND`] a second, so a flood
    /// cannot fill the disk with log lines (the counts stay exact).
    pub log_budget: LogBudget,
}

/// Refusal log lines per second at most.
pub const LOG_PER_SECOND: u64 = 10;

pub(crate) enum Budget {
    Log,
    LogWithSuppressed(u64),
    Quiet,
}

/// A per-second budget of log lines.
#[derive(Default)]
pub(crate) struct LogBudget {
    state: std::sync::Mutex<(u64, u64, u64)>, // (second, logged in it, suppressed)
}

impl LogBudget {
    pub fn take(&self) -> Budget {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let mut st = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if st.0 != now {
            let suppressed = st.2;
            *st = (now, 1, 0);
            return if suppressed > 0 {
                Budget::LogWithSuppressed(suppressed)
            } else {
                Budget::Log
            };
        }
        if st.1 < LOG_PER_SECOND {
            st.1 += 1;
            Budget::Log
        } else {
            st.2 += 1;
            Budget::Quiet
        }
    }
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

    /// Acknowledges a delivery of an event already on disk, and tells the UI
    /// (the store logged one more delivery).
    fn duplicate(&self, id: String, attempt: u32) -> Resp {
        self.counters.duplicates.fetch_add(1, Ordering::Relaxed);
        let _ = self.events.send(ListenerEvent::Duplicate { id, attempt });
        ok_response(DUPLICATE)
    }

    fn reject(&self, cause: Cause, status: StatusCode, reason: String) -> Resp {
        let c = &self.counters;
        match cause {
            Cause::Timeout => &c.refused_timeout,
            Cause::TooLarge => &c.refused_too_large,
            Cause::CutOff => &c.refused_cut_off,
            Cause::BadSecret => &c.refused_auth,
            Cause::BadBody => &c.refused_bad,
        }
        .fetch_add(1, Ordering::Relaxed);
        self.refused_changed.notify_one();
        match self.log_budget.take() {
            Budget::Log => {
                tracing::warn!(status = status.as_u16(), %reason, "webhook delivery refused")
            }
            Budget::LogWithSuppressed(n) => tracing::warn!(
                status = status.as_u16(),
                %reason,
                suppressed = n,
                "webhook delivery refused ({n} more refusals not logged in the last second)"
            ),
            Budget::Quiet => {}
        }
        let resp = error_response(status, &reason);
        let _ = self.events.send(ListenerEvent::Rejected { status: status.as_u16(), reason });
        resp
    }
}

fn title(status: StatusCode) -> &'static str {
    status.canonical_reason().unwrap_or("Error")
}

fn json_response(status: StatusCode, body: impl Into<Bytes>) -> Resp {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    resp
}

/// An error body in the Commerce style: `{"errors":[{status,title,detail}]}`.
fn error_response(status: StatusCode, detail: &str) -> Resp {
    let body =
        json!({"errors": [{"status": status.as_u16(), "title": title(status), "detail": detail}]});
    json_response(status, body.to_string())
}

fn not_found() -> Resp {
    error_response(StatusCode::NOT_FOUND, &format!("the webhook endpoint is POST {WEBHOOK_PATH}"))
}

fn method_not_allowed() -> Resp {
    let mut resp = error_response(StatusCode::METHOD_NOT_ALLOWED, "only POST is allowed here");
    resp.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
    resp
}

/// Routes one request: `POST /webhooks/otp` only (404 elsewhere, 405 for other methods).
pub(crate) async fn handle(s: &Shared, req: Request<Incoming>) -> Resp {
    if req.uri().path() != WEBHOOK_PATH {
        return not_found();
    }
    if req.method() != Method::POST {
        return method_not_allowed();
    }
    receive(s, req).await
}

enum BodyError {
    TooLarge,
    CutOff,
    Timeout,
}

/// Reads the body up to `max` bytes within `limit`.
async fn read_body(
    body: Incoming,
    max: usize,
    limit: std::time::Duration,
) -> Result<Bytes, BodyError> {
    let read = async move {
        let mut body = body;
        let mut first: Option<Bytes> = None;
        let mut rest: Vec<u8> = Vec::new();
        let mut len = 0usize;
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|_| BodyError::CutOff)?;
            let Ok(data) = frame.into_data() else { continue };
            len += data.len();
            if len > max {
                return Err(BodyError::TooLarge);
            }
            match &first {
                None => first = Some(data),
                Some(f) => {
                    if rest.is_empty() {
                        rest.reserve(len);
                        rest.extend_from_slice(f);
                    }
                    rest.extend_from_slice(&data);
                }
            }
        }
        Ok(if rest.is_empty() { first.unwrap_or_default() } else { Bytes::from(rest) })
    };
    match tokio::time::timeout(limit, read).await {
        Ok(r) => r,
        Err(_) => Err(BodyError::Timeout),
    }
}

const ACCEPTED: &str = r#"{"status":"accepted"}"#;
const DUPLICATE: &str = r#"{"status":"duplicate"}"#;

fn ok_response(body: &'static str) -> Resp {
    json_response(StatusCode::OK, Bytes::from_static(body.as_bytes()))
}

enum Decision {
    /// New id or higher attempt: store it.
    Fresh,
    /// Same or lower attempt, already on disk.
    Duplicate,
    /// Same or lower attempt, still being written: wait for it.
    DuplicatePending,
}

/// `body` without the byte range `cut` (the secret echo), for the console.
/// The cut lies on member boundaries (ASCII), so both parts are whole text.
fn echo_free_text(body: &str, cut: &std::ops::Range<usize>) -> RawJson {
    match (body.get(..cut.start), body.get(cut.end..)) {
        (Some(head), Some(tail)) => {
            let mut t = String::with_capacity(head.len() + tail.len());
            t.push_str(head);
            t.push_str(tail);
            RawJson::from_checked(t)
        }
        // Not on a boundary (cannot happen): never keep the echo.
        _ => {
            let mut v: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            strip_secret_echo(&mut v);
            RawJson::from_value(&v)
        }
    }
}

async fn receive(s: &Shared, req: Request<Incoming>) -> Resp {
    let (parts, body) = req.into_parts();
    let headers = &parts.headers;
    if !s.authorized(headers) {
        let reason = if headers.contains_key(SECRET_HEADER) {
            "wrong X-Moltin-Secret-Key"
        } else {
            "missing X-Moltin-Secret-Key"
        };
        return s.reject(Cause::BadSecret, StatusCode::UNAUTHORIZED, reason.to_owned());
    }
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let too_large = || format!("the body is larger than {} bytes", s.max_body);
    if declared.is_some_and(|n| n > s.max_body as u64) {
        return s.reject(Cause::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, too_large());
    }
    let bytes = match read_body(body, s.max_body, s.limits.body_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => {
            return s.reject(Cause::TooLarge, StatusCode::PAYLOAD_TOO_LARGE, too_large());
        }
        Err(BodyError::CutOff) => {
            let reason = "the body was cut off (the connection closed before its end)";
            return s.reject(Cause::CutOff, StatusCode::BAD_REQUEST, reason.to_owned());
        }
        Err(BodyError::Timeout) => {
            let reason =
                format!("the body did not arrive within {} s", s.limits.body_timeout.as_secs_f64());
            return s.reject(Cause::Timeout, StatusCode::REQUEST_TIMEOUT, reason);
        }
    };
    // One pass over the body checks it and reads the fields the listener
    // needs, without building a `Value` (see `Delivery::parse`).
    let text = match std::str::from_utf8(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let reason = format!("malformed JSON: the body is not UTF-8 ({e})");
            return s.reject(Cause::BadBody, StatusCode::BAD_REQUEST, reason);
        }
    };
    let delivery = match Delivery::parse(text) {
        Ok(d) => d,
        Err(e) => return s.reject(Cause::BadBody, StatusCode::BAD_REQUEST, e),
    };
    // Member events feed the live Approvals queue (issue 12); they are rare,
    // so they get a full parse.
    let member_value: Option<Value> = match delivery.otp {
        None => serde_json::from_str(text).ok(),
        Some(_) => None,
    };
    let Delivery { envelope: env, otp: payload, secret_echo } = delivery;
    // Commerce echoes the integration's secret in every body: never keep it.
    // The stored body is the one received minus that member (cut by the
    // writer, no second serialization); the forwarded event loses it too.
    let (bytes, cut, raw) = if secret_echo {
        match secret_echo_span(&bytes) {
            Some(r) => {
                let raw = payload.as_ref().map(|_| echo_free_text(text, &r));
                (bytes, Some(r), raw)
            }
            None => {
                // Not found by the scan (cannot happen for valid JSON): store
                // the stripped value serialized instead, never the secret.
                let mut v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
                strip_secret_echo(&mut v);
                let stripped = v.to_string();
                let raw = payload.as_ref().map(|_| RawJson::from_checked(stripped.as_str()));
                (Bytes::from(stripped), None, raw)
            }
        }
    } else {
        let raw = payload.as_ref().map(|_| RawJson::from_checked(text));
        (bytes, None, raw)
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
                *e = Seen { attempt: env.attempt, durable: false, at: received_at.timestamp() };
                Decision::Fresh
            }
            None => {
                seen.insert(
                    env.id.clone(),
                    Seen { attempt: env.attempt, durable: false, at: received_at.timestamp() },
                );
                Decision::Fresh
            }
        }
    };

    match decision {
        Decision::Duplicate => s.duplicate(env.id, env.attempt),
        Decision::DuplicatePending => {
            // Acknowledge only once the delivery it repeats is on disk.
            let mut epoch = s.epoch.subscribe();
            loop {
                let state = s.seen.lock(&env.id).get(&env.id).copied();
                match state {
                    Some(e) if e.attempt >= env.attempt && e.durable => {
                        return s.duplicate(env.id, env.attempt);
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
            let triggered_by: Cow<'static, str> = if payload.is_some() {
                Cow::Borrowed(OTP_EVENT)
            } else {
                Cow::Owned(env.triggered_by.clone())
            };
            // The id is written from the request's tag.
            let line =
                Line::Event { received_at, attempt: env.attempt, triggered_by, body: bytes, cut };
            let tag = Some((env.id.clone(), env.attempt));
            // Member events feed the live Approvals queue (issue 12).
            let member = member_value
                .as_ref()
                .and_then(|v| super::member_event::forward(&env.triggered_by, v));
            let event = payload.zip(raw).map(|(payload, raw)| {
                ListenerEvent::Received(OtpEvent::new(env, payload, received_at, raw))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusal_logging_is_capped_per_second() {
        let b = LogBudget::default();
        let logged = (0..1000).filter(|_| !matches!(b.take(), Budget::Quiet)).count() as u64;
        // At most two seconds' worth, should the loop straddle a second.
        assert!((LOG_PER_SECOND..=2 * LOG_PER_SECOND + 1).contains(&logged), "{logged}");
    }
}
