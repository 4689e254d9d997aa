//! Fault injection on `/v2` and `/v1`: latency, random 503s, rate limiting (429),
//! dropped connections and deterministic `fail_next` rules.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::{Faults, Shared};

pub struct FaultState {
    pub faults: Faults,
    /// When the requests let through in the last second arrived (a sliding
    /// window: never more than `rate_limit` in any one second).
    recent: VecDeque<Instant>,
}

enum Decision {
    Pass,
    Drop,
    Fail(StatusCode, String),
}

impl FaultState {
    pub fn new(faults: Faults) -> Self {
        FaultState { faults, recent: VecDeque::new() }
    }

    pub fn set(&mut self, faults: Faults) {
        self.faults = faults;
        self.recent.clear();
    }

    /// The latency for one request: `latency_ms`, or uniform in
    /// `latency_ms..=latency_max_ms` when the maximum is larger.
    fn latency(&self) -> Duration {
        let (lo, hi) = (self.faults.latency_ms, self.faults.latency_max_ms);
        let ms = if hi > lo { rand::random_range(lo..=hi) } else { lo };
        Duration::from_millis(ms)
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
            while self
                .recent
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
            {
                self.recent.pop_front();
            }
            // Refused requests do not count: a client that backs off gets through.
            if self.recent.len() >= limit as usize {
                return Decision::Fail(
                    StatusCode::TOO_MANY_REQUESTS,
                    format!("Rate limit of {limit} requests per second exceeded"),
                );
            }
            self.recent.push_back(now);
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
        let latency = f.latency();
        (latency, f.decide(&method, &path))
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sliding_window_lets_exactly_the_limit_through_per_second() {
        let mut f = FaultState::new(Faults { rate_limit: Some(3), ..Faults::default() });
        let passed = (0..10).filter(|_| matches!(f.decide("GET", "/v2/x"), Decision::Pass)).count();
        assert_eq!(passed, 3);
        // once the oldest admitted request is a second old, room opens again
        let old = Instant::now() - Duration::from_millis(1500);
        f.recent.iter_mut().for_each(|t| *t = old);
        assert!(matches!(f.decide("GET", "/v2/x"), Decision::Pass));
    }

    #[test]
    fn latency_stays_within_its_range() {
        let f = FaultState::new(Faults { latency_ms: 30, latency_max_ms: 80, ..Faults::default() });
        for _ in 0..200 {
            let ms = f.latency().as_millis();
            assert!((30..=80).contains(&ms), "{ms}");
        }
        let fixed = FaultState::new(Faults { latency_ms: 5, ..Faults::default() });
        assert_eq!(fixed.latency(), Duration::from_millis(5));
    }
}
