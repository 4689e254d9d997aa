//! The OTP webhook listener: an axum server that receives Commerce's
//! `one-time-password-token-request.created` deliveries (reference §2.13).
//!
//! - `POST /webhooks/otp` only (other paths 404, other methods 405, JSON error bodies).
//! - `X-Moltin-Secret-Key` is compared in constant time with the configured secret
//!   (401 otherwise). [`ListenerConfig::secret`] `None` disables the check: that
//!   must be asked for explicitly (`onboard listen` refuses to start without a
//!   secret unless it is given as an empty string).
//! - The body is limited to [`ListenerConfig::max_body`] (413), must be a JSON
//!   object with string `id` and `triggered_by` (400 otherwise; an OTP event must
//!   also have the payload fields [`OtpPayload`] needs).
//! - Deduplication on the event `id`: a delivery with a higher `attempt` than any
//!   seen for that id is stored and forwarded as an update; the same or a lower
//!   attempt (a retry, or an older attempt arriving late) is answered 200 without
//!   being stored again. The ids already in the log count as seen after a restart.
//! - Every accepted delivery is appended to the event log and synced to disk
//!   (group commit, see [`journal`]) before its 200, so nothing acknowledged is
//!   lost across restarts. The console reads it back with [`load_events`].
//! - Events of other types (`triggered_by` other than [`OTP_EVENT`]) are answered
//!   200 and stored (so they are not lost), counted in [`ListenerStats::other`],
//!   but not forwarded: the channel carries OTP events only.
//! - The UI gets [`ListenerEvent`]s after the delivery is acknowledged.

mod event;
pub mod journal;
mod listen;
pub mod member_event;
mod server;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use color_eyre::eyre::{Result, WrapErr, eyre};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

pub use event::{Envelope, OTP_EVENT, OTP_VALIDITY_MINUTES, OtpEvent, OtpPayload};
pub use journal::{Journal, JournalSender, load_events};
pub use listen::{human_line, run_listen};
pub use server::SECRET_HEADER;

use journal::{CommitHook, Seen};
use server::{Counters, Shared};

/// The path Commerce delivers to.
pub const WEBHOOK_PATH: &str = "/webhooks/otp";
/// Default body limit: 64 KiB (an OTP event is about 1 KiB).
pub const DEFAULT_MAX_BODY: usize = 64 * 1024;
/// The event log's file name in the data dir.
pub const EVENTS_FILE: &str = "events.jsonl";

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
}

impl ListenerConfig {
    /// A config with the default body limit.
    pub fn new(bind: SocketAddr, secret: Option<Secret>, events_file: PathBuf) -> Self {
        Self { bind, secret, events_file, max_body: DEFAULT_MAX_BODY }
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
    /// A delivery was refused (401 wrong/missing secret, 400 malformed, 413 too large).
    Rejected { status: u16, reason: String },
    /// A member or membership event for the Approvals queue ([`member_event`]).
    Member(member_event::MemberEvent),
}

/// Counters since start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListenerStats {
    /// Deliveries stored and acknowledged (new ids and higher attempts, any event type).
    pub accepted: u64,
    /// Deliveries acknowledged without storing (same or lower attempt of a known id).
    pub duplicates: u64,
    /// 401s.
    pub rejected_auth: u64,
    /// 400s and 413s.
    pub rejected_bad: u64,
    /// Lines written and synced to the event log.
    pub persisted: u64,
    /// Accepted deliveries that are not OTP events (stored, not forwarded).
    pub other: u64,
}

/// A running listener.
pub struct ListenerHandle {
    addr: SocketAddr,
    shared: Arc<Shared>,
    cancel: CancellationToken,
    server: tokio::task::JoinHandle<()>,
    journal: Journal,
    committer: tokio::task::JoinHandle<()>,
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

    let (stored, warnings) = journal::read_stored(&cfg.events_file);
    for w in &warnings {
        tracing::warn!("{w}");
    }
    let mut seen: HashMap<String, Seen> = HashMap::with_capacity(stored.len());
    for s in &stored {
        if let Ok(env) = Envelope::parse(&s.event) {
            let e = seen.entry(env.id).or_insert(Seen { attempt: s.attempt, durable: true });
            e.attempt = e.attempt.max(s.attempt);
        }
    }
    drop(stored);
    let seen = Arc::new(journal::SeenMap::new(seen));
    let (tx, rx) = mpsc::unbounded_channel();
    let counters = Arc::new(Counters::default());
    let epoch = Arc::new(tokio::sync::watch::channel(0u64).0);
    let (batches_tx, batches_rx) = mpsc::unbounded_channel();
    let hook = CommitHook { counters: counters.clone(), batches: batches_tx };
    let journal = Journal::open_with(&cfg.events_file, Some(hook))
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
    });
    let app = server::router(shared.clone());
    let cancel = CancellationToken::new();
    let stop = cancel.clone();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    let server = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(stop.cancelled_owned());
        if let Err(e) = serve.await {
            tracing::error!(error = %e, "the webhook listener stopped");
        }
    });
    tracing::info!(%addr, file = %cfg.events_file.display(), "webhook listener started");
    Ok((ListenerHandle { addr, shared, cancel, server, journal, committer }, rx))
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

    pub fn stats(&self) -> ListenerStats {
        self.shared.stats()
    }

    /// Stops accepting, lets in-flight deliveries finish (up to 5 s), then
    /// flushes and syncs the event log. Returns the final counts.
    pub async fn shutdown(self) -> ListenerStats {
        let ListenerHandle { shared, cancel, mut server, journal, committer, .. } = self;
        cancel.cancel();
        if tokio::time::timeout(Duration::from_secs(5), &mut server).await.is_err() {
            server.abort();
            let _ = server.await;
        }
        let (counters, persisted) = (shared.counters.clone(), shared.persisted.clone());
        // The handlers' state holds a sender of the log: drop it so the writer can finish.
        drop(shared);
        journal.close().await;
        // The writer is gone, so the committer drains its last batches and ends.
        let _ = committer.await;
        server::stats(&counters, &persisted)
    }
}
