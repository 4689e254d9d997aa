//! Fault injection on `/v2` and `/v1`: latency, random 503s, rate limiting (429),
//! dropped connections and deterministic `fail_next` rules.

use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{Faults, Shared};

pub struct FaultState {
    pub faults: Faults,
    window_start: Instant,
    window_count: u32,
}

enum Decision {
    Pass,
    Drop,
    Fail(StatusCode, String),
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState { faults, window_start: Instant::now(), window_count: 0 }
    }

    pub fn set(&mut self, faults: Faults) {
        self.faults = faults;
        self.window_count = 0;
        self.window_start = Instant::now();
    }

    fn decide(&mut self, method: &str, path: &str) -> Decision {
        // Deterministic rules first, in list order.
        if let Some(pos) = self.faults.fail_next.iter().position(|r| {
            r.count > 0
                && r.method.as_deref().is_none_or(|m| m.eq_ignore_ascii_case(method))
                && path.contains(&r.path_contains)
        }) {
            let rule = &mut self.faults.fail_next[pos];
            rule.count -= 1;
            let status =
                StatusCode::from_u16(rule.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            if rule.count == 0 {
                self.faults.fail_next.remove(pos);
            }
            return Decision::Fail(status, "Injected by a sandbox fail_next rule".to_owned());
        }
        if let Some(limit) = self.faults.rate_limit {
            let now = Instant::now();
            if now.duration_since(self.window_start) >= Duration::from_secs(1) {
                self.window_start = now;
                self.window_count = 0;
            }
            self.window_count += 1;
            if self.window_count > limit {
                return Decision::Fail(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Rate limit of {limit} requests per second exceeded"),
                );
            }
        }
        if self.faults.drop_rate > 0.0 && rand::random::<f64>() < self.faults.drop_rate {
            return Decision::Drop;
        }
        if self.faults.fail_rate > 0.0 && rand::random::<f64>() < self.faults.fail_rate {
            return Decision::Fail(
                StatusCode::SERVICE_UNAVAILABLE,
                "Injected by the sandbox fail_rate".to_owned(),
            );
        }
        Decision::Pass
    }
}

pub async fn middleware(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let bi = path.starts_with("/v1/");
    if !(path.starts_with("/v2/") || bi) {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_owned();
    let (latency, decision) = {
        let mut f = app.faults();
        let latency = f.faults.latency_ms;
        (latency, f.decide(&method, &path))
    };
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    match decision {
        Decision::Pass => next.run(req).await,
        Decision::Drop => {
            // Unwinding the connection task makes hyper drop the socket without an
            // answer. `resume_unwind` skips the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new("sandbox drop_rate: connection dropped"))
        }
        Decision::Fail(status, detail) => {
            let title = status.canonical_reason().unwrap_or("Error");
            let err = if bi {
                ApiError::grpc(status, format!("{title}: {detail}"))
            } else {
                ApiError::new(status, title).detail(detail)
            };
            err.into_response()
        }
    }
}
