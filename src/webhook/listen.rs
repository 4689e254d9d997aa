//! `onboard listen`: the listener without the UI.

use std::io::Write;

use chrono::{DateTime, Local, TimeZone};
use color_eyre::eyre::Result;
use tokio::sync::mpsc::error::TryRecvError;

use super::{Limits, ListenerConfig, ListenerEvent, OtpEvent, start, strip_secret_echo};
use crate::secret::Secret;

/// What `onboard listen` needs, already resolved by the entry point from the
/// command line, the environment and the config.
#[derive(Debug, Clone)]
pub struct ListenSettings {
    pub bind: std::net::SocketAddr,
    /// The expected `X-Moltin-Secret-Key`; `None` accepts every delivery
    /// (only when asked for with an empty secret).
    pub secret: Option<Secret>,
    /// One JSON line per event (the event as received, the secret echo removed).
    pub json: bool,
    pub events_file: std::path::PathBuf,
    /// Shown at start, for the integration's URL.
    pub public_url: Option<String>,
    pub max_body: usize,
    pub limits: Limits,
    pub journal: super::Policy,
}

/// One human line for an event; the code is masked.
/// `14:53:01  reset_password  john.doe@banks.com  code ••••••  expires 15:03:01  attempt 1`
pub fn human_line(ev: &OtpEvent) -> String {
    human_line_in(ev, &Local)
}

fn human_line_in<Tz: TimeZone>(ev: &OtpEvent, tz: &Tz) -> String
where
    Tz::Offset: std::fmt::Display,
{
    let t = |d: DateTime<chrono::Utc>| d.with_timezone(tz).format("%H:%M:%S").to_string();
    format!(
        "{}  {}  {}  code ••••••  expires {}  attempt {}",
        t(ev.payload.created_at),
        ev.payload.purpose,
        ev.payload.username,
        t(ev.expires_at()),
        ev.attempt
    )
}

/// Runs the listener without the UI (`onboard listen`): one line per accepted
/// OTP event on stdout (`--json`: the event as received; else a human line with
/// the code masked), refusals on stderr, until Ctrl-C or SIGTERM.
pub async fn run_listen(settings: ListenSettings) -> Result<()> {
    let ListenSettings { bind, secret, json, events_file, public_url, max_body, limits, journal } =
        settings;
    if secret.is_none() {
        eprintln!(
            "warning: the secret is empty: deliveries are accepted without checking \
             X-Moltin-Secret-Key"
        );
    }
    let cfg = ListenerConfig {
        max_body,
        limits,
        journal,
        ..ListenerConfig::new(bind, secret, events_file.clone())
    };
    let (handle, mut rx) = start(cfg).await?;
    eprintln!("listening on {} (events saved to {})", handle.url(), events_file.display());
    if let Some(url) = &public_url {
        eprintln!("public URL for the integration: {url}");
    }
    eprintln!(
        "limits: header {} s, body {} s, idle {} s, at most {} connections",
        limits.header_timeout.as_secs_f64(),
        limits.body_timeout.as_secs_f64(),
        limits.idle_timeout.as_secs_f64(),
        handle.connection_cap()
    );
    eprintln!("press Ctrl-C to stop");

    let stop = shutdown_signal();
    tokio::pin!(stop);
    let mut open = true;
    while open {
        tokio::select! {
            _ = &mut stop => break,
            first = rx.recv() => {
                let Some(first) = first else { break };
                let mut out = std::io::stdout().lock();
                let mut next = Some(first);
                while let Some(ev) = next.take() {
                    if !print_event(&mut out, ev, json) {
                        open = false;
                        break;
                    }
                    match rx.try_recv() {
                        Ok(e) => next = Some(e),
                        Err(TryRecvError::Empty) => {}
                        Err(TryRecvError::Disconnected) => open = false,
                    }
                }
                if out.flush().is_err() {
                    open = false;
                }
            }
        }
    }
    let stats = handle.shutdown().await;
    eprintln!("{}", stop_line(&stats));
    Ok(())
}

/// `stopped: 3 accepted, 1 duplicates, 3 saved; refused: 2 timeout, 0 too large, …`
pub fn stop_line(stats: &super::ListenerStats) -> String {
    let mut line = format!(
        "stopped: {} accepted, {} duplicates, {} saved; refused: {}",
        stats.accepted, stats.duplicates, stats.persisted, stats.refused
    );
    if stats.evicted > 0 {
        line.push_str(&format!("; {} idle connections closed at the cap", stats.evicted));
    }
    line
}

/// Returns false when stdout is gone.
fn print_event(out: &mut impl Write, ev: ListenerEvent, json: bool) -> bool {
    match ev {
        ListenerEvent::Received(ev) => {
            let line = if json {
                // Stored events have no secret echo; strip it here too so the
                // printed line never holds it whatever the source.
                let mut raw = ev.raw.value();
                strip_secret_echo(&mut raw);
                raw.to_string()
            } else {
                human_line(&ev)
            };
            writeln!(out, "{line}").is_ok()
        }
        ListenerEvent::Rejected { status, reason } => {
            eprintln!("refused a delivery: {status} {reason}");
            true
        }
        // `listen` prints OTP events; member events are in the log file.
        ListenerEvent::Member(_) => true,
        // The totals go in the stop line (duplicates among them).
        ListenerEvent::Refusals(_) | ListenerEvent::Duplicate { .. } => true,
    }
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_line_masks_the_code() {
        let raw: serde_json::Value =
            serde_json::from_str(include_str!("../../tests/fixtures/otp_event_seed004.json"))
                .unwrap();
        let ev = OtpEvent::from_raw(raw, chrono::Utc::now()).unwrap();
        let line = human_line_in(&ev, &chrono::Utc);
        assert_eq!(
            line,
            "14:53:01  reset_password  john.doe@banks.com  code ••••••  expires 15:03:01  attempt 1"
        );
        assert!(!human_line(&ev).contains("lprvj4"));
    }

    #[test]
    fn stop_line_counts_refusals_by_cause() {
        let mut stats =
            super::super::ListenerStats { accepted: 3, persisted: 3, ..Default::default() };
        stats.refused.timeout = 2;
        stats.refused.cut_off = 1;
        stats.refused.bad_secret = 4;
        assert_eq!(
            stop_line(&stats),
            "stopped: 3 accepted, 0 duplicates, 3 saved; refused: 2 timeout, 0 too large, \
             1 cut off, 4 bad secret, 0 bad body"
        );
    }
}
