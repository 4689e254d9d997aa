//! Client-side rate limit shared by all clones of a client, with manners:
//! a `429` slows the **whole client** down, not just the call that got it.
//!
//! * **Spacing.** Each caller reserves a slot under a short, synchronous lock
//!   (a generic cell rate algorithm: a theoretical arrival time advanced one
//!   interval per request, `burst` requests allowed back to back) and sleeps
//!   outside the lock until its slot comes up, so waiters are served in
//!   arrival order and nobody busy-waits.
//! * **Multiplicative decrease.** On a `429` the effective rate is halved (at
//!   most once per [`DECREASE_GUARD`], so a volley of answers to requests sent
//!   together counts once), down to [`MIN_RATE`], and every request waits out
//!   the pause: `Retry-After` when the server sent one, else one interval at
//!   the new rate or a backoff doubled by every `429` in a row, whichever is
//!   longer. Slots reserved before the `429` are given up; their callers
//!   queue again behind the pause.
//! * **Additive increase.** After the pause the rate grows back by
//!   [`INCREASE_SHARE`] of the configured rate per second until it is back at
//!   the configured rate.
//!
//! The effective rate is observable ([`RateLimiter::effective`], and
//! [`RateLimiter::report`] for changes worth telling a user about).

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// The slowest a `429` can make the client, in requests per second (or the
/// configured rate when that is lower).
pub const MIN_RATE: f64 = 0.5;
/// Share of the configured rate regained per second after a slowdown.
pub const INCREASE_SHARE: f64 = 0.05;
/// A second `429` within this time of a decrease does not decrease again.
pub const DECREASE_GUARD: Duration = Duration::from_secs(1);
/// Longest pause after a `429` without `Retry-After`.
pub const MAX_PAUSE: Duration = Duration::from_secs(10);

/// What a user may want to know about the limiter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateState {
    /// Requests per second the client uses now.
    pub effective: f64,
    /// Requests per second it was configured with.
    pub configured: f64,
}

impl RateState {
    pub fn slowed(&self) -> bool {
        self.effective < self.configured
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    /// Requests per second; `<= 0` or non-finite disables the limiter.
    rate: f64,
    burst: f64,
    state: Mutex<Bucket>,
}

#[derive(Debug)]
struct Bucket {
    /// Theoretical arrival time of the next request (GCRA).
    tat: Instant,
    /// No request starts before this (a `Retry-After` or a 429 pause).
    paused_until: Instant,
    /// Rate right after the last decrease; `None` when never slowed.
    low: Option<f64>,
    /// When the last decrease happened.
    decreased_at: Instant,
    /// Bumped on every 429: reservations made before it are void.
    epoch: u64,
    /// The whole requests-per-second value last reported.
    reported: Option<u32>,
    /// `429`s since the last other answer: each doubles the pause.
    strikes: u32,
}

impl RateLimiter {
    pub fn new(rate: f64, burst: u32) -> Self {
        let now = Instant::now();
        RateLimiter {
            rate,
            burst: f64::from(burst.max(1)),
            state: Mutex::new(Bucket {
                tat: now,
                paused_until: now,
                low: None,
                decreased_at: now,
                epoch: 0,
                reported: None,
                strikes: 0,
            }),
        }
    }

    pub fn is_enabled(&self) -> bool {
        self.rate.is_finite() && self.rate > 0.0
    }

