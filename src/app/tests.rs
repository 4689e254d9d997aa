//! Pure state tests: messages in, state and effects out.

use chrono::TimeZone;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::api::{
    AccountAuthSettings, AmToken, AmTokens, ApiError, ErrorObject, PasswordProfile, SelfManagement,
    UsernameFormat,
};
use crate::panels::signup::{Mode, S_EMAIL, S_NAME, S_PASSWORD, S_USERNAME};

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
    assert_eq!(app.visited, [true, true, true, true]);
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
    assert_eq!(c.dialog.calls, vec!["PUT /v2/settings/account-authentication".to_owned()]);
    assert!(c.dialog.changes[0].contains("true → false"));
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
    assert_eq!(c.dialog.calls.len(), 2);
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
    assert!(app.signup.editing());
    type_str(&mut app, "Ann Perkins");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "ann-at-example");
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    type_str(&mut app, "short");
    app.update(ctrl('s'));
    assert!(calls(&mut app).is_empty(), "invalid form is not sent");
    assert_eq!(app.signup.fields[S_EMAIL].error.as_deref(), Some("not an e-mail address"));
    assert_eq!(app.signup.fields[S_PASSWORD].error.as_deref(), Some("at least 8 characters"));
    assert_eq!(app.signup.fields[S_NAME].value(), "Ann Perkins");
    assert_eq!(app.signup.row, S_USERNAME.min(S_EMAIL), "focus jumps to the first bad field");
}

fn fill_valid_signup(app: &mut App) {
    app.update(key(KeyCode::Char('2')));
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
    assert_eq!(app.signup.fields[S_USERNAME].value(), "ann@example.com", "mirrors the email");
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
    let res = app.signup.result.clone().expect("result");
    assert!(res.tokens.is_empty());
    assert_eq!(res.member_id.as_deref(), Some("m-1"));
    assert_eq!(app.signup.login[0].value(), "ann@example.com", "log-in check prefilled");
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
    assert_eq!(app.signup.result.as_ref().map(|r| r.tokens.len()), Some(1));
    assert!(!app.signup.reveal_tokens);
}

#[test]
fn failed_signup_keeps_the_form_and_maps_the_error_to_its_field() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(op, Err(http_error(409, None, "username already exists"))));
    assert!(app.signup.fields[S_USERNAME].error.as_deref().unwrap_or("").contains("already"));
    assert_eq!(app.signup.fields[S_NAME].value(), "Ann Perkins");
    assert_eq!(app.signup.fields[S_PASSWORD].value(), "correct-horse");
    // An error naming no field becomes one clear line.
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(op, Err(http_error(403, None, "self sign-up is disabled"))));
    assert!(app.signup.error.as_deref().unwrap_or("").contains("disabled"));
}

#[test]
fn login_check_reports_accounts_or_reason() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    app.update(ctrl('l'));
    assert_eq!(app.signup.mode, Mode::LogIn);
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
    assert_eq!(app.signup.fields[S_NAME].value(), "TomHaverford");
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

mod approvals {
    use super::*;
    use crate::api::AccountMember;
    use crate::panels::approvals::{ApCall, ApProgress, ApReply, RowOutcome, RowStatus, Target};

    fn member(i: usize) -> AccountMember {
        AccountMember {
            id: format!("m-{i}"),
            name: format!("Member {i}"),
            email: format!("m{i}@x.co"),
            meta: crate::api::ResourceMeta {
                created_at: Some(format!("2026-11-{:02}T10:00:00Z", i)),
                ..Default::default()
            },
            ..Default::default()
        }
    }

    /// Opens the panel, answers the scan with `pending` members; returns the app.
    fn scanned(pending: &[usize], with: &[usize]) -> App {
        let mut app = loaded_app(false);
        app.update(key(KeyCode::Char('3')));
        let (op, call) = calls(&mut app).remove(0);
        assert!(matches!(call, Call::Approvals(ApCall::Scan { .. })));
        app.update(Msg::Progress(
            op,
            Progress::Approvals(ApProgress::Checked {
                pending: pending.iter().map(|i| member(*i)).collect(),
                with_membership: with.iter().map(|i| format!("m-{i}")).collect(),
                gone: vec![],
                failed: 0,
            }),
        ));
        app.update(Msg::Done(
            op,
            Ok(Reply::Approvals(ApReply::Scanned { listed: 0, checked: 0, complete: true })),
        ));
        app
    }

