//! `onboard listen`: the listener without the UI.

use std::io::Write;

use chrono::{DateTime, Local, TimeZone};
use color_eyre::eyre::{Result, eyre};
use tokio::sync::mpsc::error::TryRecvError;

use super::{EVENTS_FILE, ListenerConfig, ListenerEvent, OtpEvent, start};
use crate::cli::ListenArgs;
use crate::config::{Config, DEFAULT_LISTEN};
use crate::secret::Secret;

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

/// The secret for `onboard listen`: `--secret` / `ONBOARD_WEBHOOK_SECRET`, then
/// the config. Required; an explicitly empty secret disables the check.
fn listen_secret(config: &Config, args: &ListenArgs) -> Result<Option<Secret>> {
    match args.secret.clone().map(Secret::from).or_else(|| config.webhook_secret.clone()) {
        Some(s) if s.is_empty() => {
            eprintln!(
                "warning: the secret is empty: deliveries are accepted without checking \
                 X-Moltin-Secret-Key"
            );
            Ok(None)
        }
        Some(s) => Ok(Some(s)),
        None => Err(eyre!(
            "a webhook secret is required: pass --secret SECRET, set ONBOARD_WEBHOOK_SECRET \
             or webhook_secret in the config (--secret '' accepts deliveries without a check)"
        )),
    }
}

/// Runs the listener without the UI (`onboard listen`): one line per accepted
/// OTP event on stdout (`--json`: the event as received; else a human line with
/// the code masked), refusals on stderr, until Ctrl-C or SIGTERM.
pub async fn run_listen(config: Config, args: ListenArgs) -> Result<()> {
    let secret = listen_secret(&config, &args)?;
    // `--bind` has a default; a `listen` address from the config or the global
    // `--listen` flag applies when `--bind` was left at it.
    let default: std::net::SocketAddr = DEFAULT_LISTEN.parse().map_err(|e| eyre!("{e}"))?;
    let bind = if args.bind == default { config.listen } else { args.bind };
    let events_file = args.events_file.clone().unwrap_or_else(|| config.data_dir.join(EVENTS_FILE));
    let (handle, mut rx) = start(ListenerConfig::new(bind, secret, events_file.clone())).await?;
    eprintln!("listening on {} (events saved to {})", handle.url(), events_file.display());
    if let Some(url) = &config.public_url {
        eprintln!("public URL for the integration: {url}");
    }
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
                    if !print_event(&mut out, ev, args.json) {
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
    let stats = handle.stats();
    handle.shutdown().await;
    eprintln!(
        "stopped: {} accepted, {} duplicates, {} refused (secret), {} refused (bad), {} saved",
        stats.accepted, stats.duplicates, stats.rejected_auth, stats.rejected_bad, stats.persisted
    );
    Ok(())
}

/// Returns false when stdout is gone.
fn print_event(out: &mut impl Write, ev: ListenerEvent, json: bool) -> bool {
    match ev {
        ListenerEvent::Received(ev) => {
            let line = if json { ev.raw.to_string() } else { human_line(&ev) };
            writeln!(out, "{line}").is_ok()
        }
        ListenerEvent::Rejected { status, reason } => {
            eprintln!("refused a delivery: {status} {reason}");
            true
        }
        // `listen` prints OTP events; member events are in the log file.
        ListenerEvent::Member(_) => true,
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
}
