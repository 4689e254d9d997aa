//! Approvals panel flows through `App::update`.

use super::*;
use crate::api::AccountMember;
use crate::panels::approvals::{ApCall, ApProgress, ApReply, RowOutcome, RowStatus, Target};

pub(super) fn member(i: usize) -> AccountMember {
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
pub(super) fn scanned(pending: &[usize], with: &[usize]) -> App {
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
            failed: vec![],
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
    // The pre-filled name is selected: typing replaces it, and the legal
    // name follows it until edited.
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "Pawnee Parks");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('y')));
    let (op, call) = calls(&mut app).remove(0);
    match call {
        Call::Approvals(ApCall::Approve { items, .. }) => {
            assert_eq!(items.len(), 1);
            assert_eq!(
                items[0].target,
                Target::NewAccount {
                    name: "Pawnee Parks".into(),
                    legal_name: "Pawnee Parks".into()
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
    assert_eq!(app.approvals.list.mark_count(), 3);
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
    assert!(calls(&mut app).is_empty(), "f asks first");
    assert!(
        matches!(app.approvals.view, crate::panels::approvals::View::Retry(ref d) if d.items.len() == 1)
    );
    app.update(key(KeyCode::Char('y')));
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
    let status =
        |id: &str| app.approvals.rows.iter().find(|r| r.member.id == id).map(|r| r.status.clone());
    assert!(matches!(status("m-1"), Some(RowStatus::Approved { .. })));
    assert!(matches!(status("m-2"), Some(RowStatus::Approved { .. })));
    assert_eq!(status("m-3"), Some(RowStatus::Cancelled));
    assert_eq!(app.approvals.bulk.as_ref().map(|b| b.skipped), Some(1), "counted as cancelled");
    // Retry takes failed members only: a cancelled one is marked again by the user.
    app.update(key(KeyCode::Char('f')));
    assert!(calls(&mut app).is_empty());
    assert!(matches!(app.approvals.view, crate::panels::approvals::View::List));
    app.update(key(KeyCode::Char('*')));
    assert_eq!(app.approvals.list.mark_count(), 1, "only the open member can be marked");
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    let (_, call) = calls(&mut app).remove(0);
    let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].member_id, "m-3");
}

#[test]
fn approved_or_running_rows_are_not_approved_again() {
    let mut app = scanned(&[1, 2], &[]);
    app.update(key(KeyCode::Char('a')));
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
        assert!(
            matches!(app.approvals.view, crate::panels::approvals::View::List),
            "{k} on an approved row"
        );
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
        Ok(Reply::Approvals(ApReply::Details(Box::new(crate::panels::approvals::MemberDetails {
            member_id: id.into(),
            info: Err("HTTP 503".into()),
            credentials: Ok(vec![]),
            memberships: Ok(vec![]),
            bi: Ok(None),
        }))))
    };
    app.update(Msg::Done(first, details("m-2")));
    assert!(matches!(&app.approvals.view, crate::panels::approvals::View::Details(_, None)));
    app.update(Msg::Done(second, details("m-1")));
    assert!(matches!(&app.approvals.view,
        crate::panels::approvals::View::Details(_, Some(d)) if d.member_id == "m-1"));
}

#[test]
fn a_failed_details_read_says_so_instead_of_none_and_r_reads_again() {
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Enter));
    let (op, call) = calls(&mut app).remove(0);
    let Call::Approvals(ApCall::Details { member_id }) = call else { panic!("{call:?}") };
    let keymap = app.approvals.keymap(&app.sh);
    let r = keymap.binds.iter().find(|b| b.keys == "r").expect("r listed");
    assert!(r.off.is_some(), "nothing to read again while loading");
    let d = crate::panels::approvals::MemberDetails {
        member_id: member_id.clone(),
        info: Ok(Default::default()),
        credentials: Err("HTTP 503 Service Unavailable".into()),
        memberships: Err("HTTP 503 Service Unavailable".into()),
        bi: Ok(None),
    };
    app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Details(Box::new(d))))));
    app.update(Msg::Input(Input::Resize(80, 24)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("term");
    t.draw(|f| view::draw(&app, f)).expect("draw");
    let screen = t.backend().to_string();
    assert!(!screen.contains("none"), "a failed read is not \"none\":\n{screen}");
    assert_eq!(screen.matches("could not read: HTTP 503").count(), 2, "{screen}");
    assert!(screen.contains("r retries"), "{screen}");
    let keymap = app.approvals.keymap(&app.sh);
    let r = keymap.binds.iter().find(|b| b.keys == "r").expect("r listed");
    assert_eq!((r.off, r.label), (None, "retry the failed reads"));
    app.update(key(KeyCode::Char('r')));
    let again = calls(&mut app);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0].1, Call::Approvals(ApCall::Details { member_id }));
    assert!(matches!(&app.approvals.view, crate::panels::approvals::View::Details(_, None)));
}