    #[test]
    fn scan_lists_pending_newest_first_and_caches_what_it_saw() {
        let app = scanned(&[1, 3, 2], &[4, 5]);
        let ids: Vec<&str> = app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
        assert_eq!(ids, ["m-3", "m-2", "m-1"]);
        assert_eq!(app.approvals.seen.len(), 5);
        assert_eq!(app.approvals.pending_count(), 3);
    }

    #[test]
    fn refresh_skips_members_already_seen() {
        let mut app = scanned(&[1], &[2, 3]);
        app.update(key(KeyCode::Char('r')));
        let (_, call) = calls(&mut app).remove(0);
        match call {
            Call::Approvals(ApCall::Scan { known, full, .. }) => {
                assert!(!full && known.complete);
                assert_eq!(known.approved.len(), 2);
                assert_eq!(known.pending.len(), 1, "pending members are verified again");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn full_rescan_clears_the_cache() {
        let mut app = scanned(&[1], &[2, 3]);
        app.update(key(KeyCode::Char('R')));
        match calls(&mut app).remove(0).1 {
            Call::Approvals(ApCall::Scan { known, full, .. }) => {
                assert!(full && !known.complete);
                assert!(known.approved.is_empty());
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn approve_one_into_a_new_account_with_an_editable_name() {
        let mut app = scanned(&[1], &[]);
        app.update(key(KeyCode::Char('a')));
        for _ in 0.."Member 1".len() {
            app.update(key(KeyCode::Backspace));
        }
        type_str(&mut app, "Pawnee Parks");
        app.update(key(KeyCode::Down));
        app.update(key(KeyCode::Down));
        app.update(key(KeyCode::Enter));
        assert!(app.sh.confirm.is_some());
        app.update(key(KeyCode::Char('y')));
        let (op, call) = calls(&mut app).remove(0);
        match call {
            Call::Approvals(ApCall::Approve { items, .. }) => {
                assert_eq!(items.len(), 1);
                assert_eq!(
                    items[0].target,
                    Target::NewAccount {
                        name: "Pawnee Parks".into(),
                        legal_name: "Member 1".into()
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(app.approvals.rows[0].status, RowStatus::Working);
        app.update(Msg::Progress(
            op,
            Progress::Approvals(ApProgress::Row {
                member_id: "m-1".into(),
                outcome: RowOutcome::Approved {
                    account_id: "a".into(),
                    account_name: "Pawnee Parks".into(),
                },
            }),
        ));
        app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
        assert_eq!(app.approvals.pending_count(), 0);
        // The member leaves the queue at the next refresh.
        app.update(key(KeyCode::Char('r')));
        assert!(app.approvals.rows.is_empty());
    }

    #[test]
    fn bulk_into_new_accounts_then_retry_failed_reuses_created_accounts() {
        let mut app = scanned(&[1, 2, 3], &[]);
        app.update(key(KeyCode::Char('*')));
        assert_eq!(app.approvals.marked.len(), 3);
        app.update(key(KeyCode::Char('a')));
        app.update(key(KeyCode::Char('y')));
        let (op, call) = calls(&mut app).remove(0);
        let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
        assert_eq!(items.len(), 3);
        let outcomes = [
            ("m-1", RowOutcome::Approved { account_id: "a1".into(), account_name: "M1".into() }),
            ("m-2", RowOutcome::AlreadyMember { account_id: "a2".into() }),
            (
                "m-3",
                RowOutcome::Failed {
                    reason: "503".into(),
                    account_id: Some(("a3".into(), "M3".into())),
                },
            ),
        ];
        for (id, o) in outcomes {
            app.update(Msg::Progress(
                op,
                Progress::Approvals(ApProgress::Row { member_id: id.into(), outcome: o }),
            ));
        }
        app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
        assert_eq!(app.approvals.pending_count(), 1);
        app.update(key(KeyCode::Char('f')));
        let (_, call) = calls(&mut app).remove(0);
        let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
        assert_eq!(items.len(), 1);
        assert_eq!(
            items[0].target,
            Target::Existing { account_id: "a3".into(), account_name: "M3".into() },
            "the account created before the failure is reused"
        );
    }

    #[test]
    fn stopping_a_bulk_run_keeps_done_work_and_reports_late_results() {
        let mut app = scanned(&[1, 2, 3], &[]);
        app.update(key(KeyCode::Char('*')));
        app.update(key(KeyCode::Char('a')));
        app.update(key(KeyCode::Char('y')));
        let (op, _) = calls(&mut app).remove(0);
        let row = |id: &str| {
            Progress::Approvals(ApProgress::Row {
                member_id: id.into(),
                outcome: RowOutcome::Approved { account_id: "a".into(), account_name: "A".into() },
            })
        };
        app.update(Msg::Progress(op, row("m-1")));
        app.update(key(KeyCode::Esc));
        assert!(app.take_effects().contains(&Effect::Stop(op)), "a cooperative stop");
        // A member already started finishes and is reported, not lost.
        assert!(app.update(Msg::Progress(op, row("m-2"))));
        app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
        let status = |id: &str| {
            app.approvals.rows.iter().find(|r| r.member.id == id).map(|r| r.status.clone())
        };
        assert!(matches!(status("m-1"), Some(RowStatus::Approved { .. })));
        assert!(matches!(status("m-2"), Some(RowStatus::Approved { .. })));
        assert_eq!(status("m-3"), Some(RowStatus::Cancelled));
        // Retry takes only the member never started.
        app.update(key(KeyCode::Char('f')));
        let (_, call) = calls(&mut app).remove(0);
        let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].member_id, "m-3");
    }

    #[test]
    fn approved_or_running_rows_are_not_approved_again() {
        let mut app = scanned(&[1, 2], &[]);
        app.update(key(KeyCode::Char('a')));
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Char('y')));
        let (op, _) = calls(&mut app).remove(0);
        // While the run goes on, no second run starts.
        app.update(key(KeyCode::Char('a')));
        assert!(
            app.sh.confirm.is_none()
                && matches!(app.approvals.view, crate::panels::approvals::View::List)
        );
        app.update(Msg::Progress(
            op,
            Progress::Approvals(ApProgress::Row {
                member_id: "m-2".into(),
                outcome: RowOutcome::Approved { account_id: "a".into(), account_name: "A".into() },
            }),
        ));
        app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
        // The approved row is still listed until the next refresh: `a` and `x` refuse it.
        assert_eq!(app.approvals.selected_row().map(|r| r.member.id.as_str()), Some("m-2"));
        for k in ['a', 'x'] {
            app.update(key(KeyCode::Char(k)));
            assert!(app.sh.confirm.is_none(), "{k} on an approved row");
        }
        assert!(calls(&mut app).is_empty());
    }

    #[test]
    fn leaving_during_a_scan_lets_the_next_visit_scan_again() {
        let mut app = loaded_app(false);
        app.update(key(KeyCode::Char('3')));
        let (op, _) = calls(&mut app).remove(0);
        app.update(key(KeyCode::Char('1')));
        assert!(app.take_effects().contains(&Effect::Cancel(op)));
        app.update(key(KeyCode::Char('3')));
        let sent = calls(&mut app);
        assert!(matches!(sent.first(), Some((_, Call::Approvals(ApCall::Scan { .. })))));
        assert!(!app.update(Msg::Done(
            op,
            Ok(Reply::Approvals(ApReply::Scanned { listed: 0, checked: 0, complete: true }))
        )));
    }

    #[test]
    fn details_show_only_the_member_asked_for_last() {
        let mut app = scanned(&[1, 2], &[]);
        app.update(key(KeyCode::Enter));
        let (first, _) = calls(&mut app).remove(0);
        app.update(key(KeyCode::Esc));
        app.update(key(KeyCode::Down));
        app.update(key(KeyCode::Enter));
        let (second, _) = calls(&mut app).remove(0);
        let details = |id: &str| {
            Ok(Reply::Approvals(ApReply::Details(Box::new(
                crate::panels::approvals::MemberDetails {
                    member_id: id.into(),
                    info: None,
                    credentials: vec![],
                    memberships: vec![],
                    errors: vec![],
                    bi: None,
                },
            ))))
        };
        app.update(Msg::Done(first, details("m-2")));
        assert!(matches!(&app.approvals.view, crate::panels::approvals::View::Details(_, None)));
        app.update(Msg::Done(second, details("m-1")));
        assert!(matches!(&app.approvals.view,
            crate::panels::approvals::View::Details(_, Some(d)) if d.member_id == "m-1"));
    }

    #[test]
    fn several_into_one_existing_account_through_the_picker() {
        let mut app = scanned(&[1, 2, 3], &[]);
        app.update(key(KeyCode::Char(' ')));
        app.update(key(KeyCode::Char(' ')));
        assert_eq!(app.approvals.marked.len(), 2);
        app.update(key(KeyCode::Char('e')));
        let (op, call) = calls(&mut app).remove(0);
        assert_eq!(call, Call::Approvals(ApCall::LoadAccounts));
        let acc = |id: &str, name: &str| crate::api::Account {
            id: id.into(),
            name: name.into(),
            ..Default::default()
        };
        app.update(Msg::Done(
            op,
            Ok(Reply::Approvals(ApReply::Accounts(vec![
                acc("a-1", "Pawnee Parks"),
                acc("a-2", "Eagleton Parks"),
            ]))),
        ));
        type_str(&mut app, "eagle");
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Char('y')));
        let (_, call) = calls(&mut app).remove(0);
        let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
        assert_eq!(items.len(), 2);
        assert!(items.iter().all(|i| i.target
            == Target::Existing {
                account_id: "a-2".into(),
                account_name: "Eagleton Parks".into()
            }));
    }

    #[test]
    fn reject_asks_and_says_it_cannot_be_undone() {
        let mut app = scanned(&[1], &[]);
        app.update(key(KeyCode::Char('x')));
        let c = app.sh.confirm.clone().expect("confirm");
        assert!(c.dialog.warning.unwrap_or_default().contains("cannot be undone"));
        assert!(c.dialog.changes[0].contains("m1@x.co"));
        app.update(key(KeyCode::Char('y')));
        let (op, call) = calls(&mut app).remove(0);
        assert!(matches!(call, Call::Approvals(ApCall::Reject { .. })));
        app.update(Msg::Done(
            op,
            Ok(Reply::Approvals(ApReply::Rejected { member_id: "m-1".into() })),
        ));
        assert!(app.approvals.rows.is_empty());
    }

    #[test]
    fn filter_narrows_the_queue() {
        let mut app = scanned(&[1, 2, 12], &[]);
        app.update(key(KeyCode::Char('/')));
        type_str(&mut app, "m1");
        assert_eq!(app.approvals.visible.len(), 2);
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Char('*')));
        assert_eq!(app.approvals.marked.len(), 2, "mark all matching the filter");
    }

    #[test]
    fn read_only_shows_the_queue_but_no_writes() {
        let mut app = loaded_app(true);
        app.update(key(KeyCode::Char('3')));
        let _ = calls(&mut app);
        app.approvals
            .rows
            .push(crate::panels::approvals::Row { member: member(1), status: RowStatus::Pending });
        app.approvals.refilter();
        for k in ['a', 'e', 'x'] {
            app.update(key(KeyCode::Char(k)));
        }
        assert!(app.sh.confirm.is_none());
        assert!(calls(&mut app).is_empty());
    }
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
    let res = app.signup.result.clone().expect("result");
    assert_eq!(res.username, "ann@example.com");
    assert_eq!(res.name, "Ann Perkins");
    assert_eq!(app.signup.fields[S_NAME].value(), "Ann PerkinsX", "what was typed since stays");
}

#[test]
fn q_on_the_profile_row_of_a_focused_form_does_not_quit() {
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(key(KeyCode::Enter)); // password → profile row
    app.update(key(KeyCode::Char('q')));
    assert!(!app.quit);
    app.update(key(KeyCode::Char('c')));
    assert_eq!(app.signup.fields[S_NAME].value(), "Ann Perkins", "c is not a command here");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('q')));
    assert!(app.quit);
}

mod otp {
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
}
