//! Every dialog the console opens, drawn at 80×24, 120×36 and 200×60 (insta
//! snapshots): each must show its consequence line and its key row, with a
//! 90-character profile name and long request paths.

use chrono::{TimeZone, Utc};
use onboard::api::{
    Account, AccountAuthSettings, AccountMember, Integration, PasswordProfile, UsernameFormat,
};
use onboard::app::{App, view};
use onboard::panels::approvals::{ApProgress, ApReply};
use onboard::ui::{Call, ConnInfo, Effect, Msg, Progress, Reply};
use onboard::widgets::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 36), (200, 60)];

/// 90 characters.
const LONG_NAME: &str =
    "Wholesale partners of the Pawnee Parks and Recreation Department, Indiana, Midwest — legacy";
const PROFILE_ID: &str = "9a44bb7e-e377-4382-b36e-c8030aad1c2d";
const INTEGRATION_ID: &str = "3f0e1c9a-5b7d-4e2f-8a61-0c9d2b4e7f13";

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().expect("time")
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn settings() -> AccountAuthSettings {
    serde_json::from_value(serde_json::json!({
        "id": "5f3a2d1e-settings",
        "type": "account_authentication_settings",
        "enable_self_signup": true,
        "auto_create_account_for_account_members": false,
        "account_member_self_management": "update_only",
        "relationships": {"authentication_realm": {"data": {
            "id": "063623f1-9182-4c8f-bb17-91d326e06e69", "type": "authentication_realm"}}}
    }))
    .expect("settings fixture")
}

fn profiles() -> Vec<PasswordProfile> {
    vec![PasswordProfile {
        id: PROFILE_ID.into(),
        name: LONG_NAME.into(),
        username_format: UsernameFormat::Email,
        enable_one_time_password_token: true,
        ..Default::default()
    }]
}

/// An OTP integration pointing elsewhere (so the fix repairs it: a long path).
fn stale_integration() -> Integration {
    serde_json::from_value(serde_json::json!({
        "id": INTEGRATION_ID,
        "type": "integration",
        "name": "onboard OTP events",
        "description": "OTP codes for the onboard console",
        "enabled": false,
        "integration_type": "webhook",
        "observes": ["one-time-password-token-request.created"],
        "configuration": {"url": "https://old-tunnel.example.com/a/very/long/path/to/an/old/listener/webhooks/otp"}
    }))
    .expect("integration fixture")
}

fn loaded() -> App {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:41234".into(),
        host: "127.0.0.1:41234".into(),
        profile: "sandbox".into(),
        bi: true,
    }));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(settings()),
                Call::LoadProfiles => Reply::Profiles(profiles()),
                Call::LoadIntegrations => Reply::Integrations(vec![stale_integration()]),
                _ => continue,
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
    app
}

fn member(i: usize) -> AccountMember {
    let name = if i == 1 { LONG_NAME.to_owned() } else { format!("Member {i:02}") };
    serde_json::from_value(serde_json::json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "type": "account_member",
        "name": name,
        "email": format!("member{i:02}@pawnee.gov"),
        "meta": {"timestamps": {"created_at": format!("2026-11-{:02}T10:{:02}:00.000Z", 1 + i % 20, i % 60)}}
    }))
    .expect("member fixture")
}

/// The Approvals panel after a scan that found `n` pending members.
fn approvals(n: usize) -> App {
    let mut a = loaded();
    key(&mut a, KeyCode::Char('3'));
    let op = a
        .take_effects()
        .into_iter()
        .find_map(|e| match e {
            Effect::Call(op, Call::Approvals(_)) => Some(op),
            _ => None,
        })
        .expect("scan started");
    a.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: (1..=n).map(member).collect(),
            with_membership: vec![],
            gone: vec![],
            failed: vec![],
        }),
    ));
    a.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: n, checked: n, complete: true })),
    ));
    // The newest member (the long name) first.
    while a.approvals.selected_row().is_some_and(|r| r.member.id != member(1).id) {
        key(&mut a, KeyCode::Down);
    }
    a
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

/// Opens a dialog at each size, checks the consequence and the key row are
/// on screen, and snapshots it.
fn snap(name: &str, consequence: &str, keys: &str, make: impl Fn() -> App) {
    for (w, h) in SIZES {
        let mut a = make();
        assert!(a.sh.confirm.is_some() || a.approvals.dialog_open(), "{name}: no dialog open");
        let text = render(&mut a, w, h);
        let flat: String = text
            .split('\n')
            .map(|l| l.trim_matches('"').replace('│', " "))
            .collect::<Vec<_>>()
            .join(" ");
        let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(consequence), "{name} {w}x{h}: consequence missing\n{text}");
        assert!(text.contains(keys), "{name} {w}x{h}: key row missing\n{text}");
        insta::assert_snapshot!(format!("dialog_{name}_{w}x{h}"), text);
    }
}

#[test]
fn settings_change() {
    snap("settings_change", "for the whole store", "y/Enter confirm · Esc cancel", || {
        let mut a = loaded();
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        a
    });
}

