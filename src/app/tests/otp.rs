//! Otp panel flows through `App::update`.

use super::*;
use crate::webhook::{ListenerEvent, OtpEvent};

fn event(id: &str, minutes_ago: i64, code: &str) -> OtpEvent {
    let raw = serde_json::json!({
        "id": id, "triggered_by": "one-time-password-token-request.created",
        "integration": {"id": "i-1"},
        "payload": {
            "authentication_realm_id": "r", "password_profile_id": "p-email",
            "created_at": (t0() - chrono::Duration::minutes(minutes_ago)).to_rfc3339(),
            "one_time_password_token": code, "purpose": "passwordless_authentication",
            "user_authentication_info": {"id": "u-1", "name": "Ann", "email": "ann@x.co"},
            "user_authentication_password_profile_info": {"id": "ppi", "username": "ann@x.co"}
        }
    });
    OtpEvent::from_raw(raw, t0()).unwrap_or_else(|e| panic!("{e}"))
}

fn otp_app() -> App {
    let mut app = loaded_app(false);
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    app.update(key(KeyCode::Char('4')));
    let _ = calls(&mut app);
    app
}

fn arrive(app: &mut App, e: OtpEvent) {
    app.update(Msg::Listener(Box::new(ListenerEvent::Received(e))));
}

#[test]
fn the_cursor_stays_on_its_event_when_an_older_one_arrives_late() {
    let mut app = otp_app();
    arrive(&mut app, event("e-2", 2, "bbbbbb"));
    arrive(&mut app, event("e-3", 1, "cccccc"));
    app.update(key(KeyCode::Up)); // on e-2, follow paused
    assert_eq!(app.otp.selected_event().map(|e| e.id.as_str()), Some("e-2"));
    arrive(&mut app, event("e-1", 5, "aaaaaa"));
    assert_eq!(app.otp.selected_event().map(|e| e.id.as_str()), Some("e-2"));
    let ids: Vec<&str> = app.otp.events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e-1", "e-2", "e-3"], "ordered by created_at");
}

#[test]
fn an_exchange_marks_the_event_its_code_came_from() {
    let mut app = otp_app();
    arrive(&mut app, event("e-1", 2, "aaaaaa"));
    app.update(key(KeyCode::Char('x')));
    app.update(key(KeyCode::Enter));
    let (op, call) = calls(&mut app).remove(0);
    assert!(matches!(call, Call::Otp(crate::panels::otp::OtpCall::Exchange { .. })));
    // A new event arrives (and is selected: follow is on) before the answer.
    arrive(&mut app, event("e-2", 0, "bbbbbb"));
    app.update(Msg::Done(
        op,
        Ok(Reply::Otp(crate::panels::otp::OtpReply::Exchanged(AmTokens {
            tokens: vec![],
            account_member_id: Some("u-1".into()),
        }))),
    ));
    assert!(app.otp.used.contains("e-1"));
    assert!(!app.otp.used.contains("e-2"));
}

fn otp_profile(id: &str, name: &str) -> crate::api::PasswordProfile {
    crate::api::PasswordProfile {
        id: id.into(),
        name: name.into(),
        username_format: crate::api::UsernameFormat::Email,
        enable_one_time_password_token: true,
        ..Default::default()
    }
}

fn with_otp_profiles(app: &mut App, n: usize) {
    app.sh.data.profiles =
        Some((0..n).map(|i| otp_profile(if i == 0 { "p-email" } else { "p-2" }, "P")).collect());
}

fn form(app: &App) -> &crate::widgets::form::Form {
    match &app.otp.view {
        crate::panels::otp::View::Form(of) => &of.form,
        other => panic!("no form: {other:?}"),
    }
}

#[test]
fn o_prefills_the_selected_username_selected_so_typing_replaces_it() {
    let mut app = otp_app();
    with_otp_profiles(&mut app, 1);
    arrive(&mut app, event("e-1", 1, "aaaaaa"));
    app.update(key(KeyCode::Char('o')));
    assert!(!crate::panels::Panel::editing(&app.otp), "the form does not start typing");
    assert_eq!(form(&app).value("member"), "ann@x.co");
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "luca.hansen@example.com");
    assert_eq!(form(&app).value("member"), "luca.hansen@example.com", "replaced, not appended");
    app.update(key(KeyCode::Enter));
    let (_, call) = calls(&mut app)
        .into_iter()
        .find(|(_, c)| matches!(c, Call::Otp(crate::panels::otp::OtpCall::Request { .. })))
        .expect("request sent");
    assert!(matches!(call, Call::Otp(crate::panels::otp::OtpCall::Request { username, .. })
        if username == "luca.hansen@example.com"));
}

