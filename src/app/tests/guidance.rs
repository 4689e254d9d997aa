//! Nothing stale, read-only shows only what works, and the guidance lines.

use super::approvals_fixture::scanned;
use super::*;

fn draw(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(Input::Resize(w, h)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
    t.draw(|f| view::draw(app, f)).expect("draw");
    t.backend().to_string()
}

#[test]
fn the_quit_dialog_lists_what_is_in_flight_now() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Down));
    a.update(key(KeyCode::Enter));
    a.update(key(KeyCode::Char('y')));
    let (op, _) = calls(&mut a).remove(0);
    a.update(key(KeyCode::Char('q')));
    let d = &a.sh.confirm.as_ref().expect("asks").dialog;
    assert!(d.items().iter().any(|i| i.contains("saving settings")), "{d:?}");
    a.update(Msg::Done(op, Ok(Reply::Settings(settings(true, true)))));
    let d = &a.sh.confirm.as_ref().expect("still open").dialog;
    assert!(d.items().is_empty(), "the finished save is gone: {d:?}");
    assert!(d.enter_confirms(), "nothing to lose: Enter quits");
    assert!(d.consequence.as_deref().unwrap_or_default().contains("Nothing is in flight"));
    a.update(key(KeyCode::Enter));
    assert!(a.quit);
}

#[test]
fn a_failed_load_shows_its_error_and_the_retry_key_instead_of_loading() {
    let mut a = App::new(t0(), Theme { color: false }, false, true);
    a.update(Msg::Connected(info()));
    for (op, call) in calls(&mut a) {
        let r = match call {
            Call::LoadSettings => {
                Err(ApiError::Http { status: 401, errors: vec![], body: "unauthorized".into() })
            }
            Call::LoadProfiles => Ok(Reply::Profiles(vec![])),
            _ => Ok(Reply::Integrations(vec![])),
        };
        a.update(Msg::Done(op, r));
    }
    let text = draw(&mut a, 120, 36);
    assert!(!text.contains("loading…"), "{text}");
    assert!(text.contains("401") && text.contains("retries"), "{text}");
    // The retry works and the error goes with it.
    a.update(key(KeyCode::Char('r')));
    for (op, call) in calls(&mut a) {
        let r = match call {
            Call::LoadSettings => Reply::Settings(settings(true, false)),
            Call::LoadProfiles => Reply::Profiles(vec![email_profile()]),
            _ => Reply::Integrations(vec![]),
        };
        a.update(Msg::Done(op, Ok(r)));
    }
    assert!(a.sh.data.settings_error.is_none());
    let text = draw(&mut a, 120, 36);
    assert!(!text.contains("retries"), "{text}");
}

#[test]
fn read_only_offers_no_fix_or_create_keys_in_the_text_either() {
    let mut a = loaded_app(true);
    let text = draw(&mut a, 120, 36);
    assert!(!text.contains("[o] fix") && !text.contains("press n"), "{text}");
    a.update(key(KeyCode::Char('4')));
    let text = draw(&mut a, 120, 36);
    assert!(!text.contains("press i"), "{text}");
}

#[test]
fn the_stepper_counts_pending_members_and_marks_them() {
    let mut a = scanned(&[1, 2, 3], &[]);
    assert_eq!(a.pending(), Some(3));
    assert_eq!(a.step_status(PanelId::Approvals), StepStatus::Attention);
    let text = draw(&mut a, 120, 36);
    assert!(text.contains("3 Approvals (3) !"), "{text}");
    assert!(text.contains("! needs attention"), "the marks are explained: {text}");
}

#[test]
fn the_next_line_follows_the_flow() {
    let mut a = App::new(t0(), Theme { color: false }, false, false);
    a.update(Msg::Connected(ConnInfo { sandbox: false, ..info() }));
    answer_loads(&mut a, settings(false, false), vec![email_profile()]);
    let next = a.next_hint().unwrap_or_default();
    assert!(next.starts_with("Next: fix"), "{next}");
    let mut a = loaded_app(false);
    a.sh.connection = Connection::Connected(ConnInfo { sandbox: false, ..info() });
    // Readiness still lacks OTP in this fixture: fix first.
    let next = a.next_hint().unwrap_or_default();
    assert!(next.contains("fix"), "{next}");
    // Ctrl-T hides it.
    a.update(ctrl('t'));
    assert_eq!(a.next_hint(), None);
    a.update(ctrl('t'));
    assert!(a.next_hint().is_some());
}