#[test]
fn several_into_one_existing_account_through_the_picker() {
    let mut app = scanned(&[1, 2, 3], &[]);
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Char(' ')));
    assert_eq!(app.approvals.list.mark_count(), 2);
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
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "eagle");
    app.update(key(KeyCode::Enter));
    assert!(calls(&mut app).is_empty(), "choosing asks first, in the same dialog");
    app.update(key(KeyCode::Char('y')));
    let (_, call) = calls(&mut app).remove(0);
    let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!() };
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|i| i.target
        == Target::Existing { account_id: "a-2".into(), account_name: "Eagleton Parks".into() }));
}

#[test]
fn reject_asks_and_says_it_cannot_be_undone() {
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Char('x')));
    let crate::panels::approvals::View::Reject(d) = &app.approvals.view else { panic!() };
    let c = crate::panels::approvals::view::reject_dialog(&app.approvals, &d.ids);
    assert!(c.is_destructive());
    assert!(c.consequence.clone().unwrap_or_default().contains("cannot be undone"));
    assert!(c.items()[0].contains("m1@x.co"));
    app.update(key(KeyCode::Enter));
    assert!(calls(&mut app).is_empty(), "Enter does not confirm a destructive dialog");
    app.update(key(KeyCode::Char('y')));
    let (op, call) = calls(&mut app).remove(0);
    assert!(matches!(call, Call::Approvals(ApCall::Reject { .. })));
    app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Rejected { member_id: "m-1".into() }))));
    assert!(app.approvals.rows.is_empty());
}

#[test]
fn filter_narrows_the_queue() {
    let mut app = scanned(&[1, 2, 12], &[]);
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "m1");
    assert_eq!(app.approvals.list.len(), 2);
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('*')));
    assert_eq!(app.approvals.list.mark_count(), 2, "mark all matching the filter");
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
    assert!(matches!(app.approvals.view, crate::panels::approvals::View::List));
    assert!(calls(&mut app).is_empty());
}

#[test]
fn approve_one_in_two_keys_with_the_defaults() {
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    let (_, call) = calls(&mut app).remove(0);
    let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!("{call:?}") };
    assert_eq!(
        items[0].target,
        Target::NewAccount { name: "Member 1".into(), legal_name: "Member 1".into() }
    );
    // Enter confirms the same way.
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Enter));
    assert_eq!(calls(&mut app).len(), 1);
}

#[test]
fn the_legal_name_follows_the_account_name_until_edited() {
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "Parks");
    app.update(key(KeyCode::Tab));
    app.update(key(KeyCode::End));
    type_str(&mut app, " Inc");
    app.update(key(KeyCode::BackTab));
    type_str(&mut app, "!");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('y')));
    let (_, call) = calls(&mut app).remove(0);
    let Call::Approvals(ApCall::Approve { items, .. }) = call else { panic!("{call:?}") };
    assert_eq!(
        items[0].target,
        Target::NewAccount { name: "Parks!".into(), legal_name: "Parks Inc".into() }
    );
}

