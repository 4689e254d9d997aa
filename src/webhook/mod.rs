//! The OTP webhook listener: a hyper HTTP/1 server (connections served by
//! [`conn`], requests by [`server`]) that receives Commerce's
//! `one-time-password-token-request.created` deliveries (reference §2.13).
//!
//! - `POST /webhooks/otp` only (other paths 404, other methods 405, JSON error bodies).
//! - Limits ([`Limits`]): a header timeout, a body timeout (408), an idle
//!   timeout, and a cap on open connections below the file limit where the
//!   idlest connection makes room for a new one. Refusals are counted by
//!   cause ([`Refusals`], in [`ListenerHandle::stats`]).
//! - `X-Moltin-Secret-Key` is compared in constant time with the configured secret
//!   (401 otherwise). [`ListenerConfig::secret`] `None` disables the check: that
//!   must be asked for explicitly (`onboard listen` refuses to start without a
//!   secret unless it is given as an empty string).
//! - The body is limited to [`ListenerConfig::max_body`] (413), must be a JSON
//!   object with string `id` and `triggered_by` (400 otherwise; an OTP event must
//!   also have the payload fields [`OtpPayload`] needs). A body cut off by the
//!   sender is a 400 "cut off", never a 413.
//! - The secret echo `configuration.secret_key` is removed from the body before
//!   it is stored, forwarded or printed.
//! - Deduplication on the event `id`: a delivery with a higher `attempt` than any
//!   seen for that id is stored and forwarded as an update; the same or a lower
//!   attempt (a retry, or an older attempt arriving late) is answered 200 without
//!   being stored again. Ids are remembered for [`Policy::dedupe_window`]
//!   (also across restarts: start reads the ids of the recent segments only).
//! - Every accepted delivery is appended to the event log and synced to disk
//!   (group commit, see [`journal`]) before its 200, so nothing acknowledged is
//!   lost across restarts. The log rotates into segments, expired codes are
//!   redacted and old segments deleted ([`segments`]). The console reads the
//!   recent events back with [`load_recent`].
//! - Events of other types (`triggered_by` other than [`OTP_EVENT`]) are answered
//!   200 and stored (so they are not lost). The member events of the live
//!   Approvals queue ([`member_event`]) are forwarded as [`ListenerEvent::Member`];
//!   the rest are counted in [`ListenerStats::other`] and not forwarded.
//! - The UI gets [`ListenerEvent`]s after the delivery is acknowledged, a
//!   duplicate too ([`ListenerEvent::Duplicate`]: no new row, but one more
//!   delivery in the store's logs).

mod conn;
mod event;
pub mod journal;
mod listen;
pub mod member_event;
pub mod segments;
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use conn::{
    DEFAULT_BODY_TIMEOUT, DEFAULT_HEADER_TIMEOUT, DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_CONNECTIONS,
    Limits, effective_cap, file_limit,
};
pub use event::{
    Delivery, Envelope, OTP_EVENT, OTP_VALIDITY_MINUTES, OtpEvent, OtpPayload, RawJson,
    redact_code, secret_echo_span, strip_secret_echo,
};
pub use journal::{Journal, JournalSender, Policy, load_events, load_recent};
pub use listen::{ListenSettings, human_line, run_listen};
pub use server::SECRET_HEADER;

use journal::{CommitHook, Seen};
use server::{Counters, Shared};

/// The path Commerce delivers to.
pub const WEBHOOK_PATH: &str = "/webhooks/otp";
/// Default body limit: 64 KiB (an OTP event is about 1 KiB).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;
/// The event log's file name in the data dir (its active segment).
pub const EVENTS_FILE: &str = "events.jsonl";
/// How many recent OTP events the console loads at start.
pub const DEFAULT_CONSOLE_EVENTS: usize = 2000;

/// How the listener is started.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    pub bind: SocketAddr,
    /// The integration's `secret_key`, expected in `X-Moltin-Secret-Key`.
    /// `None` (or an empty secret) accepts every delivery without a check:
    /// only for loopback testing, and only when asked for explicitly.
    pub secret: Option<Secret>,
    /// The event log (JSON lines), e.g. `data_dir/events.jsonl`.
    pub events_file: PathBuf,
    /// Body limit in bytes ([`DEFAULT_MAX_BODY`]).
    pub max_body: usize,
    /// Time limits and the connection cap.
    pub limits: Limits,
    /// Rotation, retention and the dedupe window of the event log.
    pub journal: Policy,
}

impl ListenerConfig {
    /// A config with the default body limit and limits.
    pub fn new(bind: SocketAddr, secret: Option<Secret>, events_file: PathBuf) -> Self {
        Self {
            bind,
            secret,
            events_file,
            max_body: DEFAULT_MAX_BODY,
            limits: Limits::default(),
            journal: Policy::default(),
        }
    }
}

use crate::secret::Secret;