#[test]
fn in_the_sandbox_the_hints_are_a_tour_that_never_takes_a_key() {
    let mut a = loaded_app(false);
    let hint = a.next_hint().unwrap_or_default();
    assert!(hint.starts_with("Tour:") && hint.contains("Ctrl-T"), "{hint}");
    // Every key still does what it did: 2 goes to Sign up.
    a.update(key(KeyCode::Char('2')));
    assert_eq!(a.focus, PanelId::Signup);
}

#[test]
fn help_is_complete_and_scrolls_at_80x24() {
    let mut a = scanned(&[1, 2], &[]);
    a.update(key(KeyCode::Char('?')));
    assert_eq!(a.overlay, Some(Overlay::Help));
    let text: String = view::help_lines(&a, 80)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect();
    for needle in ["u ", "g/G", "Ctrl-S", "e ", "F1", "Alt-1", "✓", "!", "·", "Esc", "y "] {
        assert!(text.contains(needle), "help lacks {needle:?}\n{text}");
    }
    let top = draw(&mut a, 80, 24);
    assert!(top.contains("scroll"), "{top}");
    a.update(key(KeyCode::End));
    let bottom = draw(&mut a, 80, 24);
    assert_ne!(top, bottom, "End scrolls help");
    assert!(bottom.contains("not visited"), "the stepper marks at the end: {bottom}");
    a.update(key(KeyCode::Esc));
    assert_eq!(a.overlay, None);
}

#[test]
fn below_the_minimum_size_keys_never_reach_a_hidden_dialog() {
    let mut a = scanned(&[1], &[]);
    a.update(key(KeyCode::Char('x')));
    assert!(matches!(a.approvals.view, crate::panels::approvals::View::Reject(_)));
    let text = draw(&mut a, 50, 12);
    assert!(text.contains("Terminal too small"), "{text}");
    for k in [KeyCode::Char('y'), KeyCode::Enter, KeyCode::Esc, KeyCode::Char('n')] {
        a.update(key(k));
    }
    a.update(Msg::Input(Input::Paste("y".into())));
    assert!(calls(&mut a).is_empty(), "nothing hidden is confirmed");
    let text = draw(&mut a, 80, 24);
    assert!(matches!(a.approvals.view, crate::panels::approvals::View::Reject(_)), "{text}");
    // Back at a usable size the dialog answers again.
    a.update(key(KeyCode::Char('y')));
    assert_eq!(calls(&mut a).len(), 1);
}

#[test]
fn below_the_minimum_size_q_refuses_while_a_dialog_is_open_and_ctrl_c_quits() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Down));
    a.update(key(KeyCode::Enter));
    assert!(a.sh.confirm.is_some(), "a confirm dialog is open");
    let text = draw(&mut a, 50, 12);
    assert!(text.contains("A dialog is open"), "{text}");
    a.update(key(KeyCode::Char('q')));
    a.update(key(KeyCode::Char('y')));
    assert!(!a.quit && a.sh.confirm.is_some() && calls(&mut a).is_empty());
    a.update(ctrl('c'));
    assert!(a.quit);
    // With no dialog, q quits as usual (nothing in flight).
    let mut a = loaded_app(false);
    draw(&mut a, 50, 12);
    a.update(key(KeyCode::Char('3')));
    assert_eq!(a.focus, PanelId::Settings, "panel keys are swallowed");
    a.update(key(KeyCode::Char('q')));
    assert!(a.quit);
}

