//! The pending-queue cache: per store (base URL + client id), what the
//! Approvals panel knows about the store's members, so a restart shows the
//! queue at once and verifies only what can have changed.
//!
//! * **Holds** the ids of members known to have a membership (approved), the
//!   pending members with what a queue row shows (name, e-mail, created_at),
//!   the newest `created_at` seen, and whether a scan ever listed every member
//!   (`complete`: until then a restart lists everything again, skipping the
//!   members already known).
//! * **File**: `queue-<16 hex digits>.json` in the data dir, the digits a
//!   stable hash (FNV-1a) of the store key; the key itself is inside and is
//!   compared on load, so a hash collision or a copied file is foreign.
//!   Mode 0600 in a 0700 directory, written atomically by
//!   [`crate::fsutil::write_atomic`].
//! * **Never trusted**: a file that does not parse, has another format name or
//!   version, or belongs to another store loads as an empty cache (with the
//!   reason), and is overwritten by the next save.
//! * **Writes** go through a [`Writer`]: a thread that owns a copy of the
//!   cache, applies [`CacheOp`]s sent without blocking, and saves after a
//!   short quiet time (coalescing bursts such as a scan's progress), and once
//!   more when dropped.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// The `format` field of every queue cache file.
pub const FORMAT: &str = "onboard-queue-cache";
/// Bumped on any incompatible change; other versions are rebuilt.
pub const VERSION: u32 = 1;

/// Which store a cache belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreKey {
    pub base_url: String,
    pub client_id: String,
}

impl StoreKey {
    pub fn new(base_url: &str, client_id: &str) -> Self {
        StoreKey {
            base_url: base_url.trim().trim_end_matches('/').to_owned(),
            client_id: client_id.trim().to_owned(),
        }
    }

    /// FNV-1a 64 of `base_url \0 client_id`: stable across builds and platforms.
    fn hash(&self) -> u64 {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.base_url.bytes().chain([0]).chain(self.client_id.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        h
    }

    /// The cache file of this store in `data_dir`.
    pub fn path(&self, data_dir: &Path) -> PathBuf {
        data_dir.join(format!("queue-{:016x}.json", self.hash()))
    }
}

/// What a queue row shows of a pending member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingMember {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueCache {
    pub format: String,
    pub version: u32,
    pub store: StoreKey,
    /// A scan listed every member of the store at least once.
    #[serde(default)]
    pub complete: bool,
    /// The newest `created_at` of any member known.
    #[serde(default)]
    pub newest_created_at: Option<String>,
    /// Members with a membership: never checked again (until `R`).
    #[serde(default)]
    pub approved: BTreeSet<String>,
    /// Members without a membership, by id.
    #[serde(default)]
    pub pending: BTreeMap<String, PendingMember>,
}

/// A change to the cache, sent to its [`Writer`].
#[derive(Debug, Clone, PartialEq)]
pub enum CacheOp {
    /// The member has no membership.
    Pending(PendingMember),
    /// The member has a membership (`created_at` when known).
    Approved { id: String, created_at: Option<String> },
    /// The member no longer exists (rejected, deleted).
    Removed(String),
    /// A scan listed every member.
    Complete,
    /// Forget everything (a full re-verification starts over).
    Clear,
}

/// The result of [`QueueCache::load`].
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub cache: QueueCache,
    /// Why a file that existed was not used (corrupt, foreign, other version).
    pub rebuilt: Option<String>,
}

impl QueueCache {
    pub fn empty(store: StoreKey) -> Self {
        QueueCache {
            format: FORMAT.to_owned(),
            version: VERSION,
            store,
            complete: false,
            newest_created_at: None,
            approved: BTreeSet::new(),
            pending: BTreeMap::new(),
        }
    }

