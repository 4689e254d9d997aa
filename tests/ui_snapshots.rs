//! Rendering of each panel on ratatui's TestBackend, checked with insta
//! snapshots at the standard sizes, 80×24, 120×36 and 200×60. Clocks and
//! spinner frames are frozen.

use chrono::{TimeZone, Utc};
use onboard::api::{
    AccountAuthSettings, AmTokens, ApiError, ClientEvent, ErrorObject, PasswordProfile,
    RequestRecord, SelfManagement, UsernameFormat,
};
use onboard::app::{App, view};
use onboard::ui::ConnInfo;
use onboard::ui::{Call, Effect, Msg, Reply};
use onboard::widgets::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 36), (200, 60)];

fn t0() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().expect("time")
}

fn key(app: &mut App, code: KeyCode) {
    app.update(Msg::key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn ctrl(app: &mut App, c: char) {
    app.update(Msg::key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn settings(signup: bool) -> AccountAuthSettings {
    serde_json::from_value(serde_json::json!({
        "id": "5f3a2d1e-settings",
        "type": "account_authentication_settings",
        "enable_self_signup": signup,
        "auto_create_account_for_account_members": false,
        "account_member_self_management": "disabled",
        "relationships": {"authentication_realm": {"data": {
            "id": "063623f1-9182-4c8f-bb17-91d326e06e69", "type": "authentication_realm"}}}
    }))
    .expect("settings fixture")
}

fn profiles() -> Vec<PasswordProfile> {
    vec![
        PasswordProfile {
            id: "9a44bb7e-e377-4382-b36e-c8030aad1c2d".into(),
            name: "Email".into(),
            username_format: UsernameFormat::Email,
            enable_one_time_password_token: true,
            ..Default::default()
        },
        PasswordProfile {
            id: "c5687352-d102-46fd-b85e-256f10574019".into(),
            name: "Legacy usernames".into(),
            username_format: UsernameFormat::Any,
            enable_one_time_password_token: false,
            ..Default::default()
        },
    ]
}

fn app(read_only: bool) -> App {
    let mut app = App::new(t0(), Theme { color: false }, read_only, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:41234".into(),
        host: "127.0.0.1:41234".into(),
        profile: "sandbox".into(),
        bi: true,
    }));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    app
}

fn answer(app: &mut App, signup: bool) {
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(settings(signup)),
                Call::LoadProfiles => Reply::Profiles(profiles()),
                Call::LoadIntegrations => Reply::Integrations(vec![]),
                _ => continue,
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
}

fn loaded(read_only: bool) -> App {
    let mut a = app(read_only);
    answer(&mut a, true);
    a
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

fn snap(name: &str, mut make: impl FnMut() -> App) {
    for (w, h) in SIZES {
        let mut a = make();
        let text = render(&mut a, w, h);
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), text);
    }
}

#[test]
fn settings_loading() {
    snap("settings_loading", || app(false));
}

#[test]
fn settings_loaded() {
    snap("settings_loaded", || loaded(false));
}

/// Short of room the readiness box puts the ✗ items first, folds the ✓ ones
/// into one row and names what is below: nothing is dropped silently.
#[test]
fn settings_readiness_short_of_room() {
    let mut a = loaded(false);
    let text = render(&mut a, 60, 16);
    assert!(text.contains("✗ OTP ready") && text.contains("↓"), "{text}");
    insta::assert_snapshot!("settings_readiness_60x16", text);
    let mut a = loaded(false);
    // One more row than the box has at 80×24.
    a.sh.data.integrations_error = Some("HTTP 503 try later".into());
    let text = render(&mut a, 80, 24);
    assert!(text.contains("✓ 2 ready: Self sign-up ready, Approvals needed"), "{text}");
    insta::assert_snapshot!("settings_readiness_error_80x24", text);
}

#[test]
fn settings_loaded_read_only() {
    snap("settings_read_only", || loaded(true));
}

#[test]
fn settings_error() {
    snap("settings_error", || {
        let mut a = app(false);
        let effects = a.take_effects();
        if let Some(Effect::Call(op, _)) = effects.first() {
            a.update(Msg::Done(
                *op,
                Err(ApiError::Http {
                    status: 403,
                    errors: vec![ErrorObject {
                        status: Some(403),
                        title: "Forbidden".into(),
                        detail: Some("this key's role may not read settings".into()),
                        source: None,
                        request_id: None,
                    }],
                    body: String::new(),
                }),
            ));
        }
        a
    });
}

#[test]
fn settings_confirm_dialog() {
    snap("settings_confirm", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        a
    });
}