#[test]
fn while_the_scan_runs_approvals_claims_no_count_and_no_check_mark() {
    use crate::panels::approvals::{ApCall, ApProgress, ApReply};
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Char('3')));
    let (op, call) = calls(&mut a).remove(0);
    assert!(matches!(call, Call::Approvals(ApCall::Scan { .. })));
    a.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: vec![],
            with_membership: vec![],
            gone: vec![],
            failed: vec![],
        }),
    ));
    assert_eq!(a.step_status(PanelId::Approvals), StepStatus::Working);
    let text = draw(&mut a, 120, 36);
    assert!(text.contains("3 Approvals (0…) …"), "{text}");
    assert!(!text.contains("Approvals (0) ✓"), "{text}");
    a.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: 0, checked: 0, complete: true })),
    ));
    let text = draw(&mut a, 120, 36);
    assert!(text.contains("3 Approvals (0) ✓"), "done: {text}");
}

#[test]
fn the_hint_names_its_panel_elsewhere_and_gives_way_to_toasts_and_overlays() {
    let mut a = loaded_app(false);
    // Readiness lacks OTP in this fixture: the step is on Settings.
    let here = a.next_hint().unwrap_or_default();
    assert!(here.starts_with("Tour: the key beside"), "{here}");
    a.update(key(KeyCode::Char('2')));
    let there = a.next_hint().unwrap_or_default();
    assert!(there.starts_with("Tour: 1 Settings — "), "{there}");
    let last = |text: &str, from_end: usize| {
        text.lines().rev().nth(from_end).unwrap_or_default().to_owned()
    };
    let status = last(&draw(&mut a, 80, 24), 1);
    assert!(status.contains("Tour: 1 Settings"), "{status}");
    // A toast shows alone, never beside a cut hint.
    a.sh.toast("integration ready: OTP events point at the listener");
    let status = last(&draw(&mut a, 80, 24), 1);
    assert!(!status.contains("Tour") && !status.contains('…'), "{status}");
    assert!(status.contains("integration ready"), "{status}");
    a.sh.toasts.clear();
    // An overlay hides it.
    a.update(key(KeyCode::Char('?')));
    let status = last(&draw(&mut a, 80, 24), 1);
    assert!(!status.contains("Tour"), "{status}");
}

#[test]
fn read_only_signup_panel_offers_only_the_log_in_check() {
    let mut app = loaded_app(true);
    app.update(key(KeyCode::Char('2')));
    assert_eq!(app.signup.mode, Mode::LogIn, "read-only opens on the log-in check");
    let km = app.panel(app.focus).keymap(&app.sh);
    let all: Vec<(&str, &str)> = km.binds.iter().map(|b| (b.keys, b.label)).collect();
    let footer: Vec<&str> = km.footer().iter().map(|b| b.keys).collect();
    for k in ["Ctrl-B", "Ctrl-L", "Ctrl-E", "l"] {
        assert!(!footer.contains(&k), "{k} offered read-only: {footer:?}");
        let b = km.binds.iter().find(|b| b.keys == k);
        assert!(b.is_none_or(|b| b.off.is_some()), "{k} enabled read-only: {b:?}");
    }
    assert!(all.iter().all(|(_, l)| !l.contains("sign up")), "{all:?}");
    // No way back to the sign-up form.
    app.update(ctrl('l'));
    app.update(key(KeyCode::Char('l')));
    assert_eq!(app.signup.mode, Mode::LogIn);
    assert!(app.sh.toasts.iter().any(|t| t.text.contains("sign-ups are disabled")));
    // The log-in check itself works (a token request).
    app.update(key(KeyCode::Enter));
    type_str(&mut app, "ann@example.com");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "correct-horse");
    app.update(ctrl('s'));
    let sent = calls(&mut app);
    assert!(matches!(sent.as_slice(), [(_, Call::Login(_))]), "{sent:?}");
    let km = app.panel(app.focus).keymap(&app.sh);
    assert!(km.footer().iter().all(|b| b.keys != "Ctrl-B"));
}

