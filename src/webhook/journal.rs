//! The event log's writer: one JSON line per accepted delivery, made durable
//! with group commit, in rotating segments (see [`super::segments`] for the
//! files, the line format and reading them back).
//!
//! One writer thread owns the active segment. Handlers send it their line with
//! a oneshot; it drains everything queued, writes it, calls `sync_data` once
//! and then answers every oneshot. Under load one fsync covers many events.
//! After a commit it closes the segment when it is large or old enough
//! ([`Policy`]). A maintenance thread, at start and every ten minutes, asks the
//! writer to close an old segment, redacts codes in closed segments once they
//! have expired and deletes closed segments beyond the retention.

use std::collections::HashMap;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, oneshot, watch};

use super::ListenerEvent;
use super::segments::{self, closed_path, write_line};
use super::server::Counters;
use crate::fsutil;

pub use super::segments::{
    Maintenance, Policy, Segment, StoredEvent, load_recent, maintain, read_stored,
};

/// How often the maintenance thread runs (also once at start).
pub const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(600);

/// What the listener knows about an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Highest attempt accepted so far.
    pub attempt: u32,
    /// Whether the line of that attempt is on disk.
    pub durable: bool,
    /// When it was received (Unix seconds), to forget ids after the dedupe window.
    pub at: i64,
}

/// Event id → what is known about it, split in shards so that a thread
/// descheduled while holding one lock (a busy machine) stalls few others.
pub(crate) struct SeenMap {
    shards: Vec<Mutex<HashMap<String, Seen>>>,
    hasher: std::collections::hash_map::RandomState,
}

const SHARDS: usize = 32;

impl SeenMap {
    pub fn new(all: HashMap<String, Seen>) -> SeenMap {
        let hasher = std::collections::hash_map::RandomState::new();
        let mut shards: Vec<HashMap<String, Seen>> = (0..SHARDS).map(|_| HashMap::new()).collect();
        for (id, seen) in all {
            let i = shard_of(&hasher, &id);
            shards[i].insert(id, seen);
        }
        SeenMap { shards: shards.into_iter().map(Mutex::new).collect(), hasher }
    }

    /// Forgets the durable ids received before `cutoff` (Unix seconds).
    /// Returns how many are left.
    pub fn prune(&self, cutoff: i64) -> usize {
        let mut left = 0;
        for shard in &self.shards {
            let mut m = shard.lock().unwrap_or_else(PoisonError::into_inner);
            m.retain(|_, s| !s.durable || s.at >= cutoff);
            left += m.len();
        }
        left
    }