#[test]
fn settings_profile_form() {
    snap("settings_profile_form", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('n'));
        a
    });
}

#[test]
fn signup_empty() {
    snap("signup_empty", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('2'));
        a
    });
}

#[test]
fn signup_read_only() {
    // Sign-ups create members: read-only offers the log-in check instead.
    snap("signup_read_only", || {
        let mut a = loaded(true);
        key(&mut a, KeyCode::Char('2'));
        a
    });
}

fn filled() -> App {
    let mut a = loaded(false);
    key(&mut a, KeyCode::Char('2'));
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "Leslie Knope");
    key(&mut a, KeyCode::Down);
    typed(&mut a, "leslie@pawnee.gov");
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Down);
    typed(&mut a, "waffles-123");
    a
}

#[test]
fn signup_in_flight() {
    snap("signup_in_flight", || {
        let mut a = filled();
        ctrl(&mut a, 's');
        a
    });
}

#[test]
fn signup_validation_errors() {
    snap("signup_invalid", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('2'));
        key(&mut a, KeyCode::Down);
        key(&mut a, KeyCode::Enter);
        typed(&mut a, "not-an-email");
        ctrl(&mut a, 's');
        a
    });
}

#[test]
fn signup_pending_approval() {
    snap("signup_pending", || {
        let mut a = filled();
        ctrl(&mut a, 's');
        for e in a.take_effects() {
            if let Effect::Call(op, _) = e {
                a.update(Msg::Done(
                    op,
                    Ok(Reply::Tokens(AmTokens {
                        tokens: vec![],
                        account_member_id: Some("459a2d49-ff3f-4589-b9fb-7e86ac7273f4".into()),
                    })),
                ));
            }
        }
        a
    });
}

/// The readiness dialog (`w`): every item whole, its reasons and fix keys.
#[test]
fn settings_readiness_dialog() {
    snap("settings_readiness_dialog", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('w'));
        a
    });
}

/// Sends the sign-up form filled with `name`/`email` and answers it.
fn sign_up(a: &mut App, name: &str, email: &str, reply: Result<Reply, ApiError>) {
    key(a, KeyCode::Char('c'));
    key(a, KeyCode::Enter);
    typed(a, name);
    key(a, KeyCode::Down);
    typed(a, email);
    key(a, KeyCode::Down);
    key(a, KeyCode::Down);
    typed(a, "waffles-123");
    ctrl(a, 's');
    let mut reply = Some(reply);
    for e in a.take_effects() {
        if let (Effect::Call(op, _), Some(r)) = (e, reply.take()) {
            a.update(Msg::Done(op, r));
        }
    }
    a.sh.toasts.clear();
}

/// Three sign-ups: the newest in full, the older ones one line each (a long
/// error cut to its line), and the dialog that reads each whole.
fn three_results() -> App {
    let mut a = loaded(false);
    key(&mut a, KeyCode::Char('2'));
    let pending = |id: &str| {
        Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some(id.into()) }))
    };
    sign_up(
        &mut a,
        "Leslie Knope",
        "leslie@pawnee.gov",
        pending("459a2d49-ff3f-4589-b9fb-7e86ac7273f4"),
    );
    sign_up(
        &mut a,
        "Ben Wyatt",
        "ben.wyatt.with.a.long.address@indianapolis-budget-office.example.gov",
        Err(ApiError::Http {
            status: 422,
            errors: vec![ErrorObject {
                status: Some(422),
                title: "Unprocessable".into(),
                detail: Some(
                    "the password profile refuses this sign-up because the realm is locked \
                     for maintenance until the administrator unlocks it again"
                        .into(),
                ),
                source: None,
                request_id: None,
            }],
            body: String::new(),
        }),
    );
    sign_up(
        &mut a,
        "Ann Perkins",
        "ann@pawnee.gov",
        pending("7b1c0e55-0d6f-4a8e-9f53-2b9a6c1d7e40"),
    );
    a
}