#[test]
fn signup_results_are_a_list_newest_first_each_labelled() {
    use crate::panels::signup::{EMAIL, NAME, Outcome};
    let mut app = loaded_app(false);
    fill_valid_signup(&mut app);
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Done(
        op,
        Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some("m-1".into()) })),
    ));
    // A second member, refused by the store with a long message.
    app.update(key(KeyCode::Enter));
    type_str(&mut app, "Ben Wyatt");
    app.update(key(KeyCode::Down));
    type_str(&mut app, "ben@example.com");
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    type_str(&mut app, "ice-town-1");
    app.update(ctrl('s'));
    let (op, _) = calls(&mut app).remove(0);
    let detail = "the password profile refuses this sign-up because the realm is locked \
                  for maintenance until the administrator unlocks it again";
    app.update(Msg::Done(op, Err(http_error(422, None, detail))));
    let r = &app.signup.results;
    assert_eq!(r.len(), 2, "{r:?}");
    assert!(!r[0].is_ok() && r[0].username() == "ben@example.com", "newest first: {r:?}");
    assert!(r[1].is_ok() && r[1].username() == "ann@example.com");
    match &r[0] {
        Outcome::Failed { error, .. } => assert!(error.contains(detail), "full text: {error}"),
        other => panic!("{other:?}"),
    }
    assert!(app.signup.newest_ok().is_none(), "no success shown as the newest");
    assert_eq!(app.signup.last_ok().and_then(|x| x.member_id.as_deref()), Some("m-1"));
    assert_eq!(app.signup.form.value(NAME), "Ben Wyatt", "the failed form is kept");
    assert_eq!(app.signup.form.value(EMAIL), "ben@example.com");
    // On screen: the failure in full, then the earlier success on one line.
    // (Narrow layout: the result pane spans the screen, so wrapped text joins up.)
    let text = draw(&mut app, 90, 40);
    let flat: String =
        text.replace(['│', '"'], " ").split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("failed sign-up of ben@example.com"), "{text}");
    assert!(flat.contains("locked for maintenance until the administrator"), "{text}");
    assert!(flat.contains("ok ann@example.com · pending approval"), "{text}");
    assert!(
        flat.find("ben@example.com").unwrap_or(usize::MAX)
            < flat.find("ok ann@example.com").unwrap_or(0)
    );
}

/// All of the open dialog's text at a size, scrolled from top to bottom: its
/// columns only (not the panel beside it), every frame's rows joined, so a
/// wrapped sentence reads whole and nothing the dialog holds can be missed.
fn dialog_text_scrolled(app: &mut App, w: u16, h: u16) -> String {
    let mut all = String::new();
    for _ in 0..200 {
        app.update(Msg::Input(Input::Resize(w, h)));
        let mut term =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).expect("term");
        term.draw(|f| view::draw(app, f)).expect("draw");
        let Some(c) = &app.sh.confirm else { break };
        let dw = c.dialog.width_for(w);
        let x0 = (w - dw) / 2 + 1;
        let buf = term.backend().buffer();
        for y in 0..h {
            for x in x0..x0 + dw.saturating_sub(2) {
                all.push_str(buf[(x, y)].symbol());
            }
            all.push('\n');
        }
        let max = c.dialog.max_scroll(app.screen(), &app.sh.theme);
        if c.dialog.scroll >= max {
            break;
        }
        app.update(key(KeyCode::Down));
    }
    all.replace(['│', '"'], " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn w_shows_every_readiness_item_whole_and_its_fix_keys_work_from_there() {
    let mut a = loaded_app(false);
    let km = a.panel(a.focus).keymap(&a.sh);
    assert!(km.footer().iter().any(|b| b.keys == "w"), "w is offered");
    let help: String = view::help_lines(&a, 80)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect();
    assert!(help.contains("every readiness item whole"), "{help}");
    a.update(key(KeyCode::Char('w')));
    let c = a.sh.confirm.clone().expect("the readiness dialog");
    assert!(matches!(&c.action, ConfirmAction::Read { pass } if pass.contains(&'o')));
    let r = a.sh.readiness().cloned().expect("readiness");
    let text = dialog_text_scrolled(&mut a, 80, 24);
    for item in &r.items {
        assert!(text.contains(item.title), "{} missing: {text}", item.title);
        for m in &item.missing {
            assert!(text.contains(m.as_str()), "reason {m:?} missing: {text}");
        }
    }
    assert!(text.contains("o fixes it"), "{text}");
    assert!(text.contains("Esc close"), "{text}");
    // Still open after scrolling; `o` closes it and opens the OTP fix.
    a.update(key(KeyCode::Char('o')));
    let c = a.sh.confirm.clone().expect("the fix's confirmation");
    assert!(matches!(c.action, ConfirmAction::Calls(PanelId::Settings, _)), "{c:?}");
    assert!(!c.dialog.requests().is_empty());
    a.update(key(KeyCode::Esc));
    assert!(a.sh.confirm.is_none());
    // Esc closes it and nothing runs.
    a.update(key(KeyCode::Char('w')));
    a.update(key(KeyCode::Enter));
    assert!(a.sh.confirm.is_none() && calls(&mut a).is_empty());
}

