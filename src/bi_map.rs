//! The local mapping of Commerce account members to Beyond Identity users.
//! The legacy Beyond Identity API has no lookup by external id, so the console
//! remembers what it created: `bi_users.json` in the data dir.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// One Beyond Identity user created for a Commerce member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BiLink {
    /// Beyond Identity's own id, used for later calls to Beyond Identity.
    pub internal_id: String,
    /// The id in our directory: the Commerce account member id.
    pub external_id: String,
    pub email: String,
    pub user_name: String,
    pub date_created: Option<String>,
}

pub fn default_path(data_dir: &Path) -> PathBuf {
    data_dir.join("bi_users.json")
}

/// Reads the mapping; a missing or unreadable file is an empty mapping.
pub fn load(path: &Path) -> BTreeMap<String, BiLink> {
    try_load(path).unwrap_or_default()
}

/// Like `load`, but says why a mapping that exists could not be read (no file
/// is an empty mapping).
pub fn try_load(path: &Path) -> Result<BTreeMap<String, BiLink>, String> {
    match std::fs::read_to_string(path) {
        Ok(t) => serde_json::from_str(&t).map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

/// Serializes writers of the mapping in this process.
static WRITE: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Adds or replaces the link of `link.external_id` (read, modify, write to a
/// temp file, rename: a crash never leaves half a file). A file that exists
/// but cannot be parsed is moved aside (`.corrupt`), never overwritten.
pub fn record(path: &Path, link: BiLink) -> std::io::Result<()> {
    let _guard = WRITE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut all = match std::fs::read_to_string(path) {
        Ok(text) => match serde_json::from_str(&text) {
            Ok(map) => map,
            Err(_) => {
                std::fs::rename(path, path.with_extension("json.corrupt"))?;
                BTreeMap::new()
            }
        },
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(e),
    };
    all.insert(link.external_id.clone(), link);
    let text = serde_json::to_string_pretty(&all).map_err(std::io::Error::other)?;
    // 0600 in a 0700 directory, through a temp file and a rename.
    crate::fsutil::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_and_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bi_users.json");
        assert!(load(&path).is_empty());
        let link = BiLink {
            internal_id: "bi-1".into(),
            external_id: "m-1".into(),
            email: "a@b.co".into(),
            user_name: "a@b.co".into(),
            date_created: None,
        };
        record(&path, link.clone()).unwrap();
        record(&path, BiLink { external_id: "m-2".into(), ..link.clone() }).unwrap();
        let all = load(&path);
        assert_eq!(all.len(), 2);
        assert_eq!(all["m-1"], link);
        // A corrupt file is kept aside, not overwritten.
        std::fs::write(&path, "{not json").unwrap();
        record(&path, link.clone()).unwrap();
        assert_eq!(load(&path).len(), 1);
        assert!(path.with_extension("json.corrupt").exists());
    }

    #[cfg(unix)]
    #[test]
    fn the_mapping_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/bi_users.json");
        let link = BiLink {
            internal_id: "bi-1".into(),
            external_id: "m-1".into(),
            email: "a@b.co".into(),
            user_name: "a@b.co".into(),
            date_created: None,
        };
        record(&path, link).unwrap();
        assert_eq!(crate::fsutil::mode_of(&path), Some(0o600));
        assert_eq!(crate::fsutil::mode_of(path.parent().unwrap()), Some(0o700));
    }
}
