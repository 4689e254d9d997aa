//! Pure state tests: messages in, state and effects out.

use chrono::TimeZone;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::api::{
    AccountAuthSettings, AmToken, AmTokens, ApiError, ErrorObject, PasswordProfile, SelfManagement,
    UsernameFormat,
};
use crate::panels::signup::{EMAIL, Mode, NAME, PASSWORD, USERNAME};
use crate::ui::{ConnInfo, Progress};

mod approvals;
mod guidance;
mod keymap;
mod members;
mod otp;

/// The Approvals fixtures, shared with the keymap tests.
use approvals as approvals_fixture;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).single().unwrap_or_default()
}

fn key(code: KeyCode) -> Msg {
    Msg::key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn ctrl(c: char) -> Msg {
    Msg::key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

fn info() -> ConnInfo {
    ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:9".into(),
        host: "127.0.0.1:9".into(),
        profile: "sandbox".into(),
        bi: true,
    }
}

pub fn settings(signup: bool, auto: bool) -> AccountAuthSettings {
    AccountAuthSettings {
        id: "s1".into(),
        enable_self_signup: signup,
        auto_create_account_for_account_members: auto,
        account_member_self_management: SelfManagement::Disabled,
        ..Default::default()
    }
}

pub fn email_profile() -> PasswordProfile {
    PasswordProfile {
        id: "p-email".into(),
        name: "Email".into(),
        username_format: UsernameFormat::Email,
        enable_one_time_password_token: false,
        ..Default::default()
    }
}

/// Answers every pending call the way a loaded store would.
fn answer_loads(app: &mut App, s: AccountAuthSettings, profiles: Vec<PasswordProfile>) {
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(s.clone()),
                Call::LoadProfiles => Reply::Profiles(profiles.clone()),
                Call::LoadIntegrations => Reply::Integrations(vec![]),
                // A real store's queue cache: none on file.
                Call::Approvals(crate::ui::ops::approvals::ApCall::LoadCache) => {
                    Reply::Approvals(crate::ui::ops::approvals::ApReply::CacheLoaded(None))
                }
                other => panic!("unexpected call {other:?}"),
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
}

fn loaded_app(read_only: bool) -> App {
    let mut app = App::new(t0(), Theme { color: false }, read_only, true);
    app.update(Msg::Connected(info()));
    answer_loads(&mut app, settings(true, false), vec![email_profile()]);
    app
}

fn calls(app: &mut App) -> Vec<(OpId, Call)> {
    app.take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Call(op, c) => Some((op, c)),
            _ => None,
        })
        .collect()
}

fn type_str(app: &mut App, s: &str) {
    for c in s.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

fn http_error(status: u16, source: Option<&str>, detail: &str) -> ApiError {
    ApiError::Http {
        status,
        errors: vec![ErrorObject {
            status: Some(status),
            title: "Error".into(),
            detail: Some(detail.into()),
            source: source.map(str::to_owned),
            request_id: None,
        }],
        body: String::new(),
    }
}

#[test]
fn connecting_loads_store_data() {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    assert!(app.needs_tick(), "the connecting spinner animates");
    app.update(Msg::Connected(info()));
    let c: Vec<Call> = calls(&mut app).into_iter().map(|(_, c)| c).collect();
    assert_eq!(c, vec![Call::LoadSettings, Call::LoadProfiles, Call::LoadIntegrations]);
}

#[test]
fn idle_app_needs_no_tick() {
    let app = loaded_app(false);
    assert!(!app.needs_tick());
}

#[test]
fn navigation_with_tab_digits_and_backtab() {
    let mut app = loaded_app(false);
    assert_eq!(app.focus, PanelId::Settings);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus, PanelId::Signup);
    app.update(key(KeyCode::Esc)); // stop typing in the form
    app.update(key(KeyCode::Char('4')));
    assert_eq!(app.focus, PanelId::Otp);
    app.update(key(KeyCode::BackTab));
    assert_eq!(app.focus, PanelId::Approvals);
    assert_eq!(app.visited.len(), 4, "Members not visited yet");
    app.update(key(KeyCode::Char('5')));
    assert_eq!(app.focus, PanelId::Members);
    assert_eq!(app.visited.len(), PanelId::ALL.len());
    app.update(key(KeyCode::Char('1')));
    assert_eq!(app.focus, PanelId::Settings);
    assert_eq!(app.step_status(PanelId::Settings), StepStatus::Attention);
}