#[test]
fn read_only_readiness_dialog_offers_no_fix() {
    let mut a = loaded_app(true);
    a.update(key(KeyCode::Char('w')));
    let c = a.sh.confirm.clone().expect("the readiness dialog");
    assert!(matches!(&c.action, ConfirmAction::Read { pass } if pass.is_empty()));
    assert!(c.dialog.key_row().iter().all(|(_, l)| l != "fix"), "{c:?}");
    let text = dialog_text_scrolled(&mut a, 80, 24);
    assert!(text.contains("needs a store admin"), "{text}");
    a.update(key(KeyCode::Char('o')));
    assert!(a.sh.confirm.is_some(), "o is no key of this dialog: it stays");
    assert!(calls(&mut a).is_empty());
}

/// Signs up `n` members, each refused with a long error except the first.
fn signed_up(n: usize) -> App {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('2')));
    for i in 0..n {
        if i > 0 {
            app.update(key(KeyCode::Char('c')));
        }
        app.update(key(KeyCode::Enter));
        type_str(&mut app, &format!("Member {i}"));
        app.update(key(KeyCode::Down));
        type_str(&mut app, &format!("member.number.{i}@example.com"));
        app.update(key(KeyCode::Down));
        app.update(key(KeyCode::Down));
        type_str(&mut app, "long-enough-1");
        app.update(ctrl('s'));
        let (op, _) = calls(&mut app).remove(0);
        let r = if i == 0 {
            Ok(Reply::Tokens(AmTokens { tokens: vec![], account_member_id: Some("m-0".into()) }))
        } else {
            Err(http_error(
                422,
                None,
                &format!("sign-up {i} refused: the realm is locked for maintenance until the end"),
            ))
        };
        app.update(Msg::Done(op, r));
        app.sh.toasts.clear();
    }
    app
}

#[test]
fn w_reads_every_signup_result_whole_when_the_pane_cuts_them() {
    let mut a = signed_up(5);
    assert_eq!(a.signup.results.len(), 5);
    let pane = draw(&mut a, 80, 24);
    assert!(pane.contains("w shows every result whole"), "the cut says so: {pane}");
    let km = a.panel(a.focus).keymap(&a.sh);
    assert!(km.binds.iter().any(|b| b.keys == "w" && b.off.is_none()));
    a.update(key(KeyCode::Char('w')));
    assert!(matches!(
        a.sh.confirm,
        Some(crate::ui::PendingConfirm { action: ConfirmAction::Read { .. }, .. })
    ));
    let text = dialog_text_scrolled(&mut a, 80, 24);
    for i in 1..5 {
        assert!(
            text.contains(&format!(
                "sign-up {i} refused: the realm is locked for maintenance until the end"
            )),
            "result {i} whole: {text}"
        );
    }
    assert!(text.contains("member.number.0@example.com") && text.contains("m-0"), "{text}");
    assert!(text.contains("PENDING APPROVAL"), "{text}");
    a.update(key(KeyCode::Esc));
    assert!(a.sh.confirm.is_none());
}