    /// The locked shard that holds `id`.
    pub fn lock(&self, id: &str) -> MutexGuard<'_, HashMap<String, Seen>> {
        self.shards[shard_of(&self.hasher, id)].lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn shard_of(hasher: &impl BuildHasher, id: &str) -> usize {
    (hasher.hash_one(id) as usize) % SHARDS
}

/// The listener's side of the writer: it counts accepted events before the
/// 200s go out and hands each committed batch to the [`committer`] task.
pub(crate) struct CommitHook {
    pub counters: Arc<Counters>,
    pub batches: mpsc::UnboundedSender<CommitBatch>,
}

/// The tagged lines of one commit, for the [`committer`].
pub(crate) struct CommitBatch {
    /// Whether the write and sync succeeded.
    pub ok: bool,
    pub items: Vec<(String, u32, Option<ListenerEvent>)>,
}

/// Bookkeeping after each commit, on a tokio task so the writer thread only
/// writes, syncs and answers: marks ids durable (or forgets them when the write
/// failed), bumps `epoch` (pending duplicates wait on it) and forwards the
/// events to the UI, unless a higher attempt was accepted meanwhile. Events are
/// forwarded even when their sender hung up before its 200.
pub(crate) async fn committer(
    mut batches: mpsc::UnboundedReceiver<CommitBatch>,
    seen: Arc<SeenMap>,
    epoch: Arc<watch::Sender<u64>>,
    events: mpsc::UnboundedSender<ListenerEvent>,
) {
    let mut forward = Vec::new();
    while let Some(batch) = batches.recv().await {
        {
            for (id, attempt, event) in batch.items {
                let mut map = seen.lock(&id);
                match map.get_mut(&id) {
                    Some(s) if s.attempt == attempt && batch.ok => {
                        s.durable = true;
                        forward.extend(event);
                    }
                    Some(s) if s.attempt == attempt && !s.durable => {
                        map.remove(&id);
                    }
                    _ => {}
                }
            }
        }
        epoch.send_modify(|e| *e = e.wrapping_add(1));
        for ev in forward.drain(..) {
            let _ = events.send(ev);
        }
    }
}

static SYNCS: AtomicU64 = AtomicU64::new(0);

/// Number of `sync_data` calls by all event logs of this process (a
/// diagnostic: lines persisted / syncs = events per fsync).
pub fn sync_count() -> u64 {
    SYNCS.load(Ordering::Relaxed)
}

/// What to append.
pub(crate) enum Line {
    /// A ready line (ending with `\n`).
    Raw(Vec<u8>),
    /// A delivery: the writer formats it (see [`make_line`]) straight into its
    /// buffer, which spares the handler an allocation and a copy.
    Event {
        received_at: DateTime<Utc>,
        attempt: u32,
        id: String,
        triggered_by: String,
        body: Bytes,
    },
    /// Not a line: close the active segment if it is old enough (maintenance).
    Rotate,
}

/// A request to the writer: a line to append (or, with `line: None`, a barrier
/// answered once everything queued before it is on disk).
pub(crate) struct WriteReq {
    pub line: Option<Line>,
    /// Event id and attempt of the line, to mark it durable (or forget it on failure).
    pub tag: Option<(String, u32)>,
    /// Sent to the UI once the line is on disk.
    pub event: Option<ListenerEvent>,
    pub done: oneshot::Sender<bool>,
}

/// The group-commit writer of an append-only JSON-lines file.
pub struct Journal {
    tx: Option<mpsc::UnboundedSender<WriteReq>>,
    thread: Option<std::thread::JoinHandle<()>>,
    maintenance: Option<(Arc<Stop>, std::thread::JoinHandle<()>)>,
    persisted: Arc<AtomicU64>,
    path: PathBuf,
}

/// Stops the maintenance thread.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(PoisonError::into_inner) = true;
        self.wake.notify_all();
    }

    /// Waits up to `d`; true when stopped.
    fn wait(&self, d: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(PoisonError::into_inner);
        let (guard, _) = self
            .wake
            .wait_timeout_while(guard, d, |stopped| !*stopped)
            .unwrap_or_else(PoisonError::into_inner);
        *guard
    }
}

/// A cheap handle to append lines to a [`Journal`].
#[derive(Clone)]
pub struct JournalSender {
    tx: mpsc::UnboundedSender<WriteReq>,
}

impl JournalSender {
    /// Appends one line (it must end with `\n`) and returns once it is on disk.
    pub async fn append(&self, line: Vec<u8>) -> io::Result<()> {
        let (done, rx) = oneshot::channel();
        if self
            .send(WriteReq { line: Some(Line::Raw(line)), tag: None, event: None, done })
            .is_err()
        {
            return Err(io::Error::other("the event log is closed"));
        }
        match rx.await {
            Ok(true) => Ok(()),
            _ => Err(io::Error::other("the event could not be written to the log")),
        }
    }

    /// Queues a request; gives it back when the writer is gone.
    pub(crate) fn send(&self, req: WriteReq) -> Result<(), Box<WriteReq>> {
        self.tx.send(req).map_err(|e| Box::new(e.0))
    }
}

impl Journal {
    /// Opens (creating it and its directory, modes 0600 and 0700) the active
    /// segment for appending, with the default [`Policy`]. Nothing is ever
    /// truncated.
    pub fn open(path: &Path) -> io::Result<Journal> {
        Self::open_with(path, None, Policy::default())
    }

    /// Like [`Journal::open`], with a rotation and retention policy.
    pub fn open_with_policy(path: &Path, policy: Policy) -> io::Result<Journal> {
        Self::open_with(path, None, policy)
    }