#[test]
fn the_member_picker_offers_known_and_store_members_as_you_type() {
    let mut app = otp_app();
    with_otp_profiles(&mut app, 2);
    arrive(&mut app, event("e-1", 1, "aaaaaa"));
    app.update(key(KeyCode::Char('o')));
    // Two profiles with OTP on: a choice.
    assert!(matches!(
        form(&app).field("profile").map(|f| &f.kind),
        Some(crate::widgets::form::Kind::Choice { options, .. }) if options.len() == 2
    ));
    app.update(key(KeyCode::Char('i')));
    app.update(key(KeyCode::Backspace));
    type_str(&mut app, "an");
    assert_eq!(form(&app).suggestion("member").map(|s| s.value.as_str()), Some("ann@x.co"));
    assert!(calls(&mut app).is_empty(), "no store lookup under three characters");
    type_str(&mut app, "n");
    let (op, call) = calls(&mut app).remove(0);
    assert_eq!(call, Call::Otp(crate::panels::otp::OtpCall::FindMembers { query: "ann".into() }));
    let store_member = crate::api::AccountMember {
        id: "m-9".into(),
        name: "Annabel".into(),
        email: "Annabel@Pawnee.gov".into(),
        ..Default::default()
    };
    app.update(Msg::Done(
        op,
        Ok(Reply::Otp(crate::panels::otp::OtpReply::Members("ann".into(), vec![store_member]))),
    ));
    app.update(key(KeyCode::Down));
    assert_eq!(
        form(&app).suggestion("member").map(|s| s.value.as_str()),
        Some("annabel@pawnee.gov")
    );
    app.update(key(KeyCode::Enter));
    let sent = calls(&mut app);
    assert!(sent.iter().any(|(_, c)| matches!(c,
        Call::Otp(crate::panels::otp::OtpCall::Request { username, .. }) if username == "annabel@pawnee.gov")));
    // The purpose is remembered for the next request.
    app.update(Msg::Done(
        sent[0].0,
        Ok(Reply::Otp(crate::panels::otp::OtpReply::Requested(
            crate::api::OtpRequestOutcome::Accepted,
        ))),
    ));
}

#[test]
fn no_event_fifteen_seconds_after_a_202_says_so_and_why() {
    let mut app = otp_app();
    with_otp_profiles(&mut app, 1);
    app.update(key(KeyCode::Char('o')));
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "ron@swanson.com");
    app.update(key(KeyCode::Enter));
    let (op, _) = calls(&mut app)
        .into_iter()
        .find(|(_, c)| matches!(c, Call::Otp(crate::panels::otp::OtpCall::Request { .. })))
        .expect("request sent");
    app.update(Msg::Done(
        op,
        Ok(Reply::Otp(crate::panels::otp::OtpReply::Requested(
            crate::api::OtpRequestOutcome::Accepted,
        ))),
    ));
    assert!(app.needs_tick(), "the clock runs while the event is awaited");
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(14)));
    assert!(app.otp.no_event_notice(&app.sh).is_none());
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(16)));
    let notice = app.otp.no_event_notice(&app.sh).expect("notice").join("\n");
    assert!(notice.contains("No event for ron@swanson.com 15 s after the 202"), "{notice}");
    assert!(notice.contains("unknown in the profile"), "{notice}");
    assert!(notice.contains("no integration points at this listener"), "{notice}");
    // An event for that member ends the wait.
    let mut e = event("e-5", 0, "zzzzzz");
    e.payload.username = "ron@swanson.com".into();
    arrive(&mut app, e);
    assert!(app.otp.no_event_notice(&app.sh).is_none());
}

#[test]
fn the_delivery_line_names_the_last_delivery() {
    let mut app = otp_app();
    let log = |id: &str, at: &str, code: u16, attempt: u32| {
        serde_json::from_value::<crate::api::IntegrationLog>(serde_json::json!({
            "id": id, "type": "integration_log", "succeeded": code < 300, "attempt": attempt,
            "status_code": code, "error_detail": if code < 300 { "" } else { "connection refused" },
            "meta": {"timestamps": {"created_at": at}}
        }))
        .unwrap_or_else(|e| panic!("{e}"))
    };
    app.otp.logs = Some(vec![
        log("l1", "2026-11-25T12:01:03Z", 200, 1),
        log("l0", "2026-11-25T11:59:00Z", 500, 2),
    ]);
    assert_eq!(app.otp.last_delivery().as_deref(), Some("200 · 12:01:03 · attempt 1"));
}

fn bind(app: &App, keys: &str) -> crate::ui::Bind {
    let km = app.otp.keymap(&app.sh);
    km.binds.into_iter().find(|b| b.keys == keys).unwrap_or_else(|| panic!("{keys} listed"))
}

