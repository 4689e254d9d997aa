//! The keymap tables: every key a table offers does something, the footer
//! keeps primary actions when narrow, global keys work while typing, Esc
//! closes the innermost thing first, errors and toasts behave.

use super::approvals_fixture::scanned;
use super::*;
use crate::panels::approvals::{ApCall, ApProgress, ApReply};
use crate::ui::keymap::fit_footer;

fn alt(c: char) -> Msg {
    Msg::key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT))
}

/// States worth checking, each built fresh: (what, app).
type MakeApp = Box<dyn Fn() -> App>;

fn states() -> Vec<(&'static str, MakeApp)> {
    vec![
        ("settings", Box::new(|| loaded_app(false))),
        (
            "settings on a profile",
            Box::new(|| {
                let mut a = loaded_app(false);
                for _ in 0..3 {
                    a.update(key(KeyCode::Down));
                }
                a
            }),
        ),
        ("settings read-only", Box::new(|| loaded_app(true))),
        ("approvals", Box::new(|| scanned(&[1, 2, 3], &[]))),
        (
            "approvals marked",
            Box::new(|| {
                let mut a = scanned(&[1, 2, 3], &[]);
                a.update(key(KeyCode::Char(' ')));
                a
            }),
        ),
        (
            "otp",
            Box::new(|| {
                let mut a = loaded_app(false);
                a.update(key(KeyCode::Char('4')));
                a
            }),
        ),
    ]
}

/// The footer cannot lie: every enabled key of every table is handled by
/// the panel it is offered on (and a disabled one says why).
#[test]
fn every_key_a_table_offers_is_handled() {
    for (what, make) in states() {
        let app = make();
        let km = app.panel(app.focus).keymap(&app.sh);
        assert!(!km.binds.is_empty(), "{what}: empty keymap");
        for b in &km.binds {
            for ev in b.examples() {
                let mut a = make();
                let focus = a.focus;
                if let Some(why) = b.off {
                    a.update(Msg::key(ev));
                    assert!(
                        a.sh.toasts.iter().any(|t| t.text == why),
                        "{what}: {} is off but says nothing",
                        b.keys
                    );
                    continue;
                }
                let (panel, sh) = a.split(focus);
                assert!(
                    panel.on_key(ev, sh),
                    "{what}: {} ({}) offered but not handled",
                    b.keys,
                    b.label
                );
            }
        }
    }
}

/// A key no table offers does nothing on the panel (here: `z` on Approvals).
#[test]
fn keys_outside_the_table_do_not_reach_the_panel() {
    let mut a = scanned(&[1, 2], &[]);
    let before = a.approvals.list.cursor();
    a.update(key(KeyCode::Char('z')));
    assert_eq!(a.approvals.list.cursor(), before);
    assert!(calls(&mut a).is_empty());
}

#[test]
fn a_narrow_footer_keeps_the_panels_main_actions() {
    let a = scanned(&[1, 2], &[]);
    let panel = a.panel(a.focus).keymap(&a.sh);
    let global = keys::global_keymap(false);
    let mut all = panel.footer();
    all.extend(global.footer());
    let fit: Vec<&str> = fit_footer(&all, 80).iter().map(|b| b.keys).collect();
    for k in ["a", "e", "x"] {
        assert!(fit.contains(&k), "{k} missing from {fit:?}");
    }
    assert_eq!(fit.first(), Some(&"a"), "primary first: {fit:?}");
    assert!(fit.contains(&"?"), "help is the way to the keys left out: {fit:?}");
    // Wide: the global keys come back.
    let wide: Vec<&str> = fit_footer(&all, 200).iter().map(|b| b.keys).collect();
    assert!(wide.contains(&"q") && wide.contains(&"?"), "{wide:?}");
}

#[test]
fn read_only_footer_offers_no_writes() {
    let mut a = loaded_app(true);
    a.update(key(KeyCode::Char('3')));
    let km = a.panel(a.focus).keymap(&a.sh);
    let shown: Vec<&str> = km.footer().iter().map(|b| b.keys).collect();
    for k in ["a", "e", "x", "f"] {
        assert!(!shown.contains(&k), "{k} offered read-only: {shown:?}");
    }
}

