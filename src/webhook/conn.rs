//! Connections: the accept loop, one task per connection (hyper's HTTP/1
//! server), the time limits and the connection cap.
//!
//! - Every connection is registered with the time of its last activity (a
//!   byte received or a response finished) and the number of requests in
//!   flight on it.
//! - A reaper closes connections with no request in flight and no activity for
//!   [`Limits::idle_timeout`] (idle keep-alives, connections that never send).
//!   hyper closes a connection whose request head is not complete within
//!   [`Limits::header_timeout`] (slowloris headers); the handler bounds the body
//!   with [`Limits::body_timeout`].
//! - At the cap ([`effective_cap`]: below the process's file limit), the
//!   connection idle longest without a request in flight is closed to make
//!   room for the new one, so idle or slow connections cannot starve a good
//!   delivery. When every connection has a request in flight, the new one is
//!   closed at once (counted as `busy`).
//! - The accept loop never stops: when the process runs out of file
//!   descriptors it closes the idlest connection, backs off briefly and retries
//!   (logged once per episode).

use std::collections::HashMap;
use std::convert::Infallible;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use super::server::{self, Shared};

/// Default: the request head must be complete within 10 s.
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// Default: the body must be complete within 10 s of the head.
pub const DEFAULT_BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// Default: a connection with nothing in flight is closed after 5 s of silence.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(5);
/// Default cap on open connections (lowered to fit the file limit).
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// The listener's limits. All of them are configurable (`[listener]` in the
/// config, flags of `onboard listen`); the defaults are the constants above.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Time to receive a complete request head, from the moment the connection
    /// is ready for a request (hyper's `header_read_timeout`).
    pub header_timeout: Duration,
    /// Time to receive the complete body once the head is in (408 after).
    pub body_timeout: Duration,
    /// A connection with no request in flight that receives nothing for this
    /// long is closed.
    pub idle_timeout: Duration,
    /// Cap on open connections; [`effective_cap`] lowers it below the file limit.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            body_timeout: DEFAULT_BODY_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
        }
    }
}

/// The soft `RLIMIT_NOFILE` of this process (`None` off Unix or on error).
pub fn file_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        let mut r = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
        // SAFETY: getrlimit only writes the struct it is given.
        let rc = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut r) };
        if rc == 0 && r.rlim_cur != libc::RLIM_INFINITY {
            #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
            return Some(r.rlim_cur as u64);
        }
        None
    }
    #[cfg(not(unix))]
    None
}

/// The connection cap in force: `max_connections`, but at most the file limit
/// minus a reserve (an eighth of it, at least 32) for the event log, logs,
/// outgoing API connections and the console itself; never below 4.
pub fn effective_cap(max_connections: usize, file_limit: Option<u64>) -> usize {
    let by_files = match file_limit {
        Some(n) => {
            let reserve = (n / 8).max(32);
            usize::try_from(n.saturating_sub(reserve)).unwrap_or(usize::MAX)
        }
        None => usize::MAX,
    };
    max_connections.min(by_files).max(4)
}

/// Milliseconds since the listener started (a cheap shared clock).
#[derive(Clone, Copy)]
pub(crate) struct Clock(Instant);

impl Clock {
    pub fn now_ms(&self) -> u64 {
        u64::try_from(self.0.elapsed().as_millis()).unwrap_or(u64::MAX)
    }
}

/// What the registry knows about one connection.
pub(crate) struct Slot {
    in_flight: AtomicU32,
    last_active: AtomicU64,
    served: AtomicU64,
    close: CancellationToken,
}

/// Marks a request in flight on its connection until dropped (also when the
/// connection is dropped mid-request).
pub(crate) struct InFlight {
    slot: Arc<Slot>,
    clock: Clock,
}