#[test]
fn x_and_p_are_offered_only_when_they_can_work_and_say_why_not() {
    let mut app = otp_app();
    // Nothing to exchange or reset before any event.
    assert_eq!(bind(&app, "x").off, Some("no event selected"));
    assert_eq!(bind(&app, "p").off, Some("no event selected"));
    arrive(&mut app, event("e-1", 0, "aaaaaa"));
    assert_eq!(bind(&app, "x").off, None);
    assert_eq!(bind(&app, "p").off, Some("password reset needs a reset_password event"));
    let mut reset = event("e-2", 0, "bbbbbb");
    reset.payload.purpose = "reset_password".into();
    arrive(&mut app, reset);
    assert_eq!(bind(&app, "p").off, Some("exchange this reset_password code first (x)"));
    app.update(key(KeyCode::Char('p')));
    assert!(matches!(app.otp.view, crate::panels::otp::View::List), "p opens nothing yet");
    app.update(key(KeyCode::Char('x')));
    app.update(key(KeyCode::Enter));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(
        op,
        Ok(Reply::Otp(crate::panels::otp::OtpReply::Exchanged(AmTokens {
            tokens: vec![crate::api::AmToken {
                account_id: "a-1".into(),
                account_name: "A".into(),
                token: crate::secret::Secret::new("am-token"),
                expires: String::new(),
            }],
            account_member_id: Some("u-1".into()),
        }))),
    ));
    // Spent: x is off, p now works.
    assert_eq!(bind(&app, "x").off, Some("this code was already exchanged (single use)"));
    assert_eq!(bind(&app, "p").off, None);
    let footer: Vec<&str> = app.otp.keymap(&app.sh).footer().iter().map(|b| b.keys).collect();
    assert!(footer.contains(&"p") && !footer.contains(&"x"), "{footer:?}");
    app.update(key(KeyCode::Char('p')));
    assert!(matches!(app.otp.view, crate::panels::otp::View::Form(_)));
    app.update(key(KeyCode::Esc));
    // An expired code cannot be exchanged.
    app.update(key(KeyCode::Up));
    assert_eq!(app.otp.selected_event().map(|e| e.id.as_str()), Some("e-1"));
    app.update(Msg::Tick(t0() + chrono::Duration::hours(2)));
    assert_eq!(bind(&app, "x").off, Some("this code has expired"));
    app.update(key(KeyCode::Char('x')));
    assert!(matches!(app.otp.view, crate::panels::otp::View::List));
}

fn screen(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(Input::Resize(w, h)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    t.draw(|f| view::draw(app, f)).expect("draw");
    t.backend().to_string()
}

#[test]
fn read_only_never_offers_o_which_the_client_would_refuse() {
    // The request is a POST on the realm's profile, not a token request.
    assert!(!crate::api::http::is_token_path(
        "/v2/authentication-realms/r/password-profiles/p/one-time-password-token-request"
    ));
    let mut app = loaded_app(true);
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    app.update(key(KeyCode::Char('4')));
    let _ = calls(&mut app);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("codes appear here when members request them"), "{s}");
    assert!(!s.contains("o requests"), "{s}");
    assert_eq!(bind(&app, "o").off, Some("read-only mode: disabled"));
    let footer: Vec<&str> = app.otp.keymap(&app.sh).footer().iter().map(|b| b.keys).collect();
    assert!(!footer.contains(&"o"), "{footer:?}");
    // Writable: the hint names the key.
    let mut app = otp_app();
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("o requests an OTP for a member"), "{s}");
}

fn with_integration(app: &mut App) {
    let i = serde_json::from_value::<crate::api::Integration>(serde_json::json!({
        "id": "i-1", "name": "onboard OTP events", "enabled": true,
        "integration_type": "webhook",
        "observes": [crate::readiness::OTP_EVENT],
        "configuration": {"url": "http://127.0.0.1:8787/webhooks/otp"}
    }))
    .unwrap_or_else(|e| panic!("{e}"));
    app.sh.data.integrations = Some(vec![i]);
}

fn log_loads(app: &mut App) -> usize {
    calls(app)
        .iter()
        .filter(|(_, c)| matches!(c, Call::Otp(crate::panels::otp::OtpCall::LoadLogs { .. })))
        .count()
}

#[test]
fn delivery_logs_reload_after_each_delivery_once_per_burst() {
    let mut app = otp_app();
    with_integration(&mut app);
    arrive(&mut app, event("e-1", 0, "aaaaaa"));
    // The store logs a delivery once the listener has answered it: not at once.
    assert_eq!(log_loads(&mut app), 0);
    assert!(app.needs_tick(), "the clock runs until the reload");
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(1)));
    arrive(&mut app, event("e-2", 0, "bbbbbb"));
    assert_eq!(log_loads(&mut app), 0);
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(2)));
    assert_eq!(log_loads(&mut app), 1, "one reload for the burst");
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(5)));
    assert_eq!(log_loads(&mut app), 0, "nothing new delivered");
    // A member event is a delivery too (it goes to Approvals).
    app.update(Msg::Listener(Box::new(ListenerEvent::Member(
        crate::webhook::member_event::MemberEvent::UserDeleted { id: "m-9".into() },
    ))));
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(8)));
    assert_eq!(log_loads(&mut app), 1);
    // A refused delivery is logged by the store as a failed one.
    app.update(Msg::Listener(Box::new(ListenerEvent::Rejected {
        status: 401,
        reason: "wrong X-Moltin-Secret-Key".into(),
    })));
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(11)));
    assert_eq!(log_loads(&mut app), 1);
}