#[test]
fn with_marks_reject_acts_on_the_marks_never_on_the_cursor_row() {
    let mut app = scanned(&[1, 2, 3, 4, 5], &[]);
    // Rows newest first: m-5 m-4 m-3 m-2 m-1. Mark m-5 and m-4; the cursor moves on to m-3.
    app.update(key(KeyCode::Char(' ')));
    app.update(key(KeyCode::Char(' ')));
    assert_eq!(app.approvals.selected_row().map(|r| r.member.id.as_str()), Some("m-3"));
    app.update(key(KeyCode::Char('x')));
    let crate::panels::approvals::View::Reject(d) = &app.approvals.view else { panic!() };
    assert_eq!(d.ids, ["m-5", "m-4"]);
    let dialog = crate::panels::approvals::view::reject_dialog(&app.approvals, &d.ids);
    assert!(dialog.title.contains("2 members"));
    assert!(dialog.consequence.clone().unwrap_or_default().starts_with("Deletes these 2 members"));
    app.update(key(KeyCode::Char('y')));
    let sent = calls(&mut app);
    let ids: Vec<String> = sent
        .iter()
        .filter_map(|(_, c)| match c {
            Call::Approvals(ApCall::Reject { member_id, .. }) => Some(member_id.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["m-5", "m-4"], "one call per marked member, none for m-3");
    // Progress: one done, one failed; the failure stays with its full text.
    app.update(Msg::Done(
        sent[0].0,
        Ok(Reply::Approvals(ApReply::Rejected { member_id: "m-5".into() })),
    ));
    let run = app.approvals.reject.clone().expect("run");
    assert_eq!((run.total, run.rejected, run.ops.len()), (2, 1, 1));
    app.update(Msg::Done(
        sent[1].0,
        Err(http_error(403, None, "this role may not delete members")),
    ));
    let m4 = app.approvals.rows.iter().find(|r| r.member.id == "m-4").map(|r| r.status.clone());
    assert!(
        matches!(m4, Some(RowStatus::Failed { reason, .. }) if reason.contains("may not delete"))
    );
    assert!(app.approvals.rows.iter().all(|r| r.member.id != "m-5"));
    assert_eq!(app.approvals.selected_row().map(|r| r.member.id.as_str()), Some("m-3"));
}

#[test]
fn the_cursor_stays_on_its_member_when_rows_above_leave() {
    let mut app = scanned(&[1, 2, 3], &[]);
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Row {
            member_id: "m-3".into(),
            outcome: RowOutcome::Approved { account_id: "a".into(), account_name: "A".into() },
        }),
    ));
    app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
    app.update(key(KeyCode::Down));
    assert_eq!(app.approvals.selected_row().map(|r| r.member.id.as_str()), Some("m-2"));
    // r removes the approved m-3 above the cursor: the cursor stays on m-2.
    app.update(key(KeyCode::Char('r')));
    assert_eq!(app.approvals.rows.len(), 2);
    assert_eq!(app.approvals.selected_row().map(|r| r.member.id.as_str()), Some("m-2"));
}

#[test]
fn a_failed_full_rescan_keeps_the_list() {
    let mut app = scanned(&[1, 2], &[]);
    app.update(key(KeyCode::Char('R')));
    let (op, _) = calls(&mut app).remove(0);
    assert_eq!(app.approvals.rows.len(), 2, "the list stays while the rescan runs");
    app.update(Msg::Done(op, Err(http_error(503, None, "unavailable"))));
    assert_eq!(app.approvals.rows.len(), 2, "and after it failed");
    assert!(app.sh.error.as_deref().unwrap_or("").contains("from before the rescan"));
    // A rescan that succeeds replaces the list with what it found.
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('R')));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: vec![member(2)],
            with_membership: vec!["m-1".into()],
            gone: vec![],
            failed: vec![],
        }),
    ));
    app.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: 2, checked: 2, complete: true })),
    ));
    let ids: Vec<&str> = app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
    assert_eq!(ids, ["m-2"]);
}

#[test]
fn retry_asks_names_the_count_and_takes_failed_only() {
    let mut app = scanned(&[1, 2, 3], &[]);
    app.update(key(KeyCode::Char('*')));
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    let (op, _) = calls(&mut app).remove(0);
    app.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Row {
            member_id: "m-1".into(),
            outcome: RowOutcome::Failed {
                reason: "422: full text of the failure".into(),
                account_id: None,
            },
        }),
    ));
    app.update(key(KeyCode::Esc)); // stop: m-2 and m-3 never start
    app.update(Msg::Done(op, Ok(Reply::Approvals(ApReply::Approved))));
    assert!(app.sh.toasts.iter().any(|t| t.text.contains("0 approved · 1 failed · 2 cancelled")));
    app.update(key(KeyCode::Char('f')));
    let crate::panels::approvals::View::Retry(d) = &app.approvals.view else { panic!() };
    let ids: Vec<&str> = d.items.iter().map(|i| i.member_id.as_str()).collect();
    assert_eq!(ids, ["m-1"]);
    let dialog = crate::panels::approvals::view::retry_dialog(&app.approvals, &d.items);
    assert!(dialog.title.contains("Retry 1 failed approval"));
    // The row keeps the whole failure text.
    let m1 = app.approvals.rows.iter().find(|r| r.member.id == "m-1").expect("row");
    assert!(crate::panels::approvals::view::status_text(m1).contains("full text of the failure"));
}

fn member_event(e: crate::webhook::member_event::MemberEvent) -> Msg {
    Msg::Listener(Box::new(crate::webhook::ListenerEvent::Member(e)))
}