/// What the listener tells the UI.
// `Received` is the common variant; boxing it would only change the agreed API.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum ListenerEvent {
    /// A new OTP event, or a retry with a higher attempt (same `id`: replace the row).
    Received(OtpEvent),
    /// A delivery was refused (401 wrong/missing secret, 400 malformed or cut
    /// off, 408 body timeout, 413 too large).
    Rejected { status: u16, reason: String },
    /// A member or membership event for the Approvals queue ([`member_event`]).
    Member(member_event::MemberEvent),
    /// A delivery of an event already stored (same id, the same or a lower
    /// attempt), acknowledged `200 {"status":"duplicate"}` and not stored
    /// again. Nothing changes in the event list, but the store logged one
    /// more delivery (the UI's delivery line follows it).
    Duplicate { id: String, attempt: u32 },
    /// The refusals by cause so far (connection-level ones included: idle and
    /// slow connections closed by the timeouts). Sent after refusals happen,
    /// at most twice a second, never while nothing is refused.
    Refusals(Refusals),
}

/// Counters since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Deliveries stored and acknowledged (new ids and higher attempts, any event type).
    pub accepted: u64,
    /// Deliveries acknowledged without storing (same or lower attempt of a known id).
    pub duplicates: u64,
    /// Lines written and synced to the event log.
    pub persisted: u64,
    /// Accepted deliveries that are neither OTP nor member events (stored, not forwarded).
    pub other: u64,
    /// Refused deliveries and connections, by cause.
    pub refused: Refusals,
    /// Idle connections closed to make room at the connection cap.
    pub evicted: u64,
}

/// Refusals by cause, since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refusals {
    /// A body not complete within the body timeout (408), a request head not
    /// complete within the header timeout, or a connection that sent no
    /// request within the idle timeout (both closed without an answer).
    pub timeout: u64,
    /// A body over the limit (413).
    pub too_large: u64,
    /// A body cut off before its end: the sender hung up mid-way.
    pub cut_off: u64,
    /// A missing or wrong `X-Moltin-Secret-Key` (401).
    pub bad_secret: u64,
    /// Malformed JSON or an event without the required fields (400).
    pub bad_body: u64,
    /// A connection closed at once because the cap was reached and every open
    /// connection had a request in flight.
    pub busy: u64,
}

impl Refusals {
    pub fn total(&self) -> u64 {
        self.timeout + self.too_large + self.cut_off + self.bad_secret + self.bad_body + self.busy
    }

    /// The non-zero causes only, for a narrow line: `2 timeout · 1 cut off`
    /// (empty when nothing was refused).
    pub fn summary(&self) -> String {
        let all = [
            (self.timeout, "timeout"),
            (self.too_large, "too large"),
            (self.cut_off, "cut off"),
            (self.bad_secret, "bad secret"),
            (self.bad_body, "bad body"),
            (self.busy, "busy"),
        ];
        let parts: Vec<String> =
            all.iter().filter(|(n, _)| *n > 0).map(|(n, what)| format!("{n} {what}")).collect();
        parts.join(" · ")
    }
}

/// `3 timeout, 1 too large, 0 cut off, 2 bad secret, 0 bad body` (`busy` only when non-zero).
impl std::fmt::Display for Refusals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} timeout, {} too large, {} cut off, {} bad secret, {} bad body",
            self.timeout, self.too_large, self.cut_off, self.bad_secret, self.bad_body
        )?;
        if self.busy > 0 {
            write!(f, ", {} busy", self.busy)?;
        }
        Ok(())
    }
}

/// A running listener.
pub struct ListenerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    journal: Journal,
    committer: tokio::task::JoinHandle<()>,
    registry: Arc<conn::Registry>,
    cap: usize,
    pruner: tokio::task::JoinHandle<()>,
    reporter: tokio::task::JoinHandle<()>,
}

