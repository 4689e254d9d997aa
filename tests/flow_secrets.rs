//! No secret at rest: after a day-in-the-life flow (OTP integration set up,
//! a member signs up with a password, passwordless log-in with a code, a
//! password reset) and the codes' expiry, no secret value appears in any file
//! of the data dir. The config file (which lives in the config dir in real
//! use and must hold the webhook secret) is the one exception, and is 0600.

mod flows_common;

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use flows_common::Console;
use onboard::app::App;
use onboard::webhook::journal::{Journal, Policy, maintain};
use ratatui::crossterm::event::KeyCode;

const NAME: &str = "Rosa Quintero";
const EMAIL: &str = "rosa.quintero@example.org";
const OLD_PASSWORD: &str = "at-rest-password-1";
const NEW_PASSWORD: &str = "at-rest-password-2";

fn has_event(app: &App, purpose: &str) -> bool {
    app.otp.events.iter().any(|e| e.payload.username == EMAIL && e.payload.purpose == purpose)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_value_rests_in_the_data_dir() {
    let mut con = Console::start(Some(0)).await;
    con.start_listener().await;
    con.connect().await;
    // OTP panel: i + y creates the integration (and a webhook secret).
    con.ch('4').await;
    con.ch('i').await;
    con.confirm().await;
    assert_eq!(con.app.sh.error, None);
    // Sign-up with a password, then an account for the member.
    con.ch('2').await;
    con.enter().await; // start typing
    con.type_text(NAME).await;
    con.enter().await;
    con.type_text(EMAIL).await;
    con.enter().await;
    con.enter().await;
    con.type_text(OLD_PASSWORD).await;
    con.ctrl('s').await;
    let member = con.app.signup.last_ok().and_then(|r| r.member_id.clone()).unwrap();
    let account = con
        .truth
        .create_account(&onboard::api::AccountInput { name: NAME.into(), ..Default::default() })
        .await
        .unwrap();
    con.truth.create_membership(&account.id, &member).await.unwrap();
    // Passwordless: request, receive, exchange.
    con.esc().await;
    con.ch('4').await;
    con.ch('o').await; // the member picker
    con.ch('i').await;
    con.type_text(EMAIL).await;
    con.enter().await; // takes the member (as typed) and sends
    con.wait_listener(|a| has_event(a, "passwordless_authentication")).await;
    let first = con.app.otp.selected_event().unwrap().clone();
    con.ch('x').await;
    con.enter().await;
    // Reset: request, receive, exchange, new password.
    con.ch('o').await;
    con.press(KeyCode::Up).await; // → purpose
    con.press(KeyCode::Right).await; // reset_password
    con.ctrl('s').await;
    con.wait_listener(|a| has_event(a, "reset_password")).await;
    let reset = con.app.otp.selected_event().unwrap().clone();
    con.ch('x').await;
    con.enter().await;
    con.ch('p').await;
    con.enter().await; // start typing
    con.type_text(NEW_PASSWORD).await;
    con.enter().await;
    assert_eq!(con.app.sh.error, None);
    con.stop_listener().await;

    let config = std::fs::read_to_string(con.config_path()).unwrap();
    let secret_line = config.lines().find(|l| l.contains("webhook_secret")).unwrap();
    let webhook_secret = secret_line.split('"').nth(1).unwrap().to_owned();
    assert!(webhook_secret.len() >= 20, "{secret_line}");
    assert_eq!(onboard::fsutil::mode_of(&con.config_path()), Some(0o600));

    let mut secrets = vec![
        webhook_secret,
        OLD_PASSWORD.to_owned(),
        NEW_PASSWORD.to_owned(),
        con.sb.client_secret().to_owned(),
        con.sb.bi_token().to_owned(),
    ];
    let data = con.dir.path().to_path_buf();
    let check = |secrets: &[String]| {
        for f in files(&data) {
            if f == con.config_path() {
                continue;
            }
            let bytes = std::fs::read(&f).unwrap();
            let text = String::from_utf8_lossy(&bytes);
            for s in secrets {
                assert!(!text.contains(s.as_str()), "{} holds a secret value", f.display());
            }
            assert!(!text.contains("secret_key"), "{} holds the secret echo", f.display());
            assert_eq!(onboard::fsutil::mode_of(&f), Some(0o600), "{}", f.display());
        }
    };
    // Before expiry the codes may rest in the active segment (10 minutes).
    check(&secrets);

    // Time passes: the segment is closed and maintenance runs after the
    // codes' validity; then not even the codes remain.
    let j = Journal::open(&con.events_file()).unwrap();
    assert!(j.rotate_now().await);
    j.close().await;
    let later = SystemTime::now() + Duration::from_secs(15 * 60);
    let report = maintain(&con.events_file(), &Policy::default(), later);
    assert_eq!(report.redacted, 1, "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");
    secrets.push(first.payload.code.expose().to_owned());
    secrets.push(reset.payload.code.expose().to_owned());
    check(&secrets);
    // The events are still listed (as expired), codes gone.
    let (events, warnings) = onboard::webhook::load_events(&con.events_file());
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(events.len(), 2);
    assert!(events.iter().all(|e| e.payload.code.is_empty()));
}
