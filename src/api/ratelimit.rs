//! Client-side rate limit: a token bucket shared by all clones of a client.
//!
//! Each caller reserves a slot under a short, synchronous lock (the bucket may
//! go negative) and then sleeps outside the lock until its slot comes up, so
//! waiters are served in arrival order and nobody busy-waits.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

#[derive(Debug)]
pub struct RateLimiter {
    /// Requests per second; `<= 0` or non-finite disables the limiter.
    rate: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    tokens: f64,
    last: Instant,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        RateLimiter {
            rate,
            burst,
            state: Mutex::new(Bucket { tokens: burst, last: Instant::now() }),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.rate.is_finite() && self.rate > 0.0
    }

    /// How long the caller must wait for its slot (reserving it).
    pub fn reserve(&self) -> Duration {
        self.reserve_at(Instant::now())
    }

    fn reserve_at(&self, now: Instant) -> Duration {
        if !self.is_enabled() {
            return Duration::ZERO;
        }
        let mut b = match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let elapsed = now.saturating_duration_since(b.last).as_secs_f64();
        b.tokens = (b.tokens + elapsed * self.rate).min(self.burst);
        b.last = now;
        b.tokens -= 1.0;
        if b.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-b.tokens / self.rate)
        }
    }

    /// Waits for a slot.
    pub async fn acquire(&self) {
        let wait = self.reserve();
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disabled_never_waits() {
        let l = RateLimiter::new(0.0, 1);
        for _ in 0..100 {
            assert_eq!(l.reserve(), Duration::ZERO);
        }
    }

    #[test]
    fn reservations_are_spaced() {
        let l = RateLimiter::new(10.0, 2);
        let t0 = l.state.lock().unwrap().last;
        assert_eq!(l.reserve_at(t0), Duration::ZERO);
        assert_eq!(l.reserve_at(t0), Duration::ZERO);
        // The burst is spent: the next ones wait one and two slots (0.1 s each).
        assert_eq!(l.reserve_at(t0), Duration::from_millis(100));
        assert_eq!(l.reserve_at(t0), Duration::from_millis(200));
        // After 0.3 s the debt is paid and one slot has refilled.
        let later = t0 + Duration::from_millis(300);
        assert_eq!(l.reserve_at(later), Duration::ZERO);
        let next = l.reserve_at(later);
        assert!(next > Duration::from_millis(99) && next <= Duration::from_millis(101));
    }
}