#[test]
fn stale_results_are_dropped() {
    let mut app = loaded_app(false);
    assert!(!app.update(Msg::Done(9999, Ok(Reply::Deleted))));
}

#[test]
fn toggling_a_setting_asks_first_and_names_the_call() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Enter)); // row 0: enable_self_signup
    let c = app.sh.confirm.clone().expect("confirmation");
    assert_eq!(c.dialog.requests(), vec!["PUT /v2/settings/account-authentication"]);
    assert!(c.dialog.items()[0].contains("true → false"));
    assert!(calls(&mut app).is_empty(), "nothing sent before confirmation");
    app.update(key(KeyCode::Char('y')));
    let sent = calls(&mut app);
    assert_eq!(sent.len(), 1);
    match &sent[0].1 {
        Call::SaveSettings(u) => {
            assert_eq!(u.enable_self_signup, Some(false));
            assert_eq!(u.auto_create_account_for_account_members, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn cancelled_confirmation_sends_nothing() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    assert!(app.sh.confirm.is_some());
    app.update(key(KeyCode::Esc));
    assert!(app.sh.confirm.is_none());
    assert!(calls(&mut app).is_empty());
}

#[test]
fn readiness_fix_for_self_signup_on_an_empty_store() {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(info()));
    answer_loads(&mut app, settings(false, false), vec![]);
    let r = app.sh.readiness().expect("readiness");
    assert!(r.get(crate::readiness::ItemId::SelfSignup).is_some_and(|i| !i.ready));
    app.update(key(KeyCode::Char('s')));
    let c = app.sh.confirm.clone().expect("confirmation");
    assert_eq!(c.dialog.requests().len(), 2);
    app.update(key(KeyCode::Char('y')));
    let sent: Vec<Call> = calls(&mut app).into_iter().map(|(_, c)| c).collect();
    assert!(matches!(&sent[0], Call::SaveSettings(u) if u.enable_self_signup == Some(true)));
    assert!(
        matches!(&sent[1], Call::CreateProfile(p) if p.username_format == UsernameFormat::Email)
    );
}

#[test]
fn read_only_mode_offers_no_writes() {
    let mut app = loaded_app(true);
    app.update(key(KeyCode::Enter));
    assert!(app.sh.confirm.is_none());
    assert!(calls(&mut app).is_empty());
    assert!(app.sh.toasts.iter().any(|t| t.text.contains("read-only")));
}

#[test]
fn signup_validates_before_sending_and_keeps_input() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    assert!(!app.signup.editing(), "arriving on a panel never starts typing");
    app.update(key(KeyCode::Enter));
    assert!(app.signup.editing());
    type_str(&mut app, "Ann Perkins");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "ann-at-example");
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    type_str(&mut app, "short");
    app.update(ctrl('s'));
    assert!(calls(&mut app).is_empty(), "invalid form is not sent");
    let err = |k: &str| app.signup.form.field(k).and_then(|f| f.input.error.clone());
    assert_eq!(err(EMAIL).as_deref(), Some("not an e-mail address"));
    assert_eq!(err(PASSWORD).as_deref(), Some("at least 8 characters"));
    assert_eq!(app.signup.form.value(NAME), "Ann Perkins");
    assert_eq!(app.signup.form.focused_key(), Some(EMAIL), "focus jumps to the first bad field");
    assert!(app.signup.editing(), "typing there to fix it");
}

fn fill_valid_signup(app: &mut App) {
    app.update(key(KeyCode::Char('2')));
    app.update(key(KeyCode::Enter));
    type_str(app, "Ann Perkins");
    app.update(key(KeyCode::Down));
    type_str(app, "Ann@Example.com");
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    type_str(app, "correct-horse");
}

