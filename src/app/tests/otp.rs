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
