//! The Form and List widgets in the panels, drawn on TestBackend without
//! colour (NO_COLOR): placeholders against typed values, the OTP member
//! picker, the approve and bulk reject dialogs at 80×24 (insta snapshots).

use chrono::{TimeZone, Utc};
use onboard::api::{AccountAuthSettings, AccountMember, PasswordProfile, UsernameFormat};
use onboard::app::{App, view};
use onboard::panels::approvals::{ApProgress, ApReply};
use onboard::ui::{Call, ConnInfo, Effect, Msg, Progress, Reply};
use onboard::webhook::{ListenerEvent, OtpEvent};
use onboard::widgets::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().expect("time")
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn profile(id: &str, name: &str) -> PasswordProfile {
    PasswordProfile {
        id: id.into(),
        name: name.into(),
        username_format: UsernameFormat::Email,
        enable_one_time_password_token: true,
        ..Default::default()
    }
}

fn loaded() -> App {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:41234".into(),
        host: "127.0.0.1:41234".into(),
        profile: "sandbox".into(),
        bi: false,
    }));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(AccountAuthSettings {
                    id: "s".into(),
                    enable_self_signup: true,
                    ..Default::default()
                }),
                Call::LoadProfiles => {
                    Reply::Profiles(vec![profile("p-1", "Email"), profile("p-2", "Staff e-mails")])
                }
                Call::LoadIntegrations => Reply::Integrations(vec![]),
                _ => continue,
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
    app
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

#[test]
fn no_color_placeholder_and_typed_value_differ() {
    let mut a = loaded();
    key(&mut a, KeyCode::Char('2'));
    key(&mut a, KeyCode::Enter);
    // The very text of the Name placeholder, typed: it must still look different.
    typed(&mut a, "Ron Swanson");
    key(&mut a, KeyCode::Esc);
    let text = render(&mut a, 80, 24);
    assert!(text.contains("Name      Ron Swanson "), "{text}");
    assert!(text.contains("Email     ‹ron@swanson.com›"), "{text}");
    insta::assert_snapshot!("signup_placeholder_vs_value_80x24", text);
}

fn member(i: usize) -> AccountMember {
    serde_json::from_value(serde_json::json!({
        "id": format!("00000000-0000-4000-8000-{i:012}"),
        "type": "account_member",
        "name": format!("Member {i:02}"),
        "email": format!("member.with.a.long.local.part.{i:02}@pawnee.gov"),
        "meta": {"timestamps": {"created_at": format!("2026-11-{:02}T10:00:00.000Z", 1 + i)}}
    }))
    .expect("member fixture")
}

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
    a
}

#[test]
fn approve_dialog_80x24() {
    let mut a = approvals(3);
    key(&mut a, KeyCode::Char('a'));
    let text = render(&mut a, 80, 24);
    assert!(text.contains("y/Enter approve · i edit · Tab field · Esc cancel"), "{text}");
    assert!(text.contains("follows the account name until you edit it"), "{text}");
    insta::assert_snapshot!("approve_dialog_80x24", text);
}

#[test]
fn bulk_reject_dialog_80x24() {
    let mut a = approvals(6);
    // Range-mark three members: v, two rows down, v.
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Char('v'));
    key(&mut a, KeyCode::Char('x'));
    let text = render(&mut a, 80, 24);
    // The consequence comes first, whole (it wraps inside the dialog).
    assert!(
        text.contains("⚠ Deletes these 3 members, their credentials and memberships — cannot be"),
        "{text}"
    );
    assert!(text.contains("│   undone."), "{text}");
    assert!(text.contains("y reject · Esc cancel"), "{text}");
    insta::assert_snapshot!("bulk_reject_dialog_80x24", text);
}

#[test]
fn approvals_list_keeps_the_email_domain_80x24() {
    let mut a = approvals(3);
    let text = render(&mut a, 80, 24);
    assert!(text.contains("…@pawnee.gov"), "{text}");
}

fn event(id: &str, user: &str) -> OtpEvent {
    let raw = serde_json::json!({
        "id": id, "triggered_by": "one-time-password-token-request.created",
        "integration": {"id": "i-1"},
        "payload": {
            "authentication_realm_id": "r", "password_profile_id": "p-1",
            "created_at": (t0() - chrono::Duration::minutes(1)).to_rfc3339(),
            "one_time_password_token": "abcdef", "purpose": "passwordless_authentication",
            "user_authentication_info": {"id": "u-1", "name": "Luca", "email": user},
            "user_authentication_password_profile_info": {"id": "ppi", "username": user}
        }
    });
    OtpEvent::from_raw(raw, t0()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn otp_member_picker() {
    for (w, h) in [(80, 24), (120, 36)] {
        let mut a = loaded();
        key(&mut a, KeyCode::Char('4'));
        for (i, u) in
            ["luca.hansen@example.com", "lucy@example.com", "ron@swanson.com"].iter().enumerate()
        {
            a.update(Msg::Listener(Box::new(ListenerEvent::Received(event(&format!("e-{i}"), u)))));
        }
        key(&mut a, KeyCode::Char('o'));
        key(&mut a, KeyCode::Char('i'));
        typed(&mut a, "lu");
        let text = render(&mut a, w, h);
        assert!(text.contains("▸ lucy@example.com"), "{text}");
        assert!(text.contains("luca.hansen@example.com"), "{text}");
        assert!(text.contains("Esc stop typing"), "{text}");
        insta::assert_snapshot!(format!("otp_member_picker_{w}x{h}"), text);
    }
}