#[test]
fn signup_sends_self_signup_with_lowercased_username() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    assert_eq!(app.signup.form.value(USERNAME), "ann@example.com", "mirrors the email");
    app.update(ctrl('s'));
    let sent = calls(&mut app);
    assert_eq!(sent.len(), 1);
    let (op, call) = &sent[0];
    match call {
        Call::SelfSignup(r) => {
            assert_eq!(r.username, "ann@example.com");
            assert_eq!(r.email, "Ann@Example.com");
            assert_eq!(r.profile_id, "p-email");
            assert_eq!(r.password.expose(), "correct-horse");
        }
        other => panic!("{other:?}"),
    }
    // No account: pending approval.
    app.update(Msg::Done(
        *op,
        Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some("m-1".into()) })),
    ));
    let res = app.signup.last_ok().cloned().expect("result");
    assert!(res.tokens.is_empty());
    assert_eq!(res.member_id.as_deref(), Some("m-1"));
    assert_eq!(app.signup.login.value(USERNAME), "ann@example.com", "log-in check prefilled");
    // A new empty form in command mode: the result's "(3)" works at once.
    assert_eq!(app.signup.form.value(NAME), "");
    assert!(!app.signup.editing());
    app.update(key(KeyCode::Char('3')));
    assert_eq!(app.focus, PanelId::Approvals);
}

#[test]
fn signup_with_auto_create_shows_masked_tokens() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    let token = AmToken {
        account_id: "a-1".into(),
        account_name: "Ann Perkins".into(),
        token: "eyJ.secret.token".into(),
        expires: "2026-11-26T12:00:00Z".into(),
    };
    app.update(Msg::Done(
        op,
        Ok(Reply::Tokens(AmTokens { tokens: vec![token], account_member_id: None })),
    ));
    assert_eq!(app.signup.last_ok().map(|r| r.tokens.len()), Some(1));
    assert!(!app.signup.reveal_tokens);
}

#[test]
fn failed_signup_keeps_the_form_and_maps_the_error_to_its_field() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(op, Err(http_error(409, None, "username already exists"))));
    let err = app.signup.form.field(USERNAME).and_then(|f| f.input.error.clone());
    assert!(err.unwrap_or_default().contains("already"));
    assert_eq!(app.signup.form.value(NAME), "Ann Perkins");
    assert_eq!(app.signup.form.value(PASSWORD), "correct-horse");
    assert!(!app.signup.editing(), "a late server error does not turn keys into text");
    // An error naming no field becomes one clear line.
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(op, Err(http_error(403, None, "self sign-up is disabled"))));
    assert!(app.signup.form.error.as_deref().unwrap_or("").contains("disabled"));
}

#[test]
fn a_username_error_goes_when_the_email_it_follows_is_fixed() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    app.update(key(KeyCode::Enter));
    type_str(&mut app, "Ann Perkins");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "not-an-email");
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    type_str(&mut app, "correct-horse");
    app.update(ctrl('s'));
    let error = |app: &App, k: &str| app.signup.form.field(k).and_then(|f| f.input.error.clone());
    assert!(error(&app, USERNAME).is_some_and(|e| e.contains("e-mail as username")));
    assert!(error(&app, EMAIL).is_some());
    // Fix the e-mail: the username follows it, and neither keeps its error.
    assert_eq!(app.signup.form.focused_key(), Some(EMAIL), "the first error is focused");
    assert!(app.signup.editing());
    for _ in 0.."not-an-email".len() {
        app.update(key(KeyCode::Backspace));
    }
    type_str(&mut app, "ann@perkins.test");
    assert_eq!(app.signup.form.value(USERNAME), "ann@perkins.test");
    assert_eq!(error(&app, EMAIL), None);
    assert_eq!(error(&app, USERNAME), None, "stale: the username changed with the e-mail");
}

#[test]
fn login_check_reports_accounts_or_reason() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    app.update(ctrl('l'));
    assert_eq!(app.signup.mode, Mode::LogIn);
    app.update(key(KeyCode::Enter));
    type_str(&mut app, "ann@example.com");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "wrong-password");
    app.update(ctrl('s'));
    let (op, call) = calls(&mut app).remove(0);
    assert!(matches!(call, Call::Login(_)));
    app.update(Msg::Done(op, Err(http_error(401, None, "invalid credentials"))));
    assert!(matches!(
        &app.signup.login_result,
        Some(crate::panels::signup::LoginResult::Refused { reason, .. }) if reason.contains("invalid")
    ));
}