    /// The configured rate (requests per second; 0 when unlimited).
    pub fn configured(&self) -> f64 {
        if self.is_enabled() { self.rate } else { 0.0 }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Bucket> {
        match self.state.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    fn floor(&self) -> f64 {
        MIN_RATE.min(self.rate)
    }

    /// The rate in force at `now` (the configured one when not slowed).
    fn rate_at(&self, b: &Bucket, now: Instant) -> f64 {
        let Some(low) = b.low else { return self.rate };
        let from = b.paused_until.max(b.decreased_at);
        let secs = now.saturating_duration_since(from).as_secs_f64();
        (low + secs * self.rate * INCREASE_SHARE).min(self.rate)
    }

    /// Requests per second in force now.
    pub fn effective(&self) -> RateState {
        self.state_at(Instant::now())
    }

    fn state_at(&self, now: Instant) -> RateState {
        if !self.is_enabled() {
            return RateState { effective: 0.0, configured: 0.0 };
        }
        let b = self.lock();
        RateState { effective: self.rate_at(&b, now), configured: self.rate }
    }

    /// How long the caller must wait for its slot (reserving it), and the
    /// epoch the reservation belongs to.
    pub fn reserve(&self) -> (Duration, u64) {
        self.reserve_at(Instant::now())
    }

    fn reserve_at(&self, now: Instant) -> (Duration, u64) {
        let mut b = self.lock();
        if !self.is_enabled() {
            return (b.paused_until.saturating_duration_since(now), b.epoch);
        }
        let rate = self.rate_at(&b, now);
        if b.low.is_some() && rate >= self.rate {
            b.low = None;
        }
        let interval = Duration::from_secs_f64(1.0 / rate);
        let tau = interval.mul_f64(self.burst - 1.0);
        let earliest = b.tat.checked_sub(tau).unwrap_or(now);
        let slot = now.max(earliest).max(b.paused_until);
        b.tat = b.tat.max(slot) + interval;
        (slot.saturating_duration_since(now), b.epoch)
    }

    fn epoch(&self) -> u64 {
        self.lock().epoch
    }

    /// Waits for a slot. A `429` seen by any caller while this one waits voids
    /// its slot: it queues again behind the pause, at the lower rate.
    pub async fn acquire(&self) {
        loop {
            let (wait, epoch) = self.reserve();
            if wait.is_zero() {
                return;
            }
            tokio::time::sleep(wait).await;
            if self.epoch() == epoch {
                return;
            }
        }
    }

    /// An answer other than `429` arrived: the next `429` pauses briefly again.
    pub fn on_answer(&self) {
        let mut b = self.lock();
        if b.strikes != 0 {
            b.strikes = 0;
        }
    }

    /// A `429` arrived: slow the whole client down. `retry_after` is the
    /// server's wish. Without one the pause is one interval at the new rate,
    /// or `base` doubled for every `429` since the last other answer when that
    /// is longer (capped at [`MAX_PAUSE`]).
    pub fn on_429(&self, retry_after: Option<Duration>, base: Duration) {
        self.on_429_at(Instant::now(), retry_after, base);
    }

    fn on_429_at(&self, now: Instant, retry_after: Option<Duration>, base: Duration) {
        let mut b = self.lock();
        b.epoch += 1;
        let backoff = base.saturating_mul(1 << b.strikes.min(16)).min(MAX_PAUSE);
        b.strikes = b.strikes.saturating_add(1);
        if !self.is_enabled() {
            let until = now + retry_after.unwrap_or(backoff);
            b.paused_until = b.paused_until.max(until);
            return;
        }
        let current = self.rate_at(&b, now);
        let recent =
            b.low.is_some() && now.saturating_duration_since(b.decreased_at) < DECREASE_GUARD;
        let rate = if recent {
            current
        } else {
            let r = (current / 2.0).max(self.floor());
            b.low = Some(r);
            b.decreased_at = now;
            r
        };
        let interval = Duration::from_secs_f64(1.0 / rate);
        let pause = retry_after.unwrap_or(interval.max(backoff));
        // A 429 within the guard only extends the pause (the rate then grows
        // again from where it was, after the pause).
        b.paused_until = b.paused_until.max(now + pause);
        // Earlier reservations are void: the next slot is the end of the pause,
        // with no burst right after it.
        let tau = interval.mul_f64(self.burst - 1.0);
        b.tat = b.paused_until + tau;
    }

    /// The effective rate when its whole number of requests per second changed
    /// since the last report (and once when it is back at the configured rate).
    pub fn report(&self) -> Option<RateState> {
        self.report_at(Instant::now())
    }

    fn report_at(&self, now: Instant) -> Option<RateState> {
        if !self.is_enabled() {
            return None;
        }
        let mut b = self.lock();
        let effective = self.rate_at(&b, now);
        let whole = effective.floor() as u32;
        let full = effective >= self.rate;
        let last = b.reported;
        let changed = match last {
            None => !full,
            Some(w) => w != whole || full,
        };
        if !changed {
            return None;
        }
        b.reported = if full { None } else { Some(whole) };
        Some(RateState { effective, configured: self.rate })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    fn close(a: Duration, b: Duration) -> bool {
        a.abs_diff(b) <= MS
    }

    #[test]
    fn disabled_never_waits() {
        let l = RateLimiter::new(0.0, 1);
        for _ in 0..100 {
            assert_eq!(l.reserve().0, Duration::ZERO);
        }
        assert_eq!(l.report(), None);
    }

    #[tokio::test(start_paused = true)]
    async fn reservations_are_spaced() {
        let l = RateLimiter::new(10.0, 2);
        let t0 = Instant::now();
        assert_eq!(l.reserve_at(t0).0, Duration::ZERO);
        assert_eq!(l.reserve_at(t0).0, Duration::ZERO);
        // The burst is spent: the next ones wait one and two slots (0.1 s each).
        assert!(close(l.reserve_at(t0).0, 100 * MS));
        assert!(close(l.reserve_at(t0).0, 200 * MS));
        // After 0.3 s the debt is paid and one slot has refilled.
        let later = t0 + 300 * MS;
        assert_eq!(l.reserve_at(later).0, Duration::ZERO);
        assert!(close(l.reserve_at(later).0, 100 * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn a_429_halves_the_rate_and_it_grows_back() {
        let l = RateLimiter::new(20.0, 2);
        let t0 = Instant::now();
        assert_eq!(l.state_at(t0).effective, 20.0);
        l.on_429_at(t0, None, Duration::ZERO);
        let s = l.state_at(t0);
        assert_eq!(s.effective, 10.0);
        assert!(s.slowed());
        // A volley of 429s answering requests sent together counts once.
        l.on_429_at(t0 + 10 * MS, None, Duration::ZERO);
        assert_eq!(l.state_at(t0 + 10 * MS).effective, 10.0);
        // After the guard, another 429 halves again.
        let t1 = t0 + 1500 * MS;
        l.on_429_at(t1, None, Duration::ZERO);
        let after = l.state_at(t1).effective;
        assert!(after < 10.0 && after > 5.0, "{after}");
        // The pause is one interval at the new rate; then +1 req/s per second.
        let pause_end = t1 + Duration::from_secs_f64(1.0 / after);
        let back = pause_end + Duration::from_secs_f64((20.0 - after) / 1.0);
        assert!(l.state_at(back - Duration::from_secs(1)).slowed());
        assert_eq!(l.state_at(back + MS).effective, 20.0);
        assert!(!l.state_at(back + MS).slowed());
    }

    #[tokio::test(start_paused = true)]
    async fn the_rate_never_falls_below_the_floor() {
        let l = RateLimiter::new(4.0, 1);
        let mut t = Instant::now();
        for _ in 0..20 {
            l.on_429_at(t, None, Duration::ZERO);
            t += Duration::from_secs(2);
        }
        assert!(l.state_at(t).effective >= MIN_RATE);
        let s = l.state_at(t - Duration::from_secs(2));
        assert!((s.effective - MIN_RATE).abs() < 1e-9, "{s:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_pauses_everyone_and_voids_earlier_slots() {
        let l = RateLimiter::new(10.0, 1);
        let t0 = Instant::now();
        // Five callers queue: slots at 0, 100, 200, 300, 400 ms.
        for i in 0..5u32 {
            assert!(close(l.reserve_at(t0).0, 100 * MS * i));
        }
        l.on_429_at(t0, Some(Duration::from_secs(3)), Duration::ZERO);
        // Nobody starts before the pause ends, then they are spaced at 5 req/s.
        assert!(close(l.reserve_at(t0).0, 3000 * MS));
        assert!(close(l.reserve_at(t0).0, 3200 * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn waiters_requeue_behind_a_429() {
        let l = std::sync::Arc::new(RateLimiter::new(10.0, 1));
        let t0 = Instant::now();
        l.acquire().await; // the first slot is free
        let waiter = {
            let l = l.clone();
            tokio::spawn(async move {
                l.acquire().await;
                Instant::now()
            })
        };
        // Let the waiter reserve its slot (at 100 ms), then a 429 arrives.
        tokio::time::sleep(10 * MS).await;
        l.on_429(Some(Duration::from_secs(2)), Duration::ZERO);
        let started = waiter.await.expect("waiter");
        assert!(
            started.duration_since(t0) >= 2010 * MS,
            "started {:?} after t0",
            started.duration_since(t0)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn consecutive_429s_double_the_pause_until_an_answer() {
        let l = RateLimiter::new(100.0, 1);
        let t0 = Instant::now();
        l.on_429_at(t0, None, 100 * MS);
        assert!(close(l.reserve_at(t0).0, 100 * MS));
        l.on_429_at(t0, None, 100 * MS);
        assert!(close(l.reserve_at(t0).0, 200 * MS));
        l.on_429_at(t0, None, 100 * MS);
        assert!(close(l.reserve_at(t0).0, 400 * MS));
        l.on_answer();
        let t1 = t0 + Duration::from_secs(5);
        l.on_429_at(t1, None, 100 * MS);
        assert!(close(l.reserve_at(t1).0, 100 * MS));
    }

    #[tokio::test(start_paused = true)]
    async fn disabled_limiter_still_pauses_on_429() {
        let l = RateLimiter::new(0.0, 1);
        let t0 = Instant::now();
        l.on_429_at(t0, None, 500 * MS);
        assert!(close(l.reserve_at(t0).0, 500 * MS));
        assert_eq!(l.reserve_at(t0 + 600 * MS).0, Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn reports_whole_rate_changes_and_the_recovery() {
        let l = RateLimiter::new(20.0, 2);
        let t0 = Instant::now();
        assert_eq!(l.report_at(t0), None, "nothing to say at the configured rate");
        l.on_429_at(t0, None, Duration::ZERO);
        let r = l.report_at(t0).expect("slowed");
        assert_eq!(r.effective, 10.0);
        assert_eq!(l.report_at(t0 + 100 * MS), None, "still 10 req/s");
        let r = l.report_at(t0 + 2 * Duration::from_secs(1)).expect("grew");
        assert!(r.effective > 11.0 && r.effective < 12.0, "{r:?}");
        let r = l.report_at(t0 + Duration::from_secs(30)).expect("back");
        assert!(!r.slowed());
        assert_eq!(l.report_at(t0 + Duration::from_secs(31)), None);
    }
}
