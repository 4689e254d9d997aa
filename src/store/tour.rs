//! Whether this user has seen the sandbox tour: a marker file in the data
//! dir (`tour-seen`, mode 0600, its directory 0700). The console shows the
//! tour by itself on the first sandbox start only; `Ctrl-T` brings it back.
//!
//! The file's presence is the flag; its content (when it was written) is
//! for a reader only, so a damaged file still counts as seen.

use std::path::{Path, PathBuf};

/// The marker's name in the data dir.
pub const TOUR_FILE: &str = "tour-seen";

pub fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(TOUR_FILE)
}

/// Whether the tour was shown on an earlier start.
pub fn seen(data_dir: &Path) -> bool {
    path(data_dir).exists()
}

/// Records that the tour was shown (0600 file, 0700 directories).
pub fn mark_seen(data_dir: &Path, now: chrono::DateTime<chrono::Utc>) -> std::io::Result<()> {
    let body = format!("tour shown {}\n", now.to_rfc3339());
    crate::fsutil::write_atomic(&path(data_dir), body.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unseen_until_marked_then_seen_in_a_private_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let data = dir.path().join("onboard");
        assert!(!seen(&data));
        mark_seen(&data, chrono::Utc::now()).expect("mark");
        assert!(seen(&data));
        #[cfg(unix)]
        {
            assert_eq!(crate::fsutil::mode_of(&path(&data)), Some(0o600));
            assert_eq!(crate::fsutil::mode_of(&data), Some(0o700));
        }
        // Marking again is harmless.
        mark_seen(&data, chrono::Utc::now()).expect("mark again");
        assert!(seen(&data));
    }
}