#[test]
fn quit_asks_while_writes_are_in_flight() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let _ = calls(&mut app);
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit);
    assert!(app.sh.confirm.is_some());
    app.update(key(KeyCode::Char('y')));
    assert!(app.quit);
}

#[test]
fn quit_at_once_when_idle_and_ctrl_c_always() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    app.update(ctrl('c'));
    assert!(app.quit);
}

#[test]
fn paste_goes_into_the_focused_field_without_newlines() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    app.update(Msg::Input(crate::tui::Input::Paste("Tom\nHaverford\r\n".into())));
    assert_eq!(app.signup.form.value(NAME), "TomHaverford");
}

#[test]
fn help_and_log_overlays_open_and_close() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('?')));
    assert_eq!(app.overlay, Some(Overlay::Help));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.overlay, None);
    app.update(key(KeyCode::Char('L')));
    assert_eq!(app.overlay, Some(Overlay::Log));
    app.update(key(KeyCode::Char('q')));
    assert_eq!(app.overlay, None);
    assert!(!app.quit, "q closes the overlay first");
}

#[test]
fn sticky_error_until_dismissed() {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(info()));
    let sent = calls(&mut app);
    app.update(Msg::Done(sent[0].0, Err(http_error(500, None, "boom"))));
    assert!(app.sh.error.as_deref().unwrap_or("").contains("boom"));
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(30)));
    assert!(app.sh.error.is_some(), "sticky across ticks");
    app.update(key(KeyCode::Esc));
    assert!(app.sh.error.is_none());
}

#[test]
fn tick_only_while_something_visible_moves() {
    use std::time::Duration;
    let mut app = loaded_app(false);
    assert_eq!(app.tick_interval(), None, "idle: no wake-ups");
    app.sh.toast("saved");
    assert_eq!(app.tick_interval(), Some(Duration::from_secs(1)), "a toast expires");
    app.update(Msg::Tick(t0() + chrono::Duration::seconds(10)));
    assert_eq!(app.tick_interval(), None, "the toast is gone");
    app.update(key(KeyCode::Char('r')));
    assert_eq!(app.tick_interval(), Some(Duration::from_millis(250)), "spinner while loading");
}

#[test]
fn a_signup_result_describes_what_was_sent_not_what_is_typed_since() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    // The next member is typed while the first call runs (slow store).
    app.update(key(KeyCode::Char('i')));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    type_str(&mut app, "X");
    app.update(ctrl('l'));
    assert_eq!(app.signup.mode, Mode::SignUp, "no mode switch while a call runs");
    app.update(Msg::Done(
        op,
        Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some("m-1".into()) })),
    ));
    let res = app.signup.last_ok().cloned().expect("result");
    assert_eq!(res.username, "ann@example.com");
    assert_eq!(res.name, "Ann Perkins");
    assert_eq!(app.signup.form.value(NAME), "Ann PerkinsX", "what was typed since stays");
}

#[test]
fn q_on_the_profile_row_of_a_focused_form_does_not_quit() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(key(KeyCode::Enter)); // password → profile row
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit);
    app.update(key(KeyCode::Char('c')));
    assert_eq!(app.signup.form.value(NAME), "Ann Perkins", "c is not a command here");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
}

/// A loaded store with the OTP listener running (so the live queue is an item).
fn listening_app() -> App {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(info()));
    app.update(Msg::ListenerStarted(Ok("http://127.0.0.1:8787/webhooks/otp".into())));
    answer_loads(&mut app, settings(true, false), vec![email_profile()]);
    app
}