    /// Reads the cache of `store` from `path`. Missing: empty. Unreadable,
    /// corrupt, another format or version, another store: empty, with the
    /// reason in `rebuilt`.
    pub fn load(path: &Path, store: &StoreKey) -> Loaded {
        let empty =
            |why: Option<String>| Loaded { cache: Self::empty(store.clone()), rebuilt: why };
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return empty(None),
            Err(e) => return empty(Some(format!("unreadable: {e}"))),
        };
        // Read the header first, so a newer version's body is never parsed as ours.
        #[derive(Deserialize)]
        struct Header {
            format: String,
            version: u32,
            store: StoreKey,
        }
        let header: Header = match serde_json::from_slice(&bytes) {
            Ok(h) => h,
            Err(e) => return empty(Some(format!("corrupt: {e}"))),
        };
        if header.format != FORMAT {
            return empty(Some(format!("not a queue cache ({:?})", header.format)));
        }
        if header.version != VERSION {
            return empty(Some(format!(
                "format version {} (this build reads {VERSION})",
                header.version
            )));
        }
        if header.store != *store {
            return empty(Some("belongs to another store".to_owned()));
        }
        match serde_json::from_slice::<QueueCache>(&bytes) {
            Ok(mut cache) => {
                // The same id in both sets is a contradiction: trust neither side.
                let both: Vec<String> = cache
                    .pending
                    .keys()
                    .filter(|id| cache.approved.contains(*id))
                    .cloned()
                    .collect();
                for id in both {
                    cache.pending.remove(&id);
                    cache.approved.remove(&id);
                    cache.complete = false;
                }
                cache.pending.retain(|id, m| *id == m.id && !id.is_empty());
                Loaded { cache, rebuilt: None }
            }
            Err(e) => empty(Some(format!("corrupt: {e}"))),
        }
    }

    /// Writes the cache to `path` (0600, atomic).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(self).map_err(std::io::Error::other)?;
        crate::fsutil::write_atomic(path, &bytes)
    }

    /// Whether the member's status is known.
    pub fn knows(&self, id: &str) -> bool {
        self.approved.contains(id) || self.pending.contains_key(id)
    }

    fn saw(&mut self, created_at: Option<&String>) {
        if let Some(ts) = created_at
            && self.newest_created_at.as_ref().is_none_or(|n| ts > n)
        {
            self.newest_created_at = Some(ts.clone());
        }
    }

    /// Applies one change; returns whether anything changed.
    pub fn apply(&mut self, op: CacheOp) -> bool {
        match op {
            CacheOp::Pending(m) => {
                if m.id.is_empty() {
                    return false;
                }
                self.saw(m.created_at.as_ref());
                let removed = self.approved.remove(&m.id);
                let prev = self.pending.insert(m.id.clone(), m.clone());
                removed || prev.as_ref() != Some(&m)
            }
            CacheOp::Approved { id, created_at } => {
                if id.is_empty() {
                    return false;
                }
                self.saw(created_at.as_ref());
                let removed = self.pending.remove(&id).is_some();
                self.approved.insert(id) || removed
            }
            CacheOp::Removed(id) => {
                let a = self.approved.remove(&id);
                self.pending.remove(&id).is_some() || a
            }
            CacheOp::Complete => !std::mem::replace(&mut self.complete, true),
            CacheOp::Clear => {
                let store = self.store.clone();
                let changed = *self != Self::empty(store.clone());
                *self = Self::empty(store);
                changed
            }
        }
    }
}

/// Quiet time before a save (changes arriving meanwhile are saved together).
pub const SAVE_DELAY: Duration = Duration::from_millis(250);
/// Longest a change waits for its save under a steady stream of changes.
pub const SAVE_MAX_DELAY: Duration = Duration::from_secs(2);

/// Saves a cache in the background. Sending never blocks; dropping the
/// writer saves what is pending and waits for that last write.
pub struct Writer {
    tx: Option<mpsc::Sender<Msg>>,
    thread: Option<JoinHandle<()>>,
}

enum Msg {
    Op(CacheOp),
    Flush(mpsc::Sender<()>),
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer").finish_non_exhaustive()
    }
}