#[test]
fn a_duplicate_delivery_reloads_the_delivery_logs_like_a_fresh_one() {
    let mut app = otp_app();
    with_integration(&mut app);
    arrive(&mut app, event("e-1", 0, "aaaaaa"));
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(2)));
    assert_eq!(log_loads(&mut app), 1);
    // Commerce delivers e-1 again (it did not see the first answer): the
    // listener answers "duplicate", the list keeps one row, and the store
    // has logged one more delivery, which the delivery line must show.
    app.update(Msg::Listener(Box::new(ListenerEvent::Duplicate { id: "e-1".into(), attempt: 1 })));
    assert_eq!(app.otp.events.len(), 1);
    assert_eq!(log_loads(&mut app), 0, "not at once: the store logs it after the answer");
    assert!(app.needs_tick(), "the clock runs until the reload");
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(4)));
    assert_eq!(log_loads(&mut app), 1);
}

#[test]
fn a_delivery_while_another_panel_is_shown_reloads_on_return() {
    let mut app = otp_app();
    with_integration(&mut app);
    app.otp.logs = Some(vec![]);
    app.update(key(KeyCode::Char('3')));
    let _ = calls(&mut app);
    app.update(Msg::Listener(Box::new(ListenerEvent::Member(
        crate::webhook::member_event::MemberEvent::UserDeleted { id: "m-9".into() },
    ))));
    app.update(key(KeyCode::Char('4')));
    assert_eq!(log_loads(&mut app), 1);
}

#[test]
fn the_delivery_line_says_what_it_counts() {
    let mut app = otp_app();
    with_integration(&mut app);
    arrive(&mut app, event("e-1", 0, "aaaaaa"));
    app.otp.logs = Some(vec![
        serde_json::from_value::<crate::api::IntegrationLog>(serde_json::json!({
            "id": "l1", "type": "integration_log", "succeeded": true, "attempt": 1,
            "status_code": 200, "meta": {"timestamps": {"created_at": "2026-11-25T21:49:47Z"}}
        }))
        .unwrap_or_else(|e| panic!("{e}")),
    ]);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("last delivery 200 · 21:49:47 · attempt 1 · 1 OTP event received"), "{s}");
    assert!(s.contains("   1 event"), "{s}");
    assert!(!s.contains("1 events"), "{s}");
}

#[test]
fn a_long_status_line_wraps_instead_of_being_cut() {
    let mut app = otp_app();
    with_integration(&mut app);
    if let Some(i) = app.sh.data.integrations.as_mut().and_then(|v| v.first_mut()) {
        i.name = "onboard OTP events for the staging store of the north region".into();
    }
    app.otp.logs = Some(vec![]);
    let s = screen(&mut app, 80, 24);
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("north region (i-1)"), "{s}");
    assert!(flat.contains("0 OTP events received"), "{s}");
}

#[test]
fn the_payload_view_scrolls_like_a_dialog_and_r_says_what_it_does_now() {
    let mut app = otp_app();
    arrive(&mut app, event("e-1", 1, "123456"));
    app.update(key(KeyCode::Enter));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("code masked: r reveals it"), "{s}");
    assert!(s.contains("below"), "a sign that more is below: {s}");
    assert!(!s.contains("123456"));
    // G goes to the end, g back to the top (as in every dialog).
    app.update(key(KeyCode::Char('G')));
    let max = app.otp.detail_max.get();
    assert!(max > 0);
    assert_eq!(app.otp.detail_scroll, max);
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("0 below"), "{s}");
    app.update(key(KeyCode::Char('g')));
    assert_eq!(app.otp.detail_scroll, 0);
    app.update(key(KeyCode::PageDown));
    assert_eq!(app.otp.detail_scroll, 10.min(max));
    app.update(key(KeyCode::PageUp));
    assert_eq!(app.otp.detail_scroll, 0);
    // Revealed: the title and the keys say r hides it.
    app.update(key(KeyCode::Char('r')));
    let s = screen(&mut app, 80, 24);
    assert!(s.contains("code shown: r hides it"), "{s}");
    assert!(s.contains("r hide the code"), "{s}");
    assert!(s.contains("123456"), "{s}");
    assert_eq!(bind(&app, "r").label, "hide");
}