#[test]
fn w_on_sign_up_says_why_when_there_is_nothing_yet() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Char('2')));
    a.update(key(KeyCode::Char('w')));
    assert!(a.sh.confirm.is_none());
    assert!(a.sh.toasts.back().is_some_and(|t| t.text.contains("no results yet")));
}

#[test]
fn the_sandbox_tour_shows_by_itself_once_and_ctrl_t_brings_it_back() {
    // First start: shown, and the caller is told to record it.
    let mut a = loaded_app(false);
    assert!(a.start_tour(false));
    assert!(a.next_hint().is_some_and(|h| h.starts_with("Tour:")));
    // A later start: hidden until Ctrl-T.
    let mut a = loaded_app(false);
    assert!(!a.start_tour(true));
    assert_eq!(a.next_hint(), None);
    a.update(ctrl('t'));
    assert!(a.next_hint().is_some_and(|h| h.starts_with("Tour:")), "Ctrl-T shows it again");
    let help: String = view::help_lines(&a, 80)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect::<String>() + "\n")
        .collect();
    assert!(help.contains("first start only"), "help says how to see it again: {help}");
    // A real store has no tour: its Next: line is not affected.
    let mut a = App::new(t0(), Theme { color: false }, false, false);
    a.update(Msg::Connected(ConnInfo { sandbox: false, ..info() }));
    answer_loads(&mut a, settings(false, false), vec![email_profile()]);
    assert!(!a.start_tour(true));
    assert!(a.next_hint().is_some_and(|h| h.starts_with("Next:")));
}

#[test]
fn help_keys_never_run_into_their_text_on_any_panel() {
    let mut a = scanned(&[1, 2], &[]);
    for panel in ['1', '2', '3', '4', '5'] {
        a.update(key(KeyCode::Char(panel)));
        let _ = calls(&mut a);
        for w in [80, 120] {
            for l in view::help_lines(&a, w) {
                // A key column and its text: a space always between them.
                if let [k, text] = &l.spans[..] {
                    assert!(
                        k.content.ends_with(' ') || text.content.is_empty(),
                        "panel {panel} at {w}: {:?}{:?}",
                        k.content,
                        text.content
                    );
                }
            }
        }
    }
    // The Members card's long list of scroll keys gets a row of its own.
    let lines: Vec<String> = view::help_lines(&a, 80)
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect();
    let long = lines.iter().position(|l| l.trim_start().starts_with("PgUp/PgDn/g/Home"));
    assert!(long.is_none_or(|i| lines[i].trim() == "PgUp/PgDn/g/Home"), "{lines:#?}");
}

#[test]
fn a_key_list_longer_than_the_column_gets_its_own_row() {
    let mut lines = Vec::new();
    let style = ratatui::style::Style::default();
    view::help_row(&mut lines, "PgUp/PgDn/g/Home", "page/top", style, 16, 80);
    let text: Vec<String> =
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect();
    assert_eq!(text, ["  PgUp/PgDn/g/Home", "                  page/top"]);
    // A short one keeps its column.
    lines.clear();
    view::help_row(&mut lines, "j/k", "move", style, 16, 80);
    let text: String = lines[0].spans.iter().map(|s| s.content.as_ref()).collect();
    assert_eq!(text, format!("  {:<16}move", "j/k"));
}

#[test]
fn the_stepper_shows_all_five_steps_at_the_minimum_size() {
    let many: Vec<usize> = (1..=37).collect();
    let mut a = scanned(&many, &[]);
    for panel in ['1', '3', '4', '5'] {
        a.update(key(KeyCode::Char(panel)));
        let _ = calls(&mut a);
        let screen = draw(&mut a, 60, 16);
        let stepper = screen.lines().nth(1).unwrap_or_default().to_owned();
        for n in ["1 ", "2 ", "3 ", "4 ", "5 "] {
            assert!(stepper.contains(n), "panel {panel}: step {n:?} missing: {stepper}");
        }
        assert!(stepper.contains("(37)"), "{stepper}");
    }
    // The focused step keeps its name when it fits.
    let screen = draw(&mut a, 60, 16);
    assert!(screen.lines().nth(1).unwrap_or_default().contains("5 Members"), "{screen}");
}