#[test]
fn profile_delete_with_a_long_name() {
    snap("profile_delete", "It cannot be undone.", "y delete · Esc cancel", || {
        let mut a = loaded();
        for _ in 0..3 {
            key(&mut a, KeyCode::Down);
        }
        key(&mut a, KeyCode::Char('d'));
        a
    });
}

#[test]
fn profile_delete_shows_the_whole_name_and_id() {
    for (w, h) in SIZES {
        let mut a = loaded();
        for _ in 0..3 {
            key(&mut a, KeyCode::Down);
        }
        key(&mut a, KeyCode::Char('d'));
        let text = render(&mut a, w, h);
        let body: String = text
            .lines()
            .map(|l| l.trim_matches('"').replace('│', " ").trim().to_owned())
            .collect::<Vec<_>>()
            .join(" ");
        let body = body.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(body.contains(LONG_NAME), "{w}x{h}: name not whole\n{text}");
        assert!(text.contains(PROFILE_ID), "{w}x{h}: id split\n{text}");
    }
}

#[test]
fn otp_fix_from_settings() {
    snap("otp_fix", "Changes the store's configuration", "y/Enter confirm · Esc cancel", || {
        let mut a = loaded();
        key(&mut a, KeyCode::Char('o'));
        a
    });
}

#[test]
fn webhook_setup_from_the_otp_panel() {
    snap("webhook_setup", "stops getting them", "y/Enter confirm · Esc cancel", || {
        let mut a = loaded();
        key(&mut a, KeyCode::Char('4'));
        key(&mut a, KeyCode::Char('i'));
        a
    });
}

#[test]
fn reject() {
    snap("reject", "cannot be undone", "y reject · Esc cancel", || {
        let mut a = approvals(3);
        key(&mut a, KeyCode::Char('x'));
        a
    });
}

#[test]
fn approve_one_into_a_new_account() {
    snap("approve_new", "makes", "y/Enter approve · i edit · Tab field · Esc cancel", || {
        let mut a = approvals(3);
        key(&mut a, KeyCode::Char('a'));
        a
    });
}

#[test]
fn approve_many_scrolls_and_keeps_its_keys() {
    snap("approve_bulk", "Creates 40 accounts", "y/Enter approve · Esc cancel", || {
        let mut a = approvals(40);
        key(&mut a, KeyCode::Char('*'));
        key(&mut a, KeyCode::Char('a'));
        a
    });
}

#[test]
fn approve_into_an_existing_account() {
    snap(
        "approve_existing",
        "existing account",
        "y/Enter approve · Esc back to the search",
        || {
            let mut a = approvals(3);
            key(&mut a, KeyCode::Char('e'));
            for e in a.take_effects() {
                if let Effect::Call(op, Call::Approvals(_)) = e {
                    let account: Account = serde_json::from_value(serde_json::json!({
                        "id": "b7d1c2e3-4f5a-4b6c-8d7e-9f0a1b2c3d4e",
                        "type": "account",
                        "name": LONG_NAME,
                        "legal_name": LONG_NAME,
                    }))
                    .expect("account fixture");
                    a.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Accounts(vec![account])))));
                }
            }
            key(&mut a, KeyCode::Enter);
            a
        },
    );
}

#[test]
fn quit_with_writes_in_flight() {
    snap("quit", "half done on the store", "y quit · Esc cancel", || {
        let mut a = loaded();
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        key(&mut a, KeyCode::Char('y'));
        let _ = a.take_effects(); // the save stays in flight
        key(&mut a, KeyCode::Char('q'));
        a
    });
}

#[test]
fn a_tall_dialog_scrolls_with_its_keys_pinned() {
    let mut a = approvals(40);
    key(&mut a, KeyCode::Char('*'));
    key(&mut a, KeyCode::Char('a'));
    let top = render(&mut a, 80, 24);
    assert!(top.contains("↑↓ scroll"), "{top}");
    // Listed in the queue's order (newest first).
    assert!(top.contains("Member 39"), "{top}");
    key(&mut a, KeyCode::End);
    let bottom = render(&mut a, 80, 24);
    assert!(bottom.contains("POST /v2/accounts/{id}/account-memberships"), "{bottom}");
    assert!(bottom.contains("y/Enter approve · Esc cancel"), "{bottom}");
    assert!(!bottom.contains("Member 39 "), "{bottom}");
    // Enter still confirms a scrolled (non-destructive) dialog.
    key(&mut a, KeyCode::Enter);
    assert!(!a.approvals.dialog_open());
    assert!(a.take_effects().iter().any(|e| matches!(e, Effect::Call(_, Call::Approvals(_)))));
}

#[test]
fn enter_does_not_confirm_a_destructive_dialog_but_y_does() {
    let mut a = approvals(3);
    key(&mut a, KeyCode::Char('x'));
    key(&mut a, KeyCode::Enter);
    assert!(a.approvals.dialog_open(), "Enter must not reject");
    key(&mut a, KeyCode::Char('y'));
    assert!(!a.approvals.dialog_open());
    assert!(
        a.take_effects().iter().any(|e| matches!(e, Effect::Call(_, Call::Approvals(_)))),
        "y rejects"
    );
}