#[test]
fn signup_results_list_and_dialog() {
    snap("signup_results", three_results);
    snap("signup_results_dialog", || {
        let mut a = three_results();
        key(&mut a, KeyCode::Char('w'));
        a
    });
}

#[test]
fn other_panels() {
    snap("approvals", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('3'));
        a
    });
    snap("otp", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('4'));
        a
    });
}

#[test]
fn help_overlay() {
    snap("help_settings", || {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('?'));
        a
    });
}

#[test]
fn request_log_overlay() {
    snap("request_log", || {
        let mut a = loaded(false);
        for (i, (m, p, s)) in [
            ("POST", "/oauth/access_token", 200),
            ("GET", "/v2/settings/account-authentication", 200),
            ("PUT", "/v2/settings/account-authentication", 403),
        ]
        .into_iter()
        .enumerate()
        {
            a.update(Msg::Client(ClientEvent::Request(RequestRecord {
                at: t0() + chrono::Duration::seconds(i as i64),
                method: m.into(),
                path: p.into(),
                status: Some(s),
                duration: std::time::Duration::from_millis(12 + i as u64),
                attempt: 1,
                error: None,
                ..RequestRecord::default()
            })));
        }
        key(&mut a, KeyCode::Char('L'));
        a
    });
}

#[test]
fn terminal_too_small() {
    let mut a = loaded(false);
    let text = render(&mut a, 40, 10);
    insta::assert_snapshot!("too_small_40x10", text);
    // Any size renders without a panic.
    for (w, h) in [(1, 1), (2, 1), (59, 15), (60, 16), (61, 17), (300, 100)] {
        let _ = render(&mut a, w, h);
    }
    let _ = SelfManagement::Disabled;
}

mod approvals {
    use super::*;
    use onboard::api::AccountMember;
    use onboard::panels::approvals::{ApProgress, ApReply, RowOutcome};
    use onboard::ui::Progress;

    fn member(i: usize) -> AccountMember {
        serde_json::from_value(serde_json::json!({
            "id": format!("00000000-0000-4000-8000-{i:012}"),
            "type": "account_member",
            "name": format!("Member {i:02}"),
            "email": format!("member{i:02}@pawnee.gov"),
            "meta": {"timestamps": {"created_at": format!("2026-11-{:02}T10:{:02}:00.000Z", 1 + i % 20, i % 60)}}
        }))
        .expect("member fixture")
    }

    /// The Approvals panel with a scan in flight; returns the scan op.
    fn scanning() -> (App, u64) {
        let mut a = loaded(false);
        key(&mut a, KeyCode::Char('3'));
        let op = a
            .take_effects()
            .into_iter()
            .find_map(|e| match e {
                Effect::Call(op, Call::Approvals(_)) => Some(op),
                _ => None,
            })
            .expect("scan started");
        a.update(Msg::Progress(op, Progress::Approvals(ApProgress::Total(2000))));
        a.update(Msg::Progress(
            op,
            Progress::Approvals(ApProgress::Checked {
                pending: (1..=6).map(member).collect(),
                with_membership: (100..434).map(|i| format!("m{i}")).collect(),
                gone: vec![],
                failed: vec![],
            }),
        ));
        (a, op)
    }

    fn scanned() -> App {
        let (mut a, op) = scanning();
        a.update(Msg::Done(
            op,
            Ok(Reply::Approvals(ApReply::Scanned { listed: 2000, checked: 340, complete: true })),
        ));
        a
    }

    #[test]
    fn approvals_scanning() {
        snap("approvals_scanning", || scanning().0);
    }

    #[test]
    fn approvals_loaded() {
        snap("approvals_loaded", scanned);
    }

    #[test]
    fn approvals_empty() {
        snap("approvals_empty", || {
            let mut a = loaded(false);
            key(&mut a, KeyCode::Char('3'));
            for e in a.take_effects() {
                if let Effect::Call(op, _) = e {
                    a.update(Msg::Done(
                        op,
                        Ok(Reply::Approvals(ApReply::Scanned {
                            listed: 0,
                            checked: 0,
                            complete: true,
                        })),
                    ));
                }
            }
            a
        });
    }

    /// Marks every row and starts a bulk approval; returns the run's op.
    fn bulk(a: &mut App) -> u64 {
        key(a, KeyCode::Char('*'));
        key(a, KeyCode::Char('a'));
        key(a, KeyCode::Char('y'));
        a.take_effects()
            .into_iter()
            .find_map(|e| match e {
                Effect::Call(op, Call::Approvals(_)) => Some(op),
                _ => None,
            })
            .expect("bulk run started")
    }