#[test]
fn member_events_keep_the_queue_live_without_a_call() {
    use crate::webhook::member_event::MemberEvent;
    let mut app = scanned(&[1, 2], &[3]);
    // A sign-up: a new row on top, newest first, the cursor stays on its member.
    let keep = app.approvals.selected_row().map(|r| r.member.id.clone());
    app.update(member_event(MemberEvent::MemberCreated {
        id: "m-9".into(),
        name: "Member 9".into(),
        email: "m9@x.co".into(),
        created_at: Some("2026-11-09T10:00:00Z".into()),
    }));
    let ids: Vec<&str> = app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
    assert_eq!(ids, ["m-9", "m-2", "m-1"]);
    assert_eq!(app.approvals.selected_row().map(|r| r.member.id.clone()), keep);
    assert_eq!(app.approvals.pending_count(), 3);
    // The same sign-up delivered again (or a member known approved): nothing.
    app.update(member_event(MemberEvent::MemberCreated {
        id: "m-3".into(),
        name: "Member 3".into(),
        email: "m3@x.co".into(),
        created_at: None,
    }));
    assert_eq!(app.approvals.rows.len(), 3);
    // Approved elsewhere, rejected elsewhere: the rows leave.
    app.update(member_event(MemberEvent::MembershipCreated {
        member_id: "m-9".into(),
        account_id: Some("a".into()),
    }));
    app.update(member_event(MemberEvent::UserDeleted { id: "m-1".into() }));
    let ids: Vec<&str> = app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
    assert_eq!(ids, ["m-2"]);
    // Events arrive in any order: a membership before its member's creation.
    app.update(member_event(MemberEvent::MembershipCreated {
        member_id: "m-7".into(),
        account_id: None,
    }));
    app.update(member_event(MemberEvent::MemberCreated {
        id: "m-7".into(),
        name: "Member 7".into(),
        email: "m7@x.co".into(),
        created_at: None,
    }));
    assert_eq!(app.approvals.rows.len(), 1, "an approved member is not queued");
    // A deleted membership names no member: the header says R re-verifies.
    app.update(member_event(MemberEvent::MembershipDeleted { membership_id: "ms".into() }));
    assert!(app.approvals.membership_deleted);
    assert!(calls(&mut app).is_empty(), "no call for any of it");
}

#[test]
fn long_emails_keep_their_domain_at_80x24() {
    let mut app = loaded_app(false);
    app.update(key(KeyCode::Char('3')));
    let (op, _) = calls(&mut app).remove(0);
    let mut a = member(1);
    a.name = "Grace Hopper".into();
    a.email = "grace.hopper-longaddress@example.com".into();
    let mut b = member(2);
    b.email = "an-extremely-long-local-part-that-never-ends@longdomain.example.org".into();
    app.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: vec![a, b],
            with_membership: vec![],
            gone: vec![],
            failed: vec![],
        }),
    ));
    app.update(Msg::Input(Input::Resize(80, 24)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("term");
    t.draw(|f| view::draw(&app, f)).expect("draw");
    let screen = t.backend().to_string();
    assert!(screen.contains("…@example.com"), "{screen}");
    assert!(screen.contains("…@longdomain"), "{screen}");
}

fn checked(app: &mut App, op: OpId, pending: &[usize], failed: &[usize]) {
    use crate::panels::approvals::CheckFailed;
    app.update(Msg::Progress(
        op,
        Progress::Approvals(ApProgress::Checked {
            pending: pending.iter().map(|i| member(*i)).collect(),
            with_membership: vec![],
            gone: vec![],
            failed: failed
                .iter()
                .map(|i| CheckFailed {
                    member: member(*i),
                    reason: "503 Service Unavailable: the membership store is overloaded".into(),
                })
                .collect(),
        }),
    ));
}

fn scan_known(call: Call) -> crate::panels::approvals::scan::Known {
    match call {
        Call::Approvals(ApCall::Scan { known, .. }) => (*known).clone(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_failed_check_stays_listed_and_r_checks_it_again() {
    let mut app = scanned(&[1], &[]);
    app.update(key(KeyCode::Char('r')));
    let (op, _) = calls(&mut app).remove(0);
    checked(&mut app, op, &[1], &[2]);
    app.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: 2, checked: 2, complete: false })),
    ));
    let row = |app: &App, id: &str| app.approvals.rows.iter().find(|r| r.member.id == id).cloned();
    let r2 = row(&app, "m-2").expect("the member whose check failed is listed");
    assert!(
        matches!(&r2.status, RowStatus::CheckFailed { reason } if reason.contains("overloaded"))
    );
    let text = crate::panels::approvals::view::status_text(&r2);
    assert!(text.starts_with("check failed — r retries"), "{text}");
    assert_eq!(app.approvals.pending_count(), 1, "not counted as pending");
    assert_eq!(app.approvals.check_failed_count(), 1);
    // Not a target of an approval: it may have a membership already.
    let i = app.approvals.rows.iter().position(|r| r.member.id == "m-2").expect("row");
    // Home, then down to the row (bounded: a failing test never hangs).
    app.update(key(KeyCode::Home));
    for _ in 0..i {
        app.update(key(KeyCode::Char('j')));
    }
    assert_eq!(app.approvals.list.cursor_index(), Some(i), "the cursor on m-2");
    app.update(key(KeyCode::Char('a')));
    assert!(matches!(app.approvals.view, crate::panels::approvals::View::List));
    assert!(app.sh.toasts.iter().any(|t| t.text.contains("check failed: r checks it again")));
    // `r` checks it again: never as known approved.
    app.update(key(KeyCode::Char('r')));
    let (op, call) = calls(&mut app).remove(0);
    let known = scan_known(call);
    assert_eq!(known.retry.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(), ["m-2"]);
    assert!(!known.approved.contains("m-2"));
    assert!(known.pending.iter().all(|m| m.id != "m-2"));
    checked(&mut app, op, &[2], &[]);
    assert_eq!(row(&app, "m-2").map(|r| r.status), Some(RowStatus::Pending));
    assert_eq!(app.approvals.pending_count(), 2);
    assert_eq!(app.approvals.check_failed_count(), 0);
}