impl Writer {
    /// Starts the writer thread with `cache` as the state on disk-to-be.
    pub fn spawn(path: PathBuf, cache: QueueCache) -> std::io::Result<Writer> {
        let (tx, rx) = mpsc::channel::<Msg>();
        let thread = std::thread::Builder::new()
            .name("queue-cache".into())
            .spawn(move || run(path, cache, rx))?;
        Ok(Writer { tx: Some(tx), thread: Some(thread) })
    }

    pub fn send(&self, op: CacheOp) {
        if let Some(tx) = &self.tx {
            let _ = tx.send(Msg::Op(op));
        }
    }

    /// Blocks until every change sent so far is on disk (tests and benches).
    pub fn flush(&self) {
        let (done_tx, done_rx) = mpsc::channel();
        if let Some(tx) = &self.tx
            && tx.send(Msg::Flush(done_tx)).is_ok()
        {
            let _ = done_rx.recv_timeout(Duration::from_secs(10));
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(path: PathBuf, mut cache: QueueCache, rx: mpsc::Receiver<Msg>) {
    let save = |cache: &QueueCache| {
        if let Err(e) = cache.save(&path) {
            tracing::warn!("queue cache {}: {e}", path.display());
        }
    };
    let mut dirty_since: Option<Instant> = None;
    loop {
        let msg = match dirty_since {
            None => match rx.recv() {
                Ok(m) => m,
                Err(_) => return,
            },
            Some(since) => {
                let left = SAVE_MAX_DELAY.saturating_sub(since.elapsed()).min(SAVE_DELAY);
                match rx.recv_timeout(left) {
                    Ok(m) => m,
                    Err(mpsc::RecvTimeoutError::Timeout) => {
                        save(&cache);
                        dirty_since = None;
                        continue;
                    }
                    Err(mpsc::RecvTimeoutError::Disconnected) => {
                        save(&cache);
                        return;
                    }
                }
            }
        };
        match msg {
            Msg::Op(op) => {
                if cache.apply(op) && dirty_since.is_none() {
                    dirty_since = Some(Instant::now());
                }
            }
            Msg::Flush(done) => {
                if dirty_since.take().is_some() {
                    save(&cache);
                }
                let _ = done.send(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> StoreKey {
        StoreKey::new("https://useast.api.elasticpath.com/", "client-a")
    }

    fn member(id: &str, ts: &str) -> PendingMember {
        PendingMember {
            id: id.into(),
            name: format!("Name {id}"),
            email: format!("{id}@example.com"),
            created_at: Some(ts.into()),
        }
    }

    fn sample() -> QueueCache {
        let mut c = QueueCache::empty(key());
        c.apply(CacheOp::Pending(member("p1", "2026-01-02T00:00:00.000Z")));
        c.apply(CacheOp::Pending(member("p2", "2026-01-03T00:00:00.000Z")));
        c.apply(CacheOp::Approved {
            id: "a1".into(),
            created_at: Some("2026-01-01T00:00:00.000Z".into()),
        });
        c.apply(CacheOp::Complete);
        c
    }

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let path = key().path(dir.path());
        let c = sample();
        c.save(&path).unwrap();
        let loaded = QueueCache::load(&path, &key());
        assert_eq!(loaded.rebuilt, None);
        assert_eq!(loaded.cache, c);
        assert!(loaded.cache.complete);
        assert_eq!(loaded.cache.newest_created_at.as_deref(), Some("2026-01-03T00:00:00.000Z"));
        assert!(loaded.cache.knows("a1") && loaded.cache.knows("p1") && !loaded.cache.knows("x"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A second save replaces the file and leaves no temp file behind.
        c.save(&path).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn missing_file_is_an_empty_cache_without_complaint() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = QueueCache::load(&key().path(dir.path()), &key());
        assert_eq!(loaded.rebuilt, None);
        assert_eq!(loaded.cache, QueueCache::empty(key()));
    }

    #[test]
    fn corrupt_file_is_rebuilt() {
        let dir = tempfile::tempdir().unwrap();
        let path = key().path(dir.path());
        for bad in [&b"{ not json"[..], b"", b"[1,2,3]", b"\xff\xfe"] {
            std::fs::write(&path, bad).unwrap();
            let loaded = QueueCache::load(&path, &key());
            assert!(
                loaded.rebuilt.as_deref().is_some_and(|r| r.starts_with("corrupt")),
                "{loaded:?}"
            );
            assert_eq!(loaded.cache, QueueCache::empty(key()));
        }
        // A right header over a broken body is corrupt too.
        let mut v = serde_json::to_value(sample()).unwrap();
        v["pending"] = serde_json::json!("oops");
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        let loaded = QueueCache::load(&path, &key());
        assert!(loaded.rebuilt.is_some());
        assert!(loaded.cache.pending.is_empty());
        // The next save replaces it.
        sample().save(&path).unwrap();
        assert_eq!(QueueCache::load(&path, &key()).cache, sample());
    }

    #[test]
    fn file_of_another_store_or_version_is_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let path = key().path(dir.path());
        let mut other = sample();
        other.store = StoreKey::new("https://useast.api.elasticpath.com", "client-b");
        other.save(&path).unwrap();
        let loaded = QueueCache::load(&path, &key());
        assert_eq!(loaded.rebuilt.as_deref(), Some("belongs to another store"));
        assert!(loaded.cache.pending.is_empty() && loaded.cache.approved.is_empty());

        let mut newer = sample();
        newer.version = VERSION + 1;
        newer.save(&path).unwrap();
        let loaded = QueueCache::load(&path, &key());
        assert!(loaded.rebuilt.as_deref().is_some_and(|r| r.contains("version")), "{loaded:?}");
        assert!(!loaded.cache.complete);

        let mut v = serde_json::to_value(sample()).unwrap();
        v["format"] = serde_json::json!("something-else");
        std::fs::write(&path, serde_json::to_vec(&v).unwrap()).unwrap();
        assert!(QueueCache::load(&path, &key()).rebuilt.is_some());
    }

    #[test]
    fn stores_have_distinct_files_and_the_trailing_slash_does_not_matter() {
        let dir = tempfile::tempdir().unwrap();
        let a = key().path(dir.path());
        let b = StoreKey::new("https://useast.api.elasticpath.com", "client-b").path(dir.path());
        let c = StoreKey::new("https://useast.api.elasticpath.com", "client-a").path(dir.path());
        assert_ne!(a, b);
        assert_eq!(a, c);
    }

    #[test]
    fn contradictory_entries_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = key().path(dir.path());
        let mut c = sample();
        c.approved.insert("p1".into());
        c.save(&path).unwrap();
        let loaded = QueueCache::load(&path, &key()).cache;
        assert!(!loaded.knows("p1"));
        assert!(!loaded.complete, "a cache with holes lists everything again");
    }

    #[test]
    fn ops_move_members_between_sets() {
        let mut c = sample();
        assert!(c.apply(CacheOp::Approved { id: "p1".into(), created_at: None }));
        assert!(c.approved.contains("p1") && !c.pending.contains_key("p1"));
        assert!(!c.apply(CacheOp::Approved { id: "p1".into(), created_at: None }));
        assert!(c.apply(CacheOp::Removed("p2".into())));
        assert!(!c.knows("p2"));
        assert!(c.apply(CacheOp::Pending(member("a1", "2026-01-01T00:00:00.000Z"))));
        assert!(c.pending.contains_key("a1") && !c.approved.contains("a1"));
        assert!(c.apply(CacheOp::Clear));
        assert_eq!(c, QueueCache::empty(key()));
    }

    #[test]
    fn writer_saves_in_the_background_and_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let path = key().path(dir.path());
        let w = Writer::spawn(path.clone(), QueueCache::empty(key())).unwrap();
        w.send(CacheOp::Pending(member("p1", "2026-01-02T00:00:00.000Z")));
        w.flush();
        assert!(QueueCache::load(&path, &key()).cache.pending.contains_key("p1"));
        w.send(CacheOp::Approved { id: "p1".into(), created_at: None });
        drop(w);
        let c = QueueCache::load(&path, &key()).cache;
        assert!(c.approved.contains("p1") && c.pending.is_empty());
    }
}