/// Binds `cfg.bind` at once (a clear error when the port is taken), reads the
/// event log to know the ids already seen, and serves in a background task.
/// Events already in the log are not sent on the channel: read them with
/// [`load_events`].
pub async fn start(
    cfg: ListenerConfig,
) -> Result<(ListenerHandle, mpsc::UnboundedReceiver<ListenerEvent>)> {
    let listener = tokio::net::TcpListener::bind(cfg.bind).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::AddrInUse {
            eyre!(
                "cannot listen on {}: the address is already in use (is another onboard \
                 running?); choose another one with --listen ADDR (or --bind for onboard listen)",
                cfg.bind
            )
        } else {
            eyre!("cannot listen on {}: {e}", cfg.bind)
        }
    })?;
    let addr = listener.local_addr()?;

    // Only the ids young enough to be retried are read, from the heads of
    // the recent segments (streaming): memory and time stay bounded.
    let (path, window) = (cfg.events_file.clone(), cfg.journal.dedupe_window);
    let (ids, warnings) =
        tokio::task::spawn_blocking(move || segments::scan_ids(&path, window, Utc::now()))
            .await
            .wrap_err("reading the event log")?;
    for w in warnings.iter().take(20) {
        tracing::warn!("{w}");
    }
    if warnings.len() > 20 {
        tracing::warn!("{} more unreadable lines in the event log", warnings.len() - 20);
    }
    let seen: HashMap<String, Seen> = ids
        .into_iter()
        .map(|(id, (attempt, at))| (id, Seen { attempt, durable: true, at }))
        .collect();
    let seen = Arc::new(journal::SeenMap::new(seen));
    let (tx, rx) = mpsc::unbounded_channel();
    let counters = Arc::new(Counters::default());
    let epoch = Arc::new(tokio::sync::watch::channel(0u64).0);
    let (batches_tx, batches_rx) = mpsc::unbounded_channel();
    let hook = CommitHook { counters: counters.clone(), batches: batches_tx };
    let journal = Journal::open_with(&cfg.events_file, Some(hook), cfg.journal)
        .wrap_err_with(|| format!("cannot open the event log {}", cfg.events_file.display()))?;

    let secret = cfg.secret.filter(|s| !s.is_empty());
    if secret.is_none() {
        tracing::warn!("the webhook listener accepts deliveries without a secret check");
    }
    let committer =
        tokio::spawn(journal::committer(batches_rx, seen.clone(), epoch.clone(), tx.clone()));
    let shared = Arc::new(Shared {
        secret: RwLock::new(secret),
        seen,
        journal: journal.sender(),
        events: tx,
        counters,
        persisted: journal.persisted_counter(),
        epoch,
        max_body: cfg.max_body,
        limits: cfg.limits,
        refused_changed: Arc::new(tokio::sync::Notify::new()),
        log_budget: server::LogBudget::default(),
    });
    // Tells the UI the refusals by cause after they change (coalesced).
    let reporter = {
        let shared = shared.clone();
        tokio::spawn(async move {
            loop {
                shared.refused_changed.notified().await;
                tokio::time::sleep(Duration::from_millis(500)).await;
                if shared.events.send(ListenerEvent::Refusals(shared.stats().refused)).is_err() {
                    break;
                }
            }
        })
    };
    // Forget ids once they are older than the dedupe window.
    let pruner = {
        let (seen, window) = (shared.seen.clone(), cfg.journal.dedupe_window);
        tokio::spawn(async move {
            let mut every = tokio::time::interval(journal::MAINTENANCE_INTERVAL);
            every.tick().await;
            loop {
                every.tick().await;
                let w = chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
                let left = seen.prune((Utc::now() - w).timestamp());
                tracing::debug!(ids = left, "dedupe index pruned");
            }
        })
    };
    let cap = effective_cap(cfg.limits.max_connections, file_limit());
    let registry = Arc::new(conn::Registry::new());
    let cancel = CancellationToken::new();
    let server =
        tokio::spawn(conn::serve(listener, shared.clone(), registry.clone(), cap, cancel.clone()));
    tracing::info!(
        %addr,
        file = %cfg.events_file.display(),
        max_connections = cap,
        header_timeout_s = cfg.limits.header_timeout.as_secs_f64(),
        body_timeout_s = cfg.limits.body_timeout.as_secs_f64(),
        idle_timeout_s = cfg.limits.idle_timeout.as_secs_f64(),
        "webhook listener started"
    );
    Ok((
        ListenerHandle {
            addr,
            shared,
            cancel,
            server,
            journal,
            committer,
            registry,
            cap,
            pruner,
            reporter,
        },
        rx,
    ))
}

impl ListenerHandle {
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR/webhooks/otp`.
    pub fn url(&self) -> String {
        format!("http://{}{}", self.addr, WEBHOOK_PATH)
    }

    /// Replaces the expected secret (`None` or empty: no check).
    pub fn set_secret(&self, s: Option<Secret>) {
        let mut guard = self.shared.secret.write().unwrap_or_else(PoisonError::into_inner);
        *guard = s.filter(|s| !s.is_empty());
    }

    /// Counters since start (cheap: a few atomic loads), including the
    /// refusals by cause the OTP panel shows.
    pub fn stats(&self) -> ListenerStats {
        self.shared.stats()
    }

    /// Open connections right now.
    pub fn open_connections(&self) -> usize {
        self.registry.len()
    }

    /// The connection cap in force (see [`effective_cap`]).
    pub fn connection_cap(&self) -> usize {
        self.cap
    }

    /// Stops accepting, lets in-flight deliveries finish (up to 5 s), then
    /// flushes and syncs the event log. Returns the final counts.
    pub async fn shutdown(self) -> ListenerStats {
        let ListenerHandle {
            shared,
            cancel,
            mut server,
            journal,
            committer,
            registry,
            pruner,
            reporter,
            ..
        } = self;
        pruner.abort();
        reporter.abort();
        let _ = reporter.await;
        cancel.cancel();
        if tokio::time::timeout(Duration::from_secs(5), &mut server).await.is_err() {
            server.abort();
            let _ = server.await;
        }
        let (counters, persisted) = (shared.counters.clone(), shared.persisted.clone());
        // The handlers' state holds a sender of the log: drop it so the writer can finish.
        drop(shared);
        drop(registry);
        journal.close().await;
        // The writer is gone, so the committer drains its last batches and ends.
        let _ = committer.await;
        server::stats(&counters, &persisted)
    }
}
