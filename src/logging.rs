//! Logging with `tracing` to a daily file in the data dir. Never to the
//! terminal: the console owns it while the UI runs.
//!
//! Files are `logs/onboard.log.YYYY-MM-DD` (UTC), mode 0600 in a 0700
//! directory (tracing-appender's own rolling appender cannot set modes, so
//! the daily file is ours); files older than [`KEEP_DAYS`] are deleted at start.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::{NaiveDate, Utc};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

use crate::fsutil;

/// Log files are kept this many days.
pub const KEEP_DAYS: u64 = 14;
const PREFIX: &str = "onboard.log";

/// Installs file logging under `dir/logs`. Keep the guard alive until exit so
/// buffered lines are flushed. Returns `None` when the directory cannot be made
/// (logging is then off; the program still runs).
pub fn init_file_logging(dir: &Path) -> Option<WorkerGuard> {
    let log_dir = dir.join("logs");
    fsutil::create_private_dir_all(&log_dir).ok()?;
    prune(&log_dir, SystemTime::now());
    let (writer, guard) = tracing_appender::non_blocking(DailyFile::new(log_dir));
    let filter = EnvFilter::try_from_env("ONBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Appends to `dir/onboard.log.<UTC date>`, opening the next day's file (0600)
/// when the date changes.
pub struct DailyFile {
    dir: PathBuf,
    current: Option<(NaiveDate, File)>,
}

impl DailyFile {
    pub fn new(dir: PathBuf) -> DailyFile {
        DailyFile { dir, current: None }
    }

    /// The file for `day`.
    pub fn path_for(dir: &Path, day: NaiveDate) -> PathBuf {
        dir.join(format!("{PREFIX}.{}", day.format("%Y-%m-%d")))
    }

    fn file(&mut self) -> io::Result<&mut File> {
        let today = Utc::now().date_naive();
        if self.current.as_ref().is_none_or(|(d, _)| *d != today) {
            let f = fsutil::open_append(&Self::path_for(&self.dir, today))?;
            self.current = Some((today, f));
        }
        match &mut self.current {
            Some((_, f)) => Ok(f),
            None => Err(io::Error::other("no log file")),
        }
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file()?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.current {
            Some((_, f)) => f.flush(),
            None => Ok(()),
        }
    }
}

/// Deletes log files last written more than [`KEEP_DAYS`] ago.
fn prune(dir: &Path, now: SystemTime) {
    let keep = Duration::from_secs(KEEP_DAYS * 86_400);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| now.duration_since(t).is_ok_and(|age| age > keep));
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn log_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("data/logs");
        fsutil::create_private_dir_all(&logs).unwrap();
        let mut w = DailyFile::new(logs.clone());
        w.write_all(b"hello\n").unwrap();
        w.flush().unwrap();
        let path = DailyFile::path_for(&logs, Utc::now().date_naive());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "hello\n");
        assert_eq!(fsutil::mode_of(&path), Some(0o600));
        assert_eq!(fsutil::mode_of(&logs), Some(0o700));
        assert_eq!(fsutil::mode_of(&dir.path().join("data")), Some(0o700));
        // Pruning keeps recent files.
        prune(&logs, SystemTime::now());
        assert!(path.exists());
        prune(&logs, SystemTime::now() + Duration::from_secs((KEEP_DAYS + 1) * 86_400));
        assert!(!path.exists());
    }
}
