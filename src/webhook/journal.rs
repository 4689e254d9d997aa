//! The event log: one JSON line per accepted delivery, made durable with group
//! commit, and read back on start.
//!
//! Line format: `{"received_at":"<RFC 3339>","attempt":N,"event":<the body as received>}`.
//! The body is stored byte for byte except that CR and LF (which a valid JSON
//! document can only hold as whitespace) become spaces, so one event is one line.
//!
//! One writer thread owns the file. Handlers send it their line with a oneshot;
//! it drains everything queued, writes it, calls `sync_data` once and then
//! answers every oneshot. Under load one fsync covers many events.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::hash::BuildHasher;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::body::Bytes;
use chrono::{DateTime, Datelike, Timelike, Utc};
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};

use super::ListenerEvent;
use super::event::{Envelope, OTP_EVENT, OtpEvent};
use super::server::Counters;

/// What the listener knows about an event id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    /// Highest attempt accepted so far.
    pub attempt: u32,
    /// Whether the line of that attempt is on disk.
    pub durable: bool,
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
    Event { received_at: DateTime<Utc>, attempt: u32, body: Bytes },
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
    persisted: Arc<AtomicU64>,
    path: PathBuf,
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
    /// Opens (creating it and its directory, mode 0600) the file for appending.
    /// The file is never truncated.
    pub fn open(path: &Path) -> io::Result<Journal> {
        Self::open_with(path, None)
    }

    pub(crate) fn open_with(path: &Path, hook: Option<CommitHook>) -> io::Result<Journal> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let existed = path.exists();
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
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
        if !existed {
            file.sync_all()?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // Make the new directory entry durable too (best effort).
                if let Ok(d) = File::open(dir) {
                    let _ = d.sync_all();
                }
            }
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let persisted = Arc::new(AtomicU64::new(0));
        let p = persisted.clone();
        let shown = path.display().to_string();
        let thread = std::thread::Builder::new()
            .name("onboard-event-log".into())
            .spawn(move || writer_loop(file, rx, p, hook, needs_newline, shown))?;
        Ok(Journal { tx: Some(tx), thread: Some(thread), persisted, path: path.to_path_buf() })
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

    /// Waits until every sender is dropped and everything queued is on disk.
    pub async fn close(mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        // Without `close`, the writer still finishes the queue on its own thread.
        self.tx.take();
    }
}

fn writer_loop(
    mut file: File,
    mut rx: mpsc::UnboundedReceiver<WriteReq>,
    persisted: Arc<AtomicU64>,
    hook: Option<CommitHook>,
    mut needs_newline: bool,
    shown: String,
) {
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
        for r in &batch {
            match &r.line {
                Some(Line::Raw(l)) => buf.extend_from_slice(l),
                Some(Line::Event { received_at, attempt, body }) => {
                    write_line(&mut buf, *received_at, *attempt, body)
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
                    file.write_all(b"\n")?;
                }
                file.write_all(&buf)?;
                file.sync_data()
            })();
            match res {
                Ok(()) => {
                    needs_newline = false;
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
        for r in batch.drain(..) {
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
    let _ = file.sync_data();
}

/// Builds the stored line for a delivery body that is valid JSON.
pub fn make_line(received_at: DateTime<Utc>, attempt: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 80);
    write_line(&mut v, received_at, attempt, body);
    v
}

fn write_line(v: &mut Vec<u8>, received_at: DateTime<Utc>, attempt: u32, body: &[u8]) {
    let (d, t) = (received_at.date_naive(), received_at.time());
    // Same text as `to_rfc3339_opts(Micros, true)`, without the temporary strings.
    let _ = write!(
        v,
        "{{\"received_at\":\"{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z\",\"attempt\":{attempt},\"event\":",
        d.year(),
        d.month(),
        d.day(),
        t.hour(),
        t.minute(),
        t.second(),
        (t.nanosecond() / 1000).min(999_999)
    );
    v.extend(body.iter().map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b }));
    v.extend_from_slice(b"}\n");
}

/// One line of the event log.
#[derive(Debug, Clone, Deserialize)]
pub struct StoredEvent {
    pub received_at: DateTime<Utc>,
    pub attempt: u32,
    pub event: Value,
}

/// Reads every valid line of the log (any event type), in file order. A
/// missing file is empty; corrupt lines are skipped with a warning.
pub fn read_stored(path: &Path) -> (Vec<StoredEvent>, Vec<String>) {
    let mut warnings = Vec::new();
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (Vec::new(), warnings),
        Err(e) => {
            warnings.push(format!("cannot read {}: {e}", path.display()));
            return (Vec::new(), warnings);
        }
    };
    let mut out = Vec::new();
    for (i, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<StoredEvent>(line) {
            Ok(s) => match Envelope::parse(&s.event) {
                Ok(_) => out.push(s),
                Err(e) => warnings.push(format!("{}:{}: skipped: {e}", path.display(), i + 1)),
            },
            Err(e) => {
                warnings.push(format!("{}:{}: skipped a corrupt line: {e}", path.display(), i + 1))
            }
        }
    }
    (out, warnings)
}

/// Reads the OTP events of the log: deduplicated on the event id (the highest
/// attempt wins; on a tie the first one stays), in order of first arrival.
/// Other event types are left out silently; corrupt lines are skipped with a
/// warning. The file is only read, never truncated or rewritten.
pub fn load_events(path: &Path) -> (Vec<OtpEvent>, Vec<String>) {
    let (stored, mut warnings) = read_stored(path);
    let mut out: Vec<OtpEvent> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for s in stored {
        let is_otp = s.event.get("triggered_by").and_then(Value::as_str) == Some(OTP_EVENT);
        if !is_otp {
            continue;
        }
        let mut ev = match OtpEvent::from_raw(s.event, s.received_at) {
            Ok(ev) => ev,
            Err(e) => {
                warnings.push(format!("{}: skipped an OTP event: {e}", path.display()));
                continue;
            }
        };
        ev.attempt = s.attempt;
        match index.get(&ev.id) {
            Some(&i) => {
                if ev.attempt > out[i].attempt {
                    out[i] = ev;
                }
            }
            None => {
                index.insert(ev.id.clone(), out.len());
                out.push(ev);
            }
        }
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_time_is_rfc3339_micros() {
        let t = DateTime::parse_from_rfc3339("2023-09-05T14:53:01.584321+00:00").unwrap().to_utc();
        let line = make_line(t, 7, b"{}");
        let expected = format!(
            "{{\"received_at\":\"{}\",\"attempt\":7,\"event\":{{}}}}\n",
            t.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)
        );
        assert_eq!(String::from_utf8(line).unwrap(), expected);
    }

    #[test]
    fn line_is_one_line_and_reads_back() {
        let body = b"{\n  \"id\": \"a\",\r\n  \"triggered_by\": \"x.y\", \"attempt\": 2\n}";
        let line = make_line(Utc::now(), 2, body);
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
            let ev = serde_json::json!({"id": format!("e{i}"), "triggered_by": "x"});
            let line = make_line(Utc::now(), 1, ev.to_string().as_bytes());
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
    }
}