#[test]
fn a_full_rescan_keeps_members_whose_check_failed() {
    let mut app = scanned(&[1, 2], &[]);
    app.update(key(KeyCode::Char('R')));
    let (op, _) = calls(&mut app).remove(0);
    checked(&mut app, op, &[1], &[2]);
    app.update(Msg::Done(
        op,
        Ok(Reply::Approvals(ApReply::Scanned { listed: 2, checked: 2, complete: false })),
    ));
    let ids: Vec<&str> = app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
    assert_eq!(ids, ["m-2", "m-1"], "the rescan did not drop m-2");
    assert!(matches!(app.approvals.rows[0].status, RowStatus::CheckFailed { .. }));
    let screen = {
        app.update(Msg::Input(Input::Resize(120, 36)));
        let mut t =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 36)).expect("term");
        t.draw(|f| view::draw(&app, f)).expect("draw");
        t.backend().to_string()
    };
    assert!(screen.contains("check failed — r retries"), "{screen}");
    assert!(screen.contains("1 checks failed, listed — r retries"), "{screen}");
}

#[test]
fn the_header_keeps_its_count_and_wraps_a_long_notice_at_80x24() {
    use crate::webhook::member_event::MemberEvent;
    let mut app = scanned(&[1, 2], &[3]);
    app.update(member_event(MemberEvent::MembershipDeleted { membership_id: "ms".into() }));
    // A filter too: the header is longer than a row.
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "member");
    app.update(Msg::Input(Input::Resize(80, 24)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("term");
    t.draw(|f| view::draw(&app, f)).expect("draw");
    let screen = t.backend().to_string();
    assert!(screen.contains("2 pending"), "{screen}");
    let flat: String = screen.split('"').filter(|s| !s.trim().is_empty()).collect();
    let words = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(words.contains("a membership was deleted elsewhere: R re-verifies"), "{screen}");
    assert!(words.contains("last scan checked"), "{screen}");
    assert!(words.contains("/member"), "{screen}");
}

#[test]
fn a_stopping_run_says_it_is_stopping_when_a_or_x_is_pressed() {
    let mut app = scanned(&[1, 2, 3], &[]);
    app.update(key(KeyCode::Char('*')));
    app.update(key(KeyCode::Char('a')));
    app.update(key(KeyCode::Char('y')));
    let _ = calls(&mut app);
    app.update(key(KeyCode::Char('x')));
    assert!(app.sh.toasts.back().is_some_and(|t| t.text.contains("Esc stops it")));
    app.update(key(KeyCode::Esc)); // stopping: the started member finishes first
    for k in ['a', 'x'] {
        app.update(key(KeyCode::Char(k)));
        let t = app.sh.toasts.back().map(|t| t.text.clone()).unwrap_or_default();
        assert!(t.contains("stopping") && !t.contains("Esc stops"), "{k}: {t}");
    }
}
