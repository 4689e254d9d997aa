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

/// Names the console knows for ids (member id → e-mail, account id → name),
/// used to make audit lines readable when an entry holds ids only.
#[derive(Debug, Clone, Default)]
pub struct Names {
    pub members: std::collections::HashMap<String, String>,
    pub accounts: std::collections::HashMap<String, String>,
}

impl Names {
    /// Learns what an entry says about ids (an account created with its name,
    /// a member with their e-mail).
    pub fn learn(&mut self, e: &AuditEntry) {
        let t = &e.target;
        let s = |k: &str| t.get(k).and_then(Value::as_str).filter(|v| !v.is_empty());
        let account_name =
            s("account_name").or(if e.action == "account.create" { s("name") } else { None });
        if let (Some(id), Some(n)) = (s("account_id"), account_name) {
            self.accounts.insert(id.to_owned(), n.to_owned());
        }
        if let (Some(id), Some(n)) =
            (s("member_id"), s("member_email").or(s("email")).or(s("username")))
        {
            self.members.insert(id.to_owned(), n.to_owned());
        }
    }
}

fn short_id(id: &str) -> String {
    if id.chars().count() > 8 {
        format!("{}…", id.chars().take(8).collect::<String>())
    } else {
        id.to_owned()
    }
}

/// One readable line for an entry, e.g. `approved ada@example.com into Ada
/// Lovelace · 12:01 · ok`. Ids are replaced by names from the entry itself,
/// else from `names`, else shown shortened. The time is the entry's (UTC).
pub fn readable(e: &AuditEntry, names: &Names) -> String {
    let t = &e.target;
    let s = |k: &str| t.get(k).and_then(Value::as_str).filter(|v| !v.is_empty()).map(str::to_owned);
    let member = || {
        s("member_email")
            .or_else(|| s("email"))
            .or_else(|| s("username"))
            .or_else(|| s("member_id").and_then(|id| names.members.get(&id).cloned()))
            .or_else(|| s("member_name"))
            .or_else(|| s("member_id").map(|id| format!("member {}", short_id(&id))))
            .or_else(|| {
                s("for_member_id").map(|id| {
                    names
                        .members
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("member {}", short_id(&id)))
                })
            })
            .unwrap_or_else(|| "a member".into())
    };
    let account = || {
        s("account_name")
            .or_else(|| s("account_id").and_then(|id| names.accounts.get(&id).cloned()))
            .or_else(|| s("account_id").map(|id| format!("account {}", short_id(&id))))
            .unwrap_or_else(|| "an account".into())
    };
    let what = match e.action.as_str() {
        "membership.create" if s("kind").as_deref() == Some("add") => {
            format!("added {} to {}", member(), account())
        }
        "membership.create" => format!("approved {} into {}", member(), account()),
        "membership.delete" => format!("removed {} from {}", member(), account()),
        "account.create" => match s("for_member_id") {
            Some(_) => {
                format!("created account {} for {}", s("name").unwrap_or_else(account), member())
            }
            None => format!("created account {}", s("name").unwrap_or_else(account)),
        },
        "member.reject" => {
            format!("rejected {}", s("member_email").or_else(|| s("name")).unwrap_or_else(member))
        }
        "member.self_signup" => format!("signed up {}", member()),
        "member.login_check" => format!("checked the password log-in of {}", member()),
        "otp.request" => {
            let purpose = match s("purpose").as_deref() {
                Some("reset_password") => "a reset code",
                Some("passwordless_authentication") => "a passwordless code",
                _ => "a code",
            };
            format!("sent {purpose} to {}", member())
        }
        "password.reset" => format!("reset the password of {}", member()),
        "settings.update" => {
            let fields: Vec<String> = t
                .as_object()
                .map(|m| m.iter().map(|(k, v)| format!("{k}={v}")).collect())
                .unwrap_or_default();
            if fields.is_empty() {
                "updated the settings".into()
            } else {
                format!("set {}", fields.join(", "))
            }
        }
        "password_profile.create" => {
            format!("created password profile {}", s("name").unwrap_or_default())
        }
        "password_profile.update" => {
            format!("updated password profile {}", s("name").unwrap_or_default())
        }
        "password_profile.delete" => format!(
            "deleted password profile {}",
            s("profile_id").map(|i| short_id(&i)).unwrap_or_default()
        ),
        "integration.create" => {
            format!("created the OTP webhook to {}", s("url").unwrap_or_default())
        }
        "integration.update" => {
            format!("pointed the OTP webhook at {}", s("url").unwrap_or_default())
        }
        "bi_user.create" => {
            format!("created a Beyond Identity user for {}", member_or_external(t, names))
        }
        "bi_user.recover" => {
            format!("re-sent Beyond Identity enrolment to {}", member_or_external(t, names))
        }
        other => other.replace(['.', '_'], " "),
    };
    format!("{what} · {} · {}", e.time.format("%H:%M"), e.result)
}

fn member_or_external(t: &Value, names: &Names) -> String {
    let ext = t.get("external_id").and_then(Value::as_str).unwrap_or_default();
    t.get("email")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| names.members.get(ext).cloned())
        .unwrap_or_else(|| format!("member {}", short_id(ext)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(action: &str, target: Value, result: &str) -> AuditEntry {
        AuditEntry {
            time: DateTime::parse_from_rfc3339("2026-01-01T12:01:30Z").unwrap().with_timezone(&Utc),
            store: "http://store".into(),
            client_id: "cid".into(),
            action: action.into(),
            target,
            result: result.into(),
        }
    }

    #[test]
    fn readable_lines_use_names_and_emails() {
        let mut names = Names::default();
        let e = entry(
            "membership.create",
            json!({"account_id": "a1", "account_name": "Ada Lovelace", "member_id": "m1",
                   "member_email": "ada@example.com"}),
            "ok",
        );
        assert_eq!(readable(&e, &names), "approved ada@example.com into Ada Lovelace · 12:01 · ok");
        // Ids only: names learnt from earlier entries.
        names.learn(&entry("account.create", json!({"account_id": "a2", "name": "Acme"}), "ok"));
        names.learn(&e);
        let ids_only =
            entry("membership.create", json!({"account_id": "a2", "member_id": "m1"}), "ok");
        assert_eq!(readable(&ids_only, &names), "approved ada@example.com into Acme · 12:01 · ok");
        let unknown = entry(
            "membership.delete",
            json!({"account_id": "0123456789", "member_id": "zz"}),
            "error: 404 Not Found",
        );
        assert_eq!(
            readable(&unknown, &Names::default()),
            "removed member zz from account 01234567… · 12:01 · error: 404 Not Found"
        );
        let otp = entry(
            "otp.request",
            json!({"username": "wile@acme.io", "purpose": "reset_password", "profile_id": "p"}),
            "ok",
        );
        assert_eq!(readable(&otp, &names), "sent a reset code to wile@acme.io · 12:01 · ok");
        let add = entry(
            "membership.create",
            json!({"kind": "add", "account_name": "B", "member_email": "x@y.z"}),
            "already exists",
        );
        assert_eq!(readable(&add, &names), "added x@y.z to B · 12:01 · already exists");
    }

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
