//! Issue 11 end to end: the support desk against the sandbox over real HTTP,
//! and the redaction guarantee. A member signs up, an OTP is requested and
//! exchanged, the password is reset; the Members panel finds them by e-mail,
//! the card shows their account by name, a reset code sent from the card
//! arrives on it, and the log-in check runs with the new and a wrong password.
//! Then no secret value used anywhere appears in any inspector entry, any
//! curl copy, the inspector's detail screens, or the audit log.

mod flows_common;

use flows_common::Console;
use onboard::app::App;
use onboard::app::inspector::detail;
use onboard::panels::members::checklist::Mark;
use onboard::panels::members::{Sub, View, dialogs};
use ratatui::crossterm::event::KeyCode;

const NAME: &str = "Wile Coyote";
const EMAIL: &str = "wile+desk@acme.io";
const OLD_PASSWORD: &str = "first-password-1";
const NEW_PASSWORD: &str = "second-password-2";
const WRONG_PASSWORD: &str = "not-the-password-3";

fn has_event(app: &App, purpose: &str) -> usize {
    app.otp
        .events
        .iter()
        .filter(|e| e.payload.username == EMAIL && e.payload.purpose == purpose)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn desk_flow_and_no_secret_in_inspector_curl_or_audit() {
    let mut con = Console::start(Some(0)).await;
    con.start_listener().await;
    con.connect().await;
    // The OTP webhook.
    con.ch('4').await;
    con.ch('i').await;
    con.confirm().await;
    assert_eq!(con.app.sh.error, None);
    // Sign up (pending), then an account.
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
        .create_account(&onboard::api::AccountInput {
            name: "Acme Anvils".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    con.truth.create_membership(&account.id, &member).await.unwrap();
    // OTP: passwordless request + exchange, then reset_password + new password.
    con.esc().await;
    con.ch('4').await;
    con.ch('o').await; // the member picker
    con.ch('i').await;
    con.type_text(EMAIL).await;
    con.enter().await; // takes the member (as typed) and sends
    con.wait_listener(|a| has_event(a, "passwordless_authentication") == 1).await;
    con.ch('x').await;
    con.enter().await;
    con.ch('o').await;
    con.press(KeyCode::Up).await; // → purpose
    con.press(KeyCode::Right).await; // reset_password
    con.ctrl('s').await;
    con.wait_listener(|a| has_event(a, "reset_password") == 1).await;
    con.ch('x').await;
    con.enter().await;
    con.ch('p').await;
    con.enter().await; // start typing
    con.type_text(NEW_PASSWORD).await;
    con.enter().await;
    assert_eq!(con.app.sh.error, None);

    // The desk: 5, /, the e-mail, Enter → the card (one exact match).
    con.ch('5').await;
    con.ch('/').await;
    con.type_text(EMAIL).await;
    con.enter().await;
    assert_eq!(con.app.members.view, View::Card, "{:?}", con.app.members.results);
    let card = con.app.members.card.clone().expect("card loaded");
    assert_eq!(card.member.id, member);
    let names: Vec<&str> =
        card.accounts.as_ref().unwrap().iter().map(|a| a.account_name()).collect();
    assert_eq!(names, vec!["Acme Anvils"]);
    assert!(
        con.app.members.checks.iter().all(|l| l.mark == Mark::Ok),
        "{:?}",
        con.app.members.checks
    );
    assert_eq!(con.app.members.events.len(), 2, "both codes of the journal are on the card");
    // A reset code from the card arrives on the card.
    con.ch('o').await;
    con.confirm().await;
    con.wait_listener(|a| has_event(a, "reset_password") == 2).await;
    assert_eq!(con.app.members.events.len(), 3);
    assert!(con.app.members.awaiting_code.is_none(), "arrived");
    // The log-in check: the new password works, a wrong one is refused.
    // The dialog never starts typing (Enter starts it); a wrong password
    // keeps it open with the error under the field.
    for (password, ok) in [(NEW_PASSWORD, true), (WRONG_PASSWORD, false)] {
        con.ch('l').await;
        con.enter().await; // start typing
        con.type_text(password).await;
        con.enter().await;
        assert_eq!(con.app.members.view, View::Card);
        if ok {
            assert!(con.app.members.sub.is_none(), "a working log-in closes the dialog");
            let (good, text) = con.app.members.result.clone().unwrap();
            assert!(good, "{text}");
            assert!(text.contains("Acme Anvils"), "{text}");
        } else {
            let Some(Sub::Login(d)) = &con.app.members.sub else {
                panic!("the dialog closed on a wrong password: {:?}", con.app.members.sub)
            };
            let field = d.form.field(dialogs::PASSWORD).expect("password field");
            assert_eq!(field.input.value(), WRONG_PASSWORD, "kept to fix");
            let err = field.input.error.clone().unwrap_or_default();
            assert!(err.contains("wrong password"), "{err}");
            assert!(!d.form.is_typing(), "a server error never turns the next key into text");
            con.press(KeyCode::Esc).await; // close
            assert!(con.app.members.sub.is_none());
        }
    }

    // ---------------------------------------------------------------- redaction
    let admin = con.truth.client_credentials_token().await.unwrap().access_token;
    let implicit = con.truth.implicit_token().await.unwrap().access_token;
    let mut secrets: Vec<String> = vec![
        OLD_PASSWORD.into(),
        NEW_PASSWORD.into(),
        WRONG_PASSWORD.into(),
        con.sb.client_secret().into(),
        admin.expose().into(),
        implicit.expose().into(),
    ];
    secrets.extend(con.app.otp.events.iter().map(|e| e.payload.code.expose().to_owned()));
    secrets.extend(con.app.otp.am_tokens.values().map(|t| t.expose().to_owned()));
    let config = std::fs::read_to_string(con.config_path()).unwrap();
    let line = config.lines().find(|l| l.contains("webhook_secret")).unwrap();
    secrets.push(line.split('"').nth(1).unwrap().to_owned());
    assert!(secrets.iter().all(|s| s.len() >= 6), "{} secrets", secrets.len());

    let records = con.requests.lock().unwrap().clone();
    assert!(records.len() > 30, "{}", records.len());
    assert_eq!(con.app.request_log.len(), records.len());
    let mut scanned = String::new();
    for r in &records {
        scanned.push_str(&format!("{r:?}\n{}\n", r.curl()));
        for (_, l) in detail(0, r).lines {
            scanned.push_str(&l);
            scanned.push('\n');
        }
    }
    scanned.push_str(&con.audit_text());
    for r in con.app.audit.iter() {
        scanned.push_str(&onboard::audit::readable(r, &con.app.audit_names));
    }
    // The inspector's screens.
    con.ch('L').await;
    con.press(KeyCode::Enter).await;
    scanned.push_str(&con.screen(120, 36));
    for s in &secrets {
        assert!(!scanned.contains(s.as_str()), "a secret ({} chars) leaked", s.len());
    }
    // The scan sees what the records hold.
    assert!(scanned.contains(EMAIL) && scanned.contains(&member));
    // The records did carry what the secrets stood for.
    assert!(scanned.contains("«$MEMBER_PASSWORD»"));
    assert!(scanned.contains("«$MEMBER_OTP»"));
    assert!(scanned.contains("«$EPCC_CLIENT_SECRET»"));
    assert!(scanned.contains("«$EPCC_AM_TOKEN»"));
    assert!(scanned.contains("\"$MEMBER_PASSWORD\""), "curl reads it from the shell");
    // And the audit log says who did what, readably.
    let lines: Vec<String> =
        con.app.audit.iter().map(|e| onboard::audit::readable(e, &con.app.audit_names)).collect();
    assert!(
        lines.iter().any(|l| l.starts_with(&format!("sent a reset code to {EMAIL} · "))),
        "{lines:#?}"
    );
    assert!(lines.iter().any(|l| l.contains(&format!("checked the password log-in of {EMAIL}"))));
}