    #[test]
    fn approvals_bulk_in_progress() {
        snap("approvals_bulk", || {
            let mut a = scanned();
            let op = bulk(&mut a);
            a.update(Msg::Progress(
                op,
                Progress::Approvals(ApProgress::Row {
                    member_id: member(1).id,
                    outcome: RowOutcome::Approved {
                        account_id: "acc-1".into(),
                        account_name: "Member 01".into(),
                    },
                }),
            ));
            a
        });
    }

    #[test]
    fn approvals_failures() {
        snap("approvals_failures", || {
            let mut a = scanned();
            let op = bulk(&mut a);
            for i in 1..=6 {
                let outcome = match i {
                    2 => RowOutcome::Failed {
                        reason: "503 Service Unavailable".into(),
                        account_id: None,
                    },
                    3 => RowOutcome::AlreadyMember { account_id: "acc-3".into() },
                    _ => RowOutcome::Approved {
                        account_id: format!("acc-{i}"),
                        account_name: format!("Member {i:02}"),
                    },
                };
                a.update(Msg::Progress(
                    op,
                    Progress::Approvals(ApProgress::Row { member_id: member(i).id, outcome }),
                ));
            }
            a.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
            a
        });
    }
}

mod otp {
    use super::*;
    use onboard::api::{Integration, IntegrationConfiguration};
    use onboard::webhook::{ListenerEvent, OtpEvent};

    const URL: &str = "http://127.0.0.1:8787/webhooks/otp";

    fn event(i: usize, minutes_ago: i64, purpose: &str) -> OtpEvent {
        let mut v: serde_json::Value =
            serde_json::from_str(include_str!("fixtures/otp_event_seed004.json")).expect("fixture");
        let created = t0() - chrono::Duration::minutes(minutes_ago);
        v["id"] = format!("evt-{i}").into();
        v["payload"]["created_at"] = created.to_rfc3339().into();
        v["payload"]["purpose"] = purpose.into();
        v["payload"]["one_time_password_token"] = format!("c0de{i:02}").into();
        v["integration"]["id"] = "int-1".into();
        OtpEvent::from_raw(v, created).expect("event")
    }

    fn with_integration() -> App {
        let mut a = loaded(false);
        a.sh.data.integrations = Some(vec![Integration {
            id: "int-1".into(),
            name: "onboard OTP events".into(),
            enabled: true,
            integration_type: "webhook".into(),
            observes: vec!["one-time-password-token-request.created".into()],
            configuration: IntegrationConfiguration { url: Some(URL.into()), secret_key: None },
            ..Default::default()
        }]);
        key(&mut a, KeyCode::Char('4'));
        let _ = a.take_effects();
        a
    }

    fn with_events() -> App {
        let mut a = with_integration();
        for (i, (ago, purpose)) in
            [(14, "reset_password"), (3, "passwordless_authentication"), (1, "reset_password")]
                .into_iter()
                .enumerate()
        {
            a.update(Msg::Listener(Box::new(ListenerEvent::Received(event(i, ago, purpose)))));
        }
        a
    }

    #[test]
    fn otp_no_integration() {
        snap("otp_no_integration", || {
            let mut a = loaded(false);
            key(&mut a, KeyCode::Char('4'));
            a
        });
    }

    #[test]
    fn otp_waiting() {
        snap("otp_waiting", with_integration);
    }

    #[test]
    fn otp_events_with_countdown_and_expired() {
        snap("otp_events", with_events);
    }

    #[test]
    fn otp_revealed_code() {
        snap("otp_revealed", || {
            let mut a = with_events();
            key(&mut a, KeyCode::Char('r'));
            a
        });
    }

    #[test]
    fn otp_details() {
        snap("otp_details", || {
            let mut a = with_events();
            key(&mut a, KeyCode::Enter);
            a
        });
    }

    #[test]
    fn otp_expired_only() {
        snap("otp_expired", || {
            let mut a = with_integration();
            a.update(Msg::Listener(Box::new(ListenerEvent::Received(event(
                7,
                30,
                "reset_password",
            )))));
            a
        });
    }
}