impl InFlight {
    pub fn new(slot: Arc<Slot>, clock: Clock) -> InFlight {
        slot.in_flight.fetch_add(1, Ordering::Relaxed);
        InFlight { slot, clock }
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.slot.last_active.store(self.clock.now_ms(), Ordering::Relaxed);
        self.slot.served.fetch_add(1, Ordering::Relaxed);
        self.slot.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// Open connections.
pub(crate) struct Registry {
    conns: Mutex<HashMap<u64, Arc<Slot>>>,
    next: AtomicU64,
    pub clock: Clock,
}

impl Registry {
    pub fn new() -> Registry {
        Registry {
            conns: Mutex::new(HashMap::new()),
            next: AtomicU64::new(0),
            clock: Clock(Instant::now()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<Slot>>> {
        self.conns.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    fn add(&self) -> (u64, Arc<Slot>) {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let slot = Arc::new(Slot {
            in_flight: AtomicU32::new(0),
            last_active: AtomicU64::new(self.clock.now_ms()),
            served: AtomicU64::new(0),
            close: CancellationToken::new(),
        });
        self.lock().insert(id, slot.clone());
        (id, slot)
    }

    fn remove(&self, id: u64) {
        self.lock().remove(&id);
    }

    /// Closes the connection idle longest without a request in flight.
    /// Returns false when every connection has a request in flight.
    fn evict_idlest(&self) -> bool {
        let mut conns = self.lock();
        let victim = conns
            .iter()
            .filter(|(_, s)| s.in_flight.load(Ordering::Relaxed) == 0)
            // Ties (same millisecond) go to the oldest connection.
            .min_by_key(|(id, s)| (s.last_active.load(Ordering::Relaxed), **id))
            .map(|(id, _)| *id);
        match victim.and_then(|id| conns.remove(&id)) {
            Some(slot) => {
                slot.close.cancel();
                true
            }
            None => false,
        }
    }

    /// Closes the connections idle for `idle` or longer; returns how many of
    /// them never completed a request (counted as timeouts).
    fn reap(&self, idle: Duration) -> u64 {
        let now = self.clock.now_ms();
        let idle_ms = u64::try_from(idle.as_millis()).unwrap_or(u64::MAX);
        let mut never_served = 0;
        self.lock().retain(|_, s| {
            let quiet = now.saturating_sub(s.last_active.load(Ordering::Relaxed));
            if s.in_flight.load(Ordering::Relaxed) == 0 && quiet >= idle_ms {
                if s.served.load(Ordering::Relaxed) == 0 {
                    never_served += 1;
                }
                s.close.cancel();
                false
            } else {
                true
            }
        });
        never_served
    }
}

/// A TCP stream that records when it last received bytes.
struct Tracked {
    tcp: TcpStream,
    slot: Arc<Slot>,
    clock: Clock,
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let r = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if matches!(r, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.slot.last_active.store(self.clock.now_ms(), Ordering::Relaxed);
        }
        r
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}

/// Whether an accept error means the process (or system) is out of file
/// descriptors or memory, so retrying at once would spin.
fn is_resource_exhaustion(e: &io::Error) -> bool {
    #[cfg(unix)]
    {
        matches!(e.raw_os_error(), Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM))
    }
    #[cfg(not(unix))]
    {
        let _ = e;
        false
    }
}

/// Serves `listener` until `stop` is cancelled, then lets the open
/// connections finish their requests (graceful shutdown) and returns.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    registry: Arc<Registry>,
    cap: usize,
    stop: CancellationToken,
) {
    let limits = shared.limits;
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout).keep_alive(true);
    let http = Arc::new(http);

    let reaper = {
        let (registry, shared, stop) = (registry.clone(), shared.clone(), stop.clone());
        let tick =
            (limits.idle_timeout / 4).clamp(Duration::from_millis(20), Duration::from_secs(1));
        tokio::spawn(async move {
            let mut every = tokio::time::interval(tick);
            every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = every.tick() => {}
                }
                // Reap one tick early, so a connection never outlives its timeout.
                let timed_out = registry.reap(limits.idle_timeout.saturating_sub(tick));
                if timed_out > 0 {
                    shared.counters.refused_timeout.fetch_add(timed_out, Ordering::Relaxed);
                    shared.refused_changed.notify_one();
                }
            }
        })
    };

    let mut tasks = JoinSet::new();
    let mut exhausted = false;
    loop {
        let accepted = tokio::select! {
            biased;
            _ = stop.cancelled() => break,
            r = listener.accept() => r,
        };
        while tasks.try_join_next().is_some() {}
        let tcp = match accepted {
            Ok((tcp, _)) => {
                if exhausted {
                    exhausted = false;
                    tracing::info!("the webhook listener accepts connections again");
                }
                tcp
            }
            Err(e) if is_resource_exhaustion(&e) => {
                if !exhausted {
                    exhausted = true;
                    tracing::warn!(
                        error = %e,
                        open = registry.len(),
                        "the webhook listener cannot accept (out of file descriptors); \
                         closing the idlest connection and retrying"
                    );
                }
                registry.evict_idlest();
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(Duration::from_millis(20)) => {}
                }
                continue;
            }
            Err(e) => {
                // Per-connection errors (reset before accept, ...): go on.
                tracing::debug!(error = %e, "accept error");
                continue;
            }
        };
        if registry.len() >= cap {
            if registry.evict_idlest() {
                shared.counters.evicted.fetch_add(1, Ordering::Relaxed);
            } else {
                shared.counters.refused_busy.fetch_add(1, Ordering::Relaxed);
                shared.refused_changed.notify_one();
                drop(tcp);
                continue;
            }
        }
        let _ = tcp.set_nodelay(true);
        let (id, slot) = registry.add();
        let clock = registry.clock;
        let io = TokioIo::new(Tracked { tcp, slot: slot.clone(), clock });
        let (shared, registry, http, stop) =
            (shared.clone(), registry.clone(), http.clone(), stop.clone());
        tasks.spawn(async move {
            let close = slot.close.clone();
            let svc = {
                let shared = shared.clone();
                hyper::service::service_fn(move |req: hyper::Request<Incoming>| {
                    let guard = InFlight::new(slot.clone(), clock);
                    let shared = shared.clone();
                    async move {
                        let resp = server::handle(&shared, req).await;
                        drop(guard);
                        Ok::<_, Infallible>(resp)
                    }
                })
            };
            let conn = http.serve_connection(io, svc);
            tokio::pin!(conn);
            let result = tokio::select! {
                r = conn.as_mut() => Some(r),
                _ = close.cancelled() => None,
                _ = stop.cancelled() => {
                    conn.as_mut().graceful_shutdown();
                    Some(conn.as_mut().await)
                }
            };
            if let Some(Err(e)) = result {
                if e.is_timeout() {
                    shared.counters.refused_timeout.fetch_add(1, Ordering::Relaxed);
                    shared.refused_changed.notify_one();
                    tracing::debug!("closed a connection: request head not received in time");
                } else {
                    tracing::debug!(error = %e, "webhook connection error");
                }
            }
            registry.remove(id);
        });
    }
    drop(listener);
    reaper.abort();
    while tasks.join_next().await.is_some() {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_stays_below_the_file_limit() {
        assert_eq!(effective_cap(1024, Some(1024)), 896);
        assert_eq!(effective_cap(100, Some(1024)), 100);
        assert_eq!(effective_cap(1024, Some(64)), 32);
        assert_eq!(effective_cap(1024, Some(10)), 4);
        assert_eq!(effective_cap(1024, None), 1024);
        assert!(file_limit().is_some_and(|n| n > 0));
    }

    #[test]
    fn evicts_the_idlest_without_a_request_in_flight() {
        let r = Registry::new();
        let (_a, a) = r.add();
        let (_b, b) = r.add();
        let (_c, c) = r.add();
        a.last_active.store(10, Ordering::Relaxed);
        b.last_active.store(5, Ordering::Relaxed);
        c.last_active.store(1, Ordering::Relaxed);
        c.in_flight.store(1, Ordering::Relaxed); // oldest, but busy
        assert!(r.evict_idlest());
        assert!(b.close.is_cancelled() && !a.close.is_cancelled() && !c.close.is_cancelled());
        assert!(r.evict_idlest());
        assert!(a.close.is_cancelled());
        assert!(!r.evict_idlest(), "the only one left has a request in flight");
        assert_eq!(r.len(), 1);
    }

    #[test]
    fn reap_closes_quiet_connections_and_counts_the_unserved() {
        let r = Registry::new();
        let (_a, a) = r.add();
        let (_b, b) = r.add();
        a.served.store(3, Ordering::Relaxed);
        // Both quiet since "0 ms"; with a zero idle time both go, one never served.
        assert_eq!(r.reap(Duration::ZERO), 1);
        assert!(a.close.is_cancelled() && b.close.is_cancelled());
        assert_eq!(r.len(), 0);
    }
}