    pub(crate) fn open_with(
        path: &Path,
        hook: Option<CommitHook>,
        policy: Policy,
    ) -> io::Result<Journal> {
        let existed = path.exists();
        let (file, needs_newline) = open_active(path)?;
        let first_at = first_line_time(path).unwrap_or_else(Utc::now);
        let len = file.metadata()?.len();
        if !existed {
            segments::sync_dir(path);
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let persisted = Arc::new(AtomicU64::new(0));
        let p = persisted.clone();
        let active = Active {
            file,
            path: path.to_path_buf(),
            len,
            first_at: (len > 0).then_some(first_at),
            next_seq: segments::last_seq(path) + 1,
            policy,
        };
        let thread = std::thread::Builder::new()
            .name("onboard-event-log".into())
            .spawn(move || writer_loop(active, rx, p, hook, needs_newline))?;
        let stop = Arc::new(Stop::default());
        let weak = tx.downgrade();
        let (st, active_path) = (stop.clone(), path.to_path_buf());
        let maintenance = std::thread::Builder::new()
            .name("onboard-event-log-maintenance".into())
            .spawn(move || maintenance_loop(&active_path, policy, weak, &st))?;
        Ok(Journal {
            tx: Some(tx),
            thread: Some(thread),
            maintenance: Some((stop, maintenance)),
            persisted,
            path: path.to_path_buf(),
        })
    }

    pub fn sender(&self) -> JournalSender {
        // `tx` is only taken by `close`, which consumes self.
        JournalSender { tx: self.tx.clone().unwrap_or_else(|| mpsc::unbounded_channel().0) }
    }

    /// Lines written and synced so far.
    pub fn persisted(&self) -> u64 {
        self.persisted.load(Ordering::Relaxed)
    }

    pub(crate) fn persisted_counter(&self) -> Arc<AtomicU64> {
        self.persisted.clone()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Closes the active segment now if it holds anything (whatever its age),
    /// once everything queued before is on disk. For tests and tools.
    pub async fn rotate_now(&self) -> bool {
        let Some(tx) = &self.tx else { return false };
        let (done, rx) = oneshot::channel();
        let req =
            WriteReq { line: Some(Line::Rotate), tag: Some((String::new(), 0)), event: None, done };
        tx.send(req).is_ok() && rx.await.unwrap_or(false)
    }

    /// Waits until every sender is dropped and everything queued is on disk.
    pub async fn close(mut self) {
        self.tx.take();
        let maintenance = self.maintenance.take();
        let writer = self.thread.take();
        let _ = tokio::task::spawn_blocking(move || {
            if let Some((stop, t)) = maintenance {
                stop.stop();
                let _ = t.join();
            }
            if let Some(t) = writer {
                let _ = t.join();
            }
        })
        .await;
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Without `close`, the writer still finishes the queue on its own thread.
        self.tx.take();
        if let Some((stop, _)) = &self.maintenance {
            stop.stop();
        }
    }
}

/// Opens the active segment; says whether it ends in a partial line.
fn open_active(path: &Path) -> io::Result<(File, bool)> {
    let mut file = fsutil::open_append(path)?;
    // A crash in the middle of a write can leave a partial last line: start
    // on a fresh line so the next event is not glued to it.
    let len = file.metadata()?.len();
    let mut needs_newline = false;
    if len > 0 {
        file.seek(SeekFrom::Start(len - 1))?;
        let mut last = [0u8; 1];
        file.read_exact(&mut last)?;
        needs_newline = last[0] != b'\n';
    }
    Ok((file, needs_newline))
}

/// The time of the first line of a segment (its age for rotation).
fn first_line_time(path: &Path) -> Option<DateTime<Utc>> {
    let f = File::open(path).ok()?;
    let mut first = Vec::new();
    std::io::BufRead::read_until(&mut std::io::BufReader::new(f).take(4096), b'\n', &mut first)
        .ok()?;
    let mut scratch = Vec::new();
    segments::parse_head(&first, &mut scratch)
        .map(|h| h.received_at)
        .or_else(|| serde_json::from_slice::<StoredEvent>(&first).ok().map(|s| s.received_at))
}

/// The active segment, owned by the writer thread.
struct Active {
    file: File,
    path: PathBuf,
    len: u64,
    /// When its first line was received (`None` while empty).
    first_at: Option<DateTime<Utc>>,
    next_seq: u64,
    policy: Policy,
}

impl Active {
    fn due(&self, force: bool) -> bool {
        if self.len == 0 {
            return false;
        }
        if force || self.len >= self.policy.segment_bytes {
            return true;
        }
        let age =
            chrono::Duration::from_std(self.policy.segment_age).unwrap_or(chrono::Duration::MAX);
        self.first_at.is_some_and(|t| Utc::now() - t >= age)
    }

    /// Closes the active segment (renamed to the next sequence number) and
    /// opens a new empty one. On failure the current one stays in use.
    fn rotate(&mut self) -> io::Result<()> {
        let to = closed_path(&self.path, self.next_seq, false);
        self.file.sync_all()?;
        std::fs::rename(&self.path, &to)?;
        self.next_seq += 1;
        match open_active(&self.path) {
            Ok((file, _)) => {
                self.file = file;
                self.len = 0;
                self.first_at = None;
            }
            Err(e) => {
                // Keep writing where we were rather than lose events.
                let _ = std::fs::rename(&to, &self.path);
                return Err(e);
            }
        }
        segments::sync_dir(&self.path);
        tracing::info!(segment = %to.display(), "event log segment closed");
        Ok(())
    }
}

fn maintenance_loop(
    active: &Path,
    policy: Policy,
    writer: mpsc::WeakUnboundedSender<WriteReq>,
    stop: &Stop,
) {
    loop {
        // Close an old active segment first, so its codes get redacted in time.
        if let Some(tx) = writer.upgrade() {
            let (done, rx) = oneshot::channel();
            let req = WriteReq { line: Some(Line::Rotate), tag: None, event: None, done };
            if tx.send(req).is_ok() {
                drop(tx);
                let _ = rx.blocking_recv();
            }
        }
        let report = maintain(active, &policy, SystemTime::now());
        for e in &report.errors {
            tracing::warn!("event log maintenance: {e}");
        }
        if report.redacted + report.deleted > 0 {
            tracing::info!(
                redacted = report.redacted,
                deleted = report.deleted,
                "event log maintenance"
            );
        }
        if stop.wait(MAINTENANCE_INTERVAL) {
            return;
        }
    }
}

fn writer_loop(
    mut active: Active,
    mut rx: mpsc::UnboundedReceiver<WriteReq>,
    persisted: Arc<AtomicU64>,
    hook: Option<CommitHook>,
    mut needs_newline: bool,
) {
    let shown = active.path.display().to_string();
    let mut batch: Vec<WriteReq> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(256 * 1024);
    while let Some(first) = rx.blocking_recv() {
        batch.push(first);
        while batch.len() < 100_000 {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        buf.clear();
        let mut lines = 0u64;
        let mut rotate: Option<bool> = None;
        let mut first_at = None;
        for r in &batch {
            match &r.line {
                Some(Line::Raw(l)) => buf.extend_from_slice(l),
                Some(Line::Event { received_at, attempt, id, triggered_by, body }) => {
                    first_at.get_or_insert(*received_at);
                    write_line(&mut buf, *received_at, *attempt, id, triggered_by, body)
                }
                Some(Line::Rotate) => {
                    // Forced by `rotate_now` (tagged), by age from maintenance.
                    let forced = r.tag.is_some();
                    rotate = Some(rotate.unwrap_or(false) || forced);
                    continue;
                }
                None => continue,
            }
            lines += 1;
        }
        let ok = if lines == 0 {
            true
        } else {
            let res = (|| -> io::Result<()> {
                if needs_newline {
                    active.file.write_all(b"\n")?;
                }
                active.file.write_all(&buf)?;
                active.file.sync_data()
            })();
            match res {
                Ok(()) => {
                    needs_newline = false;
                    active.len += buf.len() as u64;
                    if active.first_at.is_none() {
                        active.first_at = Some(first_at.unwrap_or_else(Utc::now));
                    }
                    persisted.fetch_add(lines, Ordering::Relaxed);
                    SYNCS.fetch_add(1, Ordering::Relaxed);
                    true
                }
                Err(e) => {
                    needs_newline = true;
                    tracing::error!(file = %shown, error = %e, "cannot write the event log");
                    false
                }
            }
        };
        let mut items = Vec::new();
        let mut rotated = None;
        if ok && (rotate.is_some() || active.due(false)) {
            let due = active.due(rotate.unwrap_or(false));
            rotated = Some(due && active.rotate().map_err(|e| {
                tracing::error!(file = %shown, error = %e, "cannot close the event log segment");
            }).is_ok());
        }
        for r in batch.drain(..) {
            if matches!(r.line, Some(Line::Rotate)) {
                let _ = r.done.send(rotated.unwrap_or(false));
                continue;
            }
            if let (Some(hook), Some((id, attempt))) = (&hook, r.tag) {
                if ok {
                    let c = &hook.counters;
                    c.accepted.fetch_add(1, Ordering::Relaxed);
                    if r.event.is_none() {
                        c.other.fetch_add(1, Ordering::Relaxed);
                    }
                }
                items.push((id, attempt, r.event));
            }
            let _ = r.done.send(ok);
        }
        if let Some(hook) = &hook
            && !items.is_empty()
        {
            let _ = hook.batches.send(CommitBatch { ok, items });
        }
    }
    let _ = active.file.sync_data();
}

/// Builds the stored line for a delivery body that is valid JSON (see
/// [`super::segments`] for the format).
pub fn make_line(
    received_at: DateTime<Utc>,
    attempt: u32,
    id: &str,
    triggered_by: &str,
    body: &[u8],
) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 160);
    write_line(&mut v, received_at, attempt, id, triggered_by, body);
    v
}

/// Reads the OTP events of the whole log (every segment): deduplicated on the
/// event id (the highest attempt wins; on a tie the first one stays), in order
/// of first arrival. The console uses [`load_recent`] instead, which bounds
/// the memory.
pub fn load_events(path: &Path) -> (Vec<super::OtpEvent>, Vec<String>) {
    load_recent(path, usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line_of(id: &str) -> Vec<u8> {
        let ev = serde_json::json!({"id": id, "triggered_by": "x"});
        make_line(Utc::now(), 1, id, "x", ev.to_string().as_bytes())
    }

    #[test]
    fn line_time_is_rfc3339_micros() {
        let t = DateTime::parse_from_rfc3339("2023-09-05T14:53:01.584321+00:00").unwrap().to_utc();
        let line = make_line(t, 7, "a", "x.y", b"{}");
        let expected = format!(
            "{{\"received_at\":\"{}\",\"attempt\":7,\"id\":\"a\",\"triggered_by\":\"x.y\",\"event\":{{}}}}\n",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        assert_eq!(String::from_utf8(line).unwrap(), expected);
    }

    #[test]
    fn line_is_one_line_and_reads_back() {
        let body = b"{\n  \"id\": \"a\",\r\n  \"triggered_by\": \"x.y\", \"attempt\": 2\n}";
        let line = make_line(Utc::now(), 2, "a", "x.y", body);
        assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
        let s: StoredEvent = serde_json::from_slice(&line).unwrap();
        assert_eq!(s.attempt, 2);
        assert_eq!(s.event["id"], "a");
    }

    #[tokio::test]
    async fn group_commit_appends_and_never_truncates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/events.jsonl");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, b"partial line without newline").unwrap();
        let j = Journal::open(&path).unwrap();
        let s = j.sender();
        let mut tasks = Vec::new();
        for i in 0..50 {
            let s = s.clone();
            let line = line_of(&format!("e{i}"));
            tasks.push(tokio::spawn(async move { s.append(line).await }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        assert_eq!(j.persisted(), 50);
        drop(s);
        j.close().await;
        let (stored, warnings) = read_stored(&path);
        assert_eq!(stored.len(), 50);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("partial line without newline\n"));
        assert_eq!(fsutil::mode_of(&path), Some(0o600));
    }

    #[tokio::test]
    async fn segments_rotate_by_size_and_read_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let policy = Policy { segment_bytes: 1000, ..Policy::default() };
        let j = Journal::open_with_policy(&path, policy).unwrap();
        let s = j.sender();
        for i in 0..40 {
            s.append(line_of(&format!("e{i:02}"))).await.unwrap();
        }
        let active_len = std::fs::metadata(&path).unwrap().len();
        assert_eq!(j.rotate_now().await, active_len > 0);
        assert!(!j.rotate_now().await, "nothing to close in an empty segment");
        drop(s);
        j.close().await;
        let segs = segments::list(&path);
        assert!(segs.len() >= 4, "{segs:?}");
        assert!(segs.iter().all(|s| s.len <= 1000 + 200), "{segs:?}");
        assert!(segs.iter().all(|s| fsutil::mode_of(&s.path) == Some(0o600)));
        let ids: Vec<String> = read_stored(&path)
            .0
            .iter()
            .map(|s| s.event["id"].as_str().unwrap().to_owned())
            .collect();
        let expected: Vec<String> = (0..40).map(|i| format!("e{i:02}")).collect();
        assert_eq!(ids, expected);
        // Reopening continues the numbering.
        let j = Journal::open_with_policy(&path, policy).unwrap();
        j.sender().append(line_of("later")).await.unwrap();
        assert!(j.rotate_now().await);
        j.close().await;
        let last = segments::list(&path).into_iter().filter_map(|s| s.seq).max().unwrap();
        assert_eq!(last as usize, segs.iter().filter(|s| s.seq.is_some()).count() + 1);
    }
}