#[test]
fn every_unmet_readiness_fix_key_is_in_the_settings_footer() {
    let app = listening_app();
    let r = app.sh.readiness().expect("loaded");
    let live = r.get(crate::readiness::ItemId::LiveQueue).expect("listening: an item");
    assert!(!live.ready, "no integration: the live queue is unmet");
    let km = app.settings.keymap(&app.sh);
    let footer: Vec<&str> = km.footer().iter().map(|b| b.keys).collect();
    for item in r.items.iter().filter(|i| !i.ready) {
        let k = crate::panels::settings::fix_key_of(item.id).to_string();
        assert!(footer.contains(&k.as_str()), "{} fix key {k} not offered: {footer:?}", item.title);
    }
    // In help too, met or not.
    for k in ["s", "a", "o", "l"] {
        assert!(km.binds.iter().any(|b| b.keys == k && !b.help.is_empty()), "{k} in help");
    }
}

#[test]
fn a_new_profile_is_named_apart_and_a_taken_name_is_warned_not_blocked() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('n')));
    let form = app.settings.form.as_ref().expect("form open");
    assert_eq!(form.form.value(crate::panels::settings::P_NAME), "Email 2");
    assert!(form.form.field(crate::panels::settings::P_NAME).is_some_and(|f| f.note.is_none()));
    // Type the taken name: a warning under the field, and saving still goes.
    app.update(key(KeyCode::Enter));
    type_str(&mut app, "Email");
    let form = app.settings.form.as_ref().expect("form open");
    let note = form.form.field(crate::panels::settings::P_NAME).and_then(|f| f.note.clone());
    assert!(note.is_some_and(|n| n.contains("p-email")), "warned, naming the other's id");
    app.update(ctrl('s'));
    assert!(calls(&mut app).iter().any(|(_, c)| matches!(c, Call::CreateProfile(_))));
}

#[test]
fn the_profile_delete_dialog_names_name_id_and_the_cascade() {
    let mut app = loaded_app(false);
    for _ in 0..3 {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Char('d')));
    let d = &app.sh.confirm.as_ref().expect("asks").dialog;
    let c = d.consequence.as_deref().unwrap_or_default();
    assert!(c.contains("every credential"), "{c}");
    let items = d.items().join("\n");
    assert!(items.contains("\"Email\"") && items.contains("p-email"), "{items}");
    assert!(d.title.contains("\"Email\"") && d.title.contains("p-email"), "{}", d.title);
}

#[test]
fn the_profile_edit_dialog_lists_its_changes() {
    let mut app = loaded_app(false);
    for _ in 0..3 {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Char('e')));
    let form = app.settings.form.as_ref().expect("form open");
    assert!(form.changes().is_empty());
    // To the OTP choice, one step: off → on (the fixture's profile has it off).
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Right));
    let form = app.settings.form.as_ref().expect("form open");
    assert_eq!(form.changes(), vec!["OTP tokens: off → on".to_owned()]);
}

#[test]
fn the_tour_leaves_sign_up_on_a_successful_sign_up_not_on_filling_the_form() {
    let url = "http://127.0.0.1:8787/webhooks/otp";
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(info()));
    app.update(Msg::ListenerStarted(Ok(url.into())));
    let integration: crate::api::Integration = serde_json::from_value(serde_json::json!({
        "id": "i-1", "type": "integration", "name": "onboard", "enabled": true,
        "integration_type": "webhook", "observes": crate::readiness::console_events(),
        "configuration": {"url": url}
    }))
    .expect("integration fixture");
    let mut s = settings(true, false);
    s.account_member_self_management = SelfManagement::UpdateOnly;
    let profile = PasswordProfile { enable_one_time_password_token: true, ..email_profile() };
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(s.clone()),
                Call::LoadProfiles => Reply::Profiles(vec![profile.clone()]),
                Call::LoadIntegrations => Reply::Integrations(vec![integration.clone()]),
                _ => continue,
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
    assert!(app.sh.readiness().is_some_and(|r| r.all_ready()), "the fixture is a ready store");
    let hint = |app: &App| app.next_hint().unwrap_or_default();
    fill_valid_signup(&mut app);
    assert!(hint(&app).contains("sign up a test member"), "still filling: {}", hint(&app));
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(
        op,
        Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some("m-1".into()) })),
    ));
    assert!(hint(&app).contains("3 Approvals"), "signed up: {}", hint(&app));
}
