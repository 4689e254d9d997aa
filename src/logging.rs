//! Logging with `tracing` to a daily file in the data dir. Never to the
//! terminal: the console owns it while the UI runs.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// Installs file logging under `dir/logs`. Keep the guard alive until exit so
/// buffered lines are flushed. Returns `None` when the directory cannot be made
/// (logging is then off; the program still runs).
pub fn init_file_logging(dir: &Path) -> Option<WorkerGuard> {
    let log_dir = dir.join("logs");
    std::fs::create_dir_all(&log_dir).ok()?;
    let appender = tracing_appender::rolling::daily(&log_dir, "onboard.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("ONBOARD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
