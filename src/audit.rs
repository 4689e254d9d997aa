//! The audit log: every write the console makes, appended as one JSON line to
//! `audit.jsonl` in the data dir: time, store (base URL + client id, never the
//! secret), action, target ids, result. It never holds secrets or tokens.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub time: DateTime<Utc>,
    /// Base URL of the store.
    pub store: String,
    pub client_id: String,
    /// e.g. `settings.update`, `account.create`, `membership.create`.
    pub action: String,
    /// The ids (and harmless names) the write was about.
    pub target: Value,
    /// `ok`, `already exists`, or `error: …`.
    pub result: String,
}

pub type AuditObserver = Arc<dyn Fn(AuditEntry) + Send + Sync>;

/// A cheap-to-clone handle that appends entries. Appends are small and
/// serialized by a mutex; a failure to write is logged, never fatal.
#[derive(Clone)]
pub struct AuditLog {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    store: String,
    client_id: String,
    file: Mutex<Option<File>>,
    observer: Option<AuditObserver>,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog").field("path", &self.inner.path).finish()
    }
}

impl AuditLog {
    pub fn new(
        path: PathBuf,
        store: impl Into<String>,
        client_id: impl Into<String>,
        observer: Option<AuditObserver>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                store: store.into(),
                client_id: client_id.into(),
                file: Mutex::new(None),
                observer,
            }),
        }
    }

    /// `audit.jsonl` in `data_dir`.
    pub fn default_path(data_dir: &Path) -> PathBuf {
        data_dir.join("audit.jsonl")
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Appends one entry. `result` should be `Ok(())`-like text: use
    /// [`result_text`] to turn an outcome into it.
    pub fn record(&self, action: &str, target: Value, result: impl Into<String>) -> AuditEntry {
        let entry = AuditEntry {
            time: Utc::now(),
            store: self.inner.store.clone(),
            client_id: self.inner.client_id.clone(),
            action: action.to_owned(),
            target,
            result: result.into(),
        };
        if let Err(e) = self.append(&entry) {
            tracing::warn!("audit log {}: {e}", self.inner.path.display());
        }
        if let Some(obs) = &self.inner.observer {
            obs(entry.clone());
        }
        entry
    }

    fn append(&self, entry: &AuditEntry) -> std::io::Result<()> {
        let mut line = serde_json::to_string(entry).map_err(std::io::Error::other)?;
        line.push('\n');
        let mut guard = self.inner.file.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        if guard.is_none() {
            // 0600 (an existing wider file is tightened) in a 0700 directory.
            *guard = Some(crate::fsutil::open_append(&self.inner.path)?);
        }
        match guard.as_mut() {
            Some(f) => f.write_all(line.as_bytes()),
            None => Ok(()),
        }
    }
}

/// The last `max` entries of an audit file; corrupt lines are skipped.
pub fn load_tail(path: &Path, max: usize) -> Vec<AuditEntry> {
    let Ok(file) = File::open(path) else { return Vec::new() };
    let mut out: std::collections::VecDeque<AuditEntry> = std::collections::VecDeque::new();
    for line in BufReader::new(file).lines().map_while(Result::ok) {
        if let Ok(e) = serde_json::from_str::<AuditEntry>(&line) {
            out.push_back(e);
            if out.len() > max {
                out.pop_front();
            }
        }
    }
    out.into()
}

/// `ok` or `error: <summary>`.
pub fn result_text<T>(r: &Result<T, crate::api::ApiError>) -> String {
    match r {
        Ok(_) => "ok".to_owned(),
        Err(e) => format!("error: {}", e.summary()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn appends_json_lines_and_reads_them_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let log = AuditLog::new(path.clone(), "http://store", "cid", None);
        log.record("account.create", json!({"account_id": "a1"}), "ok");
        log.record("membership.create", json!({"account_id": "a1", "member_id": "m1"}), "ok");
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{corrupt\n")
            .unwrap();
        let back = load_tail(&path, 10);
        assert_eq!(back.len(), 2);
        assert_eq!(back[1].action, "membership.create");
        assert_eq!(back[0].client_id, "cid");
        assert_eq!(load_tail(&path, 1).len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn the_audit_log_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("data/audit.jsonl");
        AuditLog::new(path.clone(), "s", "c", None).record("x", json!({}), "ok");
        assert_eq!(crate::fsutil::mode_of(&path), Some(0o600));
        assert_eq!(crate::fsutil::mode_of(path.parent().unwrap()), Some(0o700));
    }
}