#[test]
fn f1_and_alt_digits_work_while_typing() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Char('3')));
    a.update(key(KeyCode::Char('/')));
    assert!(a.editing(), "the filter line takes text");
    a.update(key(KeyCode::Char('3')));
    assert_eq!(a.focus, PanelId::Approvals, "3 is text while typing");
    assert_eq!(a.approvals.list.filter_text(), "3");
    a.update(Msg::key(KeyEvent::new(KeyCode::F(1), KeyModifiers::NONE)));
    assert_eq!(a.overlay, Some(Overlay::Help));
    a.update(key(KeyCode::Esc));
    assert_eq!(a.overlay, None);
    a.update(alt('1'));
    assert_eq!(a.focus, PanelId::Settings);
}

#[test]
fn esc_stops_a_running_job_before_it_dismisses_the_error_line() {
    let mut a = scanned(&[1, 2, 3], &[]);
    a.update(key(KeyCode::Char('*')));
    a.update(key(KeyCode::Char('a')));
    a.update(key(KeyCode::Char('y')));
    let (op, _) = calls(&mut a).remove(0);
    a.sh.error = Some("an older failure".into());
    a.update(key(KeyCode::Esc));
    let effects = a.take_effects();
    assert!(effects.contains(&Effect::Stop(op)), "the first Esc stops the run: {effects:?}");
    assert!(a.sh.error.is_some(), "the error line waits for the next Esc");
    a.update(key(KeyCode::Esc));
    assert!(a.sh.error.is_none());
}

#[test]
fn a_sticky_error_clears_when_the_same_operation_succeeds() {
    let mut a = scanned(&[1], &[]);
    a.update(key(KeyCode::Char('r')));
    let (op, _) = calls(&mut a).remove(0);
    a.update(Msg::Done(op, Err(http_error(503, None, "try later"))));
    assert!(a.sh.error.is_some(), "a failed scan shows an error");
    // And a failed scan, then a good one: cleared by itself.
    a.update(key(KeyCode::Char('r')));
    let (op, _) = calls(&mut a).remove(0);
    a.update(Msg::Done(op, Err(http_error(503, None, "try later"))));
    assert!(a.sh.error.is_some());
    a.update(key(KeyCode::Char('r')));
    let (op, _) = calls(&mut a).remove(0);
    a.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: vec![],
            with_membership: vec![],
            gone: vec![],
            failed: vec![],
        }),
    ));
    a.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: 1, checked: 0, complete: true })),
    ));
    assert!(a.sh.error.is_none(), "the same operation worked: {:?}", a.sh.error);
}

#[test]
fn a_success_of_another_kind_leaves_the_error_line() {
    let mut a = loaded_app(false);
    a.update(key(KeyCode::Char('r')));
    let c = calls(&mut a);
    let (settings_op, _) = c.iter().find(|(_, c)| *c == Call::LoadSettings).cloned().expect("load");
    let (profiles_op, _) = c.iter().find(|(_, c)| *c == Call::LoadProfiles).cloned().expect("load");
    a.update(Msg::Done(settings_op, Err(http_error(403, None, "no access"))));
    let e = a.sh.error.clone().unwrap_or_default();
    assert!(e.starts_with("Settings · "), "it says which panel it is about: {e}");
    // It stays on other panels, still saying where it came from.
    a.update(key(KeyCode::Char('2')));
    assert_eq!(a.sh.error.as_deref(), Some(e.as_str()));
    a.update(Msg::Done(profiles_op, Ok(Reply::Profiles(vec![email_profile()]))));
    assert!(a.sh.error.is_some(), "profiles loading says nothing about settings");
}

#[test]
fn call_kinds_name_the_operation_without_its_arguments() {
    assert_eq!(Call::LoadSettings.kind(), "LoadSettings");
    assert_eq!(Call::DeleteProfile("p-1".into()).kind(), "DeleteProfile");
    assert_eq!(Call::DeleteProfile("p-2".into()).kind(), Call::DeleteProfile("p-1".into()).kind());
    let scan =
        Call::Approvals(ApCall::Scan { known: Default::default(), full: false, concurrency: 1 });
    let reject = Call::Approvals(ApCall::Reject { member_id: "m".into(), name: "n".into() });
    assert_ne!(scan.kind(), reject.kind());
}

#[test]
fn toasts_show_one_at_a_time() {
    let mut a = loaded_app(false);
    a.sh.toast("first");
    a.sh.toast_error("second");
    assert_eq!(a.sh.toasts.len(), 1);
    assert_eq!(a.sh.toasts.back().map(|t| t.text.as_str()), Some("second"));
}
