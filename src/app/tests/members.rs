//! Members panel (support desk) flows through `App::update`: search as you
//! type (latest wins), the card and its checklist, the actions' dialogs, and
//! the card refresh after an action.

use super::*;
use crate::api::{Account, AccountMember, MemberAccount, MemberSearch, Membership, SearchHow};
use crate::panels::members::checklist::{Check, Mark, fixtures::healthy};
use crate::panels::members::{Sub, View, dialogs};
use crate::ui::ops::members::{MemCall, MemReply, MemberCard};

fn ada() -> AccountMember {
    healthy().member
}

fn found(query: &str, members: Vec<AccountMember>) -> Reply {
    Reply::Members(MemReply::Found {
        query: query.into(),
        append: false,
        page: MemberSearch { members, how: SearchHow::ExactEmail, total_hint: Some(1), next: None },
    })
}

/// Opens the panel and answers its first (empty) search.
fn members_app() -> App {
    members_app_ro(false)
}

fn members_app_ro(read_only: bool) -> App {
    let mut app = loaded_app(read_only);
    app.update(key(KeyCode::Char('5')));
    assert_eq!(app.focus, PanelId::Members);
    let c = calls(&mut app);
    assert_eq!(c.len(), 1);
    let (op, call) = c[0].clone();
    assert_eq!(call, Call::Members(MemCall::Search { query: String::new(), cursor: None }));
    app.update(Msg::Done(op, Ok(found("", vec![]))));
    app
}

/// Opens the card of `card.member` by e-mail search and answers the card load.
fn with_card(card: MemberCard) -> App {
    with_card_ro(card, false)
}

fn with_card_ro(card: MemberCard, read_only: bool) -> App {
    let mut app = members_app_ro(read_only);
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, &card.member.email);
    let searches = calls(&mut app);
    let (op, _) = searches.last().cloned().unwrap();
    app.update(key(KeyCode::Enter)); // search still in flight: open when it finds one
    app.update(Msg::Done(op, Ok(found(&card.member.email, vec![card.member.clone()]))));
    let c = calls(&mut app);
    assert_eq!(c.len(), 1, "{c:?}");
    let (op, call) = c[0].clone();
    assert_eq!(call, Call::Members(MemCall::Card { member: card.member.clone() }));
    app.update(Msg::Done(op, Ok(Reply::Members(MemReply::Card(Box::new(card))))));
    assert_eq!(app.members.view, View::Card);
    app
}

fn failing(app: &App) -> Vec<Check> {
    app.members.checks.iter().filter(|l| l.mark == Mark::Fail).map(|l| l.check).collect()
}

#[test]
fn search_as_you_type_latest_wins() {
    let mut app = members_app();
    app.update(key(KeyCode::Char('/')));
    assert!(app.members.typing);
    type_str(&mut app, "ad");
    let effects = app.take_effects();
    let searches: Vec<(OpId, String)> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Call(op, Call::Members(MemCall::Search { query, .. })) => {
                Some((*op, query.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(searches.iter().map(|(_, q)| q.as_str()).collect::<Vec<_>>(), vec!["a", "ad"]);
    let (first, second) = (searches[0].0, searches[1].0);
    assert!(effects.contains(&Effect::Cancel(first)), "the older search is cancelled");
    // A late answer to the first search is dropped.
    app.update(Msg::Done(first, Ok(found("a", vec![ada(), ada()]))));
    assert!(app.members.results.is_empty());
    app.update(Msg::Done(second, Ok(found("ad", vec![ada()]))));
    assert_eq!(app.members.results.len(), 1);
    assert_eq!(app.members.searched.as_deref(), Some("ad"));
}

#[test]
fn checklist_for_each_broken_case_through_the_card() {
    let app = with_card(healthy());
    assert!(failing(&app).is_empty(), "{:?}", app.members.checks);

    let mut c = healthy();
    c.credentials = Some(vec![]);
    assert!(failing(&with_card(c)).contains(&Check::Credential));

    let mut c = healthy();
    c.accounts = Some(vec![]);
    assert_eq!(failing(&with_card(c)), vec![Check::Account]);

    let mut c = healthy();
    c.profiles.as_mut().unwrap()[0].enable_one_time_password_token = false;
    assert_eq!(failing(&with_card(c)), vec![Check::ProfileOtp]);

    let mut c = healthy();
    c.settings.as_mut().unwrap().account_member_self_management = SelfManagement::Disabled;
    assert_eq!(failing(&with_card(c)), vec![Check::SelfManagement]);

    let mut c = healthy();
    c.integrations = Some(vec![]);
    c.deliveries.clear();
    assert_eq!(failing(&with_card(c)), vec![Check::Integration]);

    let mut c = healthy();
    c.deliveries[0].last.as_mut().unwrap().succeeded = false;
    assert_eq!(failing(&with_card(c)), vec![Check::LastDelivery]);
}

fn two_accounts() -> MemberCard {
    let mut c = healthy();
    c.accounts.as_mut().unwrap().push(MemberAccount {
        membership: Membership { id: "ms-wrong".into(), ..Default::default() },
        account_id: "a-wrong".into(),
        account: Some(Account {
            id: "a-wrong".into(),
            name: "Wrong Ltd".into(),
            ..Default::default()
        }),
    });
    c
}

#[test]
fn remove_membership_dialog_names_the_account_and_the_card_refreshes() {
    let mut app = with_card(two_accounts());
    app.update(key(KeyCode::Char('d')));
    // Two memberships: a pick list first.
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Enter));
    let dialog = app.sh.confirm.as_ref().expect("a confirmation").dialog.clone();
    assert_eq!(dialog.title, "Remove ada@example.com from Wrong Ltd?");
    assert!(dialog.requests()[0].contains("/v2/accounts/a-wrong/account-memberships/ms-wrong"));
    assert!(dialog.is_destructive(), "destructive: needs an explicit y");
    app.update(key(KeyCode::Enter));
    assert!(app.sh.confirm.is_some(), "Enter does not confirm a destructive dialog");
    app.update(key(KeyCode::Char('y')));
    let c = calls(&mut app);
    assert_eq!(c.len(), 1);
    let (op, call) = c[0].clone();
    match call {
        Call::Members(MemCall::RemoveMembership {
            account_id,
            membership_id,
            account_name,
            who,
        }) => {
            assert_eq!((account_id.as_str(), membership_id.as_str()), ("a-wrong", "ms-wrong"));
            assert_eq!(account_name, "Wrong Ltd");
            assert_eq!(who.email, "ada@example.com");
        }
        other => panic!("unexpected {other:?}"),
    }
    app.update(Msg::Done(
        op,
        Ok(Reply::Members(MemReply::Done {
            member_id: "m1".into(),
            message: "ada@example.com removed from Wrong Ltd".into(),
        })),
    ));
    // The card reloads after the action.
    let c = calls(&mut app);
    assert!(
        matches!(&c[..], [(_, Call::Members(MemCall::Card { member }))] if member.id == "m1"),
        "{c:?}"
    );
    let (op, _) = c[0].clone();
    app.update(Msg::Done(op, Ok(Reply::Members(MemReply::Card(Box::new(healthy()))))));
    let accounts = app.members.card.as_ref().unwrap().accounts.as_ref().unwrap().len();
    assert_eq!(accounts, 1);
    assert!(app.members.result.as_ref().unwrap().1.contains("removed from Wrong Ltd"));
}

#[test]
fn add_to_account_dialog_offers_other_accounts_only() {
    let mut app = with_card(healthy());
    app.update(key(KeyCode::Char('e')));
    let c = calls(&mut app);
    assert_eq!(c.len(), 1);
    let (op, call) = c[0].clone();
    assert_eq!(call, Call::Members(MemCall::LoadAccounts));
    let acc =
        |id: &str, name: &str| Account { id: id.into(), name: name.into(), ..Default::default() };
    app.update(Msg::Done(
        op,
        Ok(Reply::Members(MemReply::Accounts(vec![
            acc("a1", "Ada Lovelace"),
            acc("a2", "Babbage & Co"),
            acc("a3", "Charles Ltd"),
        ]))),
    ));
    match &app.members.sub {
        Some(Sub::Accounts(p)) => {
            let names: Vec<&str> = p.accounts.iter().map(|a| a.name.as_str()).collect();
            assert_eq!(names, vec!["Babbage & Co", "Charles Ltd"], "not the account they are in");
        }
        other => panic!("no account picker: {other:?}"),
    }
    // The picker never starts typing: `i` starts the search, it is not typed.
    app.update(key(KeyCode::Char('x')));
    app.update(key(KeyCode::Char('i')));
    let search = |app: &App| match &app.members.sub {
        Some(Sub::Accounts(p)) => p.form.value(dialogs::SEARCH).to_owned(),
        other => panic!("no account picker: {other:?}"),
    };
    assert_eq!(search(&app), "");
    type_str(&mut app, "char");
    assert_eq!(search(&app), "char");
    app.update(key(KeyCode::Enter)); // chooses the highlighted account
    let Some(Sub::Accounts(p)) = &app.members.sub else { panic!("closed") };
    assert_eq!(p.chosen.as_ref().map(|a| a.id.as_str()), Some("a3"));
    assert!(app.sh.confirm.is_none(), "the same dialog confirms");
    assert!(calls(&mut app).is_empty(), "nothing runs before y");
    app.update(key(KeyCode::Char('y')));
    let c = calls(&mut app);
    assert!(
        matches!(&c[..], [(_, Call::Members(MemCall::AddToAccount { account_id, .. }))] if account_id == "a3"),
        "{c:?}"
    );
    assert!(app.members.sub.is_none());
}

#[test]
fn a_code_sent_from_the_card_arrives_on_it() {
    let mut app = with_card(healthy());
    app.update(key(KeyCode::Char('o')));
    let dialog = app.sh.confirm.as_ref().expect("a confirmation").dialog.clone();
    assert!(dialog.title.contains("reset code"), "{}", dialog.title);
    app.update(key(KeyCode::Char('y')));
    let (op, call) = calls(&mut app).remove(0);
    assert!(matches!(call, Call::Members(MemCall::SendOtp { .. })));
    app.update(Msg::Done(
        op,
        Ok(Reply::Members(MemReply::OtpSent {
            member_id: "m1".into(),
            outcome: crate::api::OtpRequestOutcome::Accepted,
        })),
    ));
    assert!(app.members.awaiting_code.is_some());
    // The webhook delivers it.
    let raw = serde_json::json!({
        "id": "ev1", "triggered_by": "one-time-password-token-request.created", "attempt": 1,
        "payload": {"one_time_password_token": "123456", "purpose": "reset_password",
            "password_profile_id": "p1", "authentication_realm_id": "r",
            "created_at": t0().to_rfc3339(),
            "user_authentication_info": {"id": "m1", "email": "ada@example.com", "name": "Ada"},
            "user_authentication_password_profile_info": {"id": "ppi1", "username": "ada@example.com"}}
    });
    let ev = crate::webhook::OtpEvent::from_raw(raw, t0() + chrono::Duration::seconds(1)).unwrap();
    app.update(Msg::Listener(Box::new(crate::webhook::ListenerEvent::Received(ev))));
    assert_eq!(app.members.events.len(), 1);
    assert!(app.members.awaiting_code.is_none(), "arrived");
    let text = format!("{:?}", app.members.card_lines(&app.sh));
    assert!(!text.contains("123456"), "the code stays masked");
}

#[test]
fn audit_overlay_reads_names_for_an_approval_recorded_with_ids() {
    let mut app = members_app();
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "ada");
    let (op, _) = calls(&mut app).last().cloned().unwrap();
    app.update(Msg::Done(op, Ok(found("ada", vec![ada()]))));
    app.update(key(KeyCode::Esc));
    // The Approvals job records ids and the account's name, not the e-mail.
    let entry = crate::audit::AuditEntry {
        time: t0(),
        store: "http://127.0.0.1:9".into(),
        client_id: "cid".into(),
        action: "membership.create".into(),
        target: serde_json::json!({"account_id": "a1", "account_name": "Ada Lovelace", "member_id": "m1"}),
        result: "ok".into(),
    };
    app.update(Msg::Audited(entry));
    app.update(key(KeyCode::Char('A')));
    assert_eq!(app.overlay, Some(super::Overlay::Audit));
    assert_eq!(
        app.audit_view.lines,
        vec!["approved ada@example.com into Ada Lovelace · 12:00 · ok".to_owned()]
    );
    // `/` filters, Enter shows the whole entry.
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "nobody");
    assert!(app.audit_view.visible.is_empty());
    app.update(key(KeyCode::Esc));
    assert_eq!(app.audit_view.visible.len(), 1);
    app.update(key(KeyCode::Enter));
    let (detail, _) = app.audit_view.detail.clone().expect("the full entry");
    let text = detail.join("\n");
    for want in [
        "store      http://127.0.0.1:9",
        "client id  cid",
        "\"member_id\": \"m1\"",
        "result     ok",
    ] {
        assert!(text.contains(want), "{want} in {text}");
    }
}

fn record(path: &str, status: u16) -> crate::api::RequestRecord {
    crate::api::RequestRecord {
        at: t0(),
        method: "GET".into(),
        path: path.into(),
        status: Some(status),
        attempt: 1,
        ..Default::default()
    }
}

#[test]
fn inspector_selection_filter_errors_only_copy_and_ring() {
    let mut app = loaded_app(false);
    for (p, s) in [("/v2/a", 200), ("/v2/b", 404), ("/v2/c", 200)] {
        app.update(Msg::Client(ClientEvent::Request(record(p, s))));
    }
    app.update(key(KeyCode::Char('L')));
    assert_eq!(app.inspector.visible.len(), 3);
    app.update(key(KeyCode::Up)); // select /v2/b
    let sel = app.inspector.current();
    // A new call arrives: the selection stays on the chosen one.
    app.update(Msg::Client(ClientEvent::Request(record("/v2/d", 500))));
    assert_eq!(app.inspector.current(), sel);
    app.update(key(KeyCode::Char('e')));
    assert_eq!(app.inspector.visible.len(), 2, "errors only: 404 and 500");
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "50");
    assert_eq!(app.inspector.visible.len(), 1, "status 500");
    // The filter line has its own row: the column header stays.
    app.update(Msg::Input(Input::Resize(80, 24)));
    let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 24)).expect("term");
    t.draw(|f| view::draw(&app, f)).expect("draw");
    let screen = t.backend().to_string();
    assert!(screen.contains("method") && screen.contains("service"), "{screen}");
    assert!(screen.contains("50"), "{screen}");
    app.update(key(KeyCode::Enter)); // leave the filter line
    app.update(key(KeyCode::Char('c')));
    let copied: Vec<String> = app
        .take_effects()
        .into_iter()
        .filter_map(|e| match e {
            Effect::Copy(s) => Some(s.expose().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(copied.len(), 1);
    assert!(copied[0].contains("curl -sS") && copied[0].contains("/v2/d"), "{}", copied[0]);
    app.update(key(KeyCode::Enter));
    assert!(app.inspector.detail.is_some());
    app.update(key(KeyCode::Esc)); // detail → list
    assert!(app.inspector.detail.is_none());
    assert_eq!(app.overlay, Some(super::Overlay::Log));
    app.update(key(KeyCode::Esc)); // list → closed
    assert_eq!(app.overlay, None);
    // The ring keeps the last 1 000.
    for i in 0..1_100 {
        app.update(Msg::Client(ClientEvent::Request(record(&format!("/v2/x/{i}"), 200))));
    }
    assert_eq!(app.request_log.len(), super::inspector::INSPECTOR_RING);
    assert_eq!(app.request_log.back().unwrap().path, "/v2/x/1099");
}

fn named(id: &str, name: &str) -> AccountMember {
    AccountMember {
        id: id.into(),
        name: name.into(),
        email: format!("{id}@example.com"),
        ..Default::default()
    }
}

#[test]
fn a_fresh_search_starts_on_the_first_row_and_paging_keeps_the_member() {
    let mut app = members_app();
    // The broad list, cursor moved to the 4th row.
    let all: Vec<AccountMember> = (0..6).map(|i| named(&format!("m{i}"), "Luca")).collect();
    app.update(key(KeyCode::Char('r')));
    let (op, _) = calls(&mut app).last().cloned().unwrap();
    app.update(Msg::Done(op, Ok(found("", all.clone()))));
    for _ in 0..3 {
        app.update(key(KeyCode::Down));
    }
    assert_eq!(app.members.selected_member().map(|m| m.id.as_str()), Some("m3"));
    // A new query whose results (sorted by name) still hold m3: the cursor
    // starts on the first row, not on m3.
    app.update(key(KeyCode::Char('/')));
    type_str(&mut app, "luca");
    let (op, _) = calls(&mut app).last().cloned().unwrap();
    let sorted = vec![all[5].clone(), all[1].clone(), all[2].clone(), all[3].clone()];
    app.update(Msg::Done(
        op,
        Ok(Reply::Members(MemReply::Found {
            query: "luca".into(),
            append: false,
            page: MemberSearch {
                members: sorted,
                how: SearchHow::Ilike,
                total_hint: None,
                next: Some(crate::api::SearchCursor { how: SearchHow::Ilike, offsets: vec![] }),
            },
        })),
    ));
    assert_eq!(app.members.list.cursor(), 0);
    assert_eq!(app.members.selected_member().map(|m| m.id.as_str()), Some("m5"));
    // Paging (n) keeps the member under the cursor by id.
    app.update(key(KeyCode::Esc)); // stop typing
    app.update(key(KeyCode::Down));
    assert_eq!(app.members.selected_member().map(|m| m.id.as_str()), Some("m1"));
    app.update(key(KeyCode::Char('n')));
    let (op, call) = calls(&mut app).last().cloned().unwrap();
    assert!(matches!(call, Call::Members(MemCall::Search { cursor: Some(_), .. })), "{call:?}");
    app.update(Msg::Done(
        op,
        Ok(Reply::Members(MemReply::Found {
            query: "luca".into(),
            append: true,
            page: MemberSearch {
                members: vec![named("m9", "Luca Z")],
                how: SearchHow::Ilike,
                total_hint: None,
                next: None,
            },
        })),
    ));
    assert_eq!(app.members.results.len(), 5);
    assert_eq!(app.members.selected_member().map(|m| m.id.as_str()), Some("m1"));
}

fn pending() -> MemberCard {
    let mut c = healthy();
    c.accounts = Some(vec![]);
    c
}

#[test]
fn reject_from_the_card_names_the_accounts_the_member_loses() {
    let mut app = with_card(two_accounts());
    app.update(key(KeyCode::Char('x')));
    let dialog = app.sh.confirm.as_ref().expect("a confirmation").dialog.clone();
    let items = dialog.items().join("\n");
    assert!(items.contains("lose access to 2 account(s): Ada Lovelace, Wrong Ltd"), "{items}");
    app.update(key(KeyCode::Esc));
    let mut app = with_card(pending());
    app.update(key(KeyCode::Char('x')));
    let dialog = app.sh.confirm.as_ref().expect("a confirmation").dialog.clone();
    assert!(dialog.items().join("\n").contains("in no account"));
}

#[test]
fn remove_on_a_pending_card_says_why_it_is_off() {
    let mut app = with_card(pending());
    app.update(key(KeyCode::Char('d')));
    assert!(app.sh.confirm.is_none());
    assert!(calls(&mut app).is_empty());
    let t = app.sh.toasts.back().expect("a toast says why");
    assert!(t.error);
    assert_eq!(t.text, "no membership to remove: the member is pending");
}

#[test]
fn read_only_card_names_a_store_admin_and_offers_no_write_keys() {
    let mut c = pending();
    c.integrations = Some(vec![]);
    let mut app = with_card_ro(c, true);
    let fixes: Vec<String> = app.members.checks.iter().filter_map(|l| l.fix.clone()).collect();
    assert!(
        fixes.contains(&"needs a store admin: approve into an account".to_owned()),
        "{fixes:?}"
    );
    assert!(fixes.contains(&"needs a store admin: set up the OTP webhook".to_owned()), "{fixes:?}");
    assert!(fixes.iter().all(|f| !f.contains("approve here") && !f.contains("(4)")), "{fixes:?}");
    let km = app.panel(app.focus).keymap(&app.sh);
    let footer: Vec<&str> = km.footer().iter().map(|b| b.keys).collect();
    for k in ["a", "e", "d", "o", "p", "x"] {
        assert!(!footer.contains(&k), "write key {k} offered in read-only: {footer:?}");
    }
    assert!(footer.contains(&"l"), "the log-in check changes nothing: {footer:?}");
    app.update(key(KeyCode::Char('a')));
    assert!(app.members.sub.is_none() && app.sh.confirm.is_none());
}

fn unauthorized() -> ApiError {
    ApiError::Http { status: 401, errors: vec![], body: "unauthorized".into() }
}

fn login_value(app: &App) -> (String, Option<String>, bool) {
    match &app.members.sub {
        Some(Sub::Login(d)) => {
            let f = d.form.field(dialogs::PASSWORD).expect("the password field");
            (f.input.value().to_owned(), f.input.error.clone(), d.form.is_typing())
        }
        other => panic!("no log-in check dialog: {other:?}"),
    }
}

#[test]
fn log_in_check_never_starts_typing_and_a_wrong_password_keeps_the_dialog() {
    let mut app = with_card(healthy());
    app.update(key(KeyCode::Char('l')));
    // The body names the member and the profile whole (the title may be cut).
    let Some(Sub::Login(d)) = &app.members.sub else { panic!("no log-in dialog") };
    let items = d.dialog(&app.sh.theme, 80).items().join("\n");
    assert!(items.contains("member: Ada Lovelace <ada@example.com>"), "{items}");
    let profile = healthy().profile_name(&d.profile_id).to_owned();
    assert!(items.contains(&format!("on profile {profile}")), "{items}");
    // Command mode first: a letter is not typed.
    app.update(key(KeyCode::Char('x')));
    assert_eq!(login_value(&app), (String::new(), None, false));
    app.update(key(KeyCode::Enter)); // starts typing
    type_str(&mut app, "wrong");
    assert_eq!(login_value(&app).0, "wrong");
    app.update(key(KeyCode::Enter));
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::LoginCheck { username, .. }))] = &c[..] else {
        panic!("{c:?}")
    };
    assert_eq!(username, "ada@example.com");
    app.update(Msg::Done(*op, Err(unauthorized())));
    let (value, error, _) = login_value(&app);
    assert_eq!(value, "wrong", "the password is kept to fix");
    assert!(error.is_some_and(|e| e.contains("wrong password")));
    // Fixed in place and checked again: success closes the dialog.
    app.update(key(KeyCode::Char('i')));
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Enter));
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::LoginCheck { .. }))] = &c[..] else { panic!("{c:?}") };
    app.update(Msg::Done(
        *op,
        Ok(Reply::Members(MemReply::LoginOk {
            member_id: ada().id,
            tokens: crate::api::AmTokens::default(),
        })),
    ));
    assert!(app.members.sub.is_none());
    assert!(app.members.result.as_ref().is_some_and(|(ok, _)| *ok));
    // The result line may be below the fold: a toast says the outcome too.
    assert!(app.sh.toasts.iter().any(|t| t.text.contains("in no account (pending)")));
}

#[test]
fn approve_into_a_new_account_is_the_two_key_dialog_with_a_legal_name() {
    let mut app = with_card(pending());
    app.update(key(KeyCode::Char('a')));
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::LoadAccounts))] = &c[..] else { panic!("{c:?}") };
    let twin = Account { id: "a9".into(), name: "Ada Lovelace".into(), ..Default::default() };
    app.update(Msg::Done(*op, Ok(Reply::Members(MemReply::Accounts(vec![twin])))));
    let Some(Sub::NewAccount(d)) = &app.members.sub else { panic!("{:?}", app.members.sub) };
    assert!(!d.form.is_typing());
    assert_eq!(d.names(), ("Ada Lovelace".to_owned(), "Ada Lovelace".to_owned()));
    let w = dialogs::same_name_warning("Ada Lovelace", app.members.accounts.as_deref());
    assert!(w.is_some_and(|w| w.contains("exists already (id a9)")));
    // The legal name follows the name until edited.
    app.update(key(KeyCode::Char('i')));
    type_str(&mut app, "Ada Ltd"); // replaces the selected pre-fill
    let Some(Sub::NewAccount(d)) = &app.members.sub else { panic!("closed") };
    assert_eq!(d.names(), ("Ada Ltd".to_owned(), "Ada Ltd".to_owned()));
    app.update(key(KeyCode::Esc)); // stop typing
    assert!(calls(&mut app).is_empty());
    app.update(key(KeyCode::Char('y')));
    let c = calls(&mut app);
    assert!(
        matches!(&c[..], [(_, Call::Members(MemCall::NewAccount { name, legal_name, .. }))]
            if name == "Ada Ltd" && legal_name == "Ada Ltd"),
        "{c:?}"
    );
    assert!(app.members.sub.is_none());
}

#[test]
fn accounts_loaded_for_the_warning_never_open_the_picker() {
    let mut app = with_card(pending());
    app.update(key(KeyCode::Char('a')));
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::LoadAccounts))] = &c[..] else { panic!("{c:?}") };
    app.update(key(KeyCode::Esc)); // closes the dialog before the accounts arrive
    assert!(app.members.sub.is_none());
    let a = Account { id: "a9".into(), name: "Other".into(), ..Default::default() };
    app.update(Msg::Done(*op, Ok(Reply::Members(MemReply::Accounts(vec![a])))));
    assert!(app.members.sub.is_none(), "no picker pops up: {:?}", app.members.sub);
    // e opens it at once now that they are known.
    app.update(key(KeyCode::Char('e')));
    assert!(matches!(app.members.sub, Some(Sub::Accounts(_))));
}

#[test]
fn the_membership_pick_list_keeps_its_choice_by_id_while_filtering() {
    let mut app = with_card(two_accounts());
    app.update(key(KeyCode::Char('d')));
    let chosen = |app: &App| match &app.members.sub {
        Some(Sub::Pick(p)) => p.chosen().map(|(id, _)| id.to_owned()),
        other => panic!("no pick list: {other:?}"),
    };
    let shown = |app: &App| match &app.members.sub {
        Some(Sub::Pick(p)) => p.list.len(),
        _ => 0,
    };
    app.update(key(KeyCode::Down));
    assert_eq!(chosen(&app).as_deref(), Some("ms-wrong"));
    // Typing filters; the choice stays on the same membership, now the only row.
    type_str(&mut app, "wr");
    assert_eq!(shown(&app), 1);
    assert_eq!(chosen(&app).as_deref(), Some("ms-wrong"));
    // Clearing the filter: still on it, not on the row it had while filtered.
    app.update(key(KeyCode::Backspace));
    app.update(key(KeyCode::Backspace));
    assert_eq!(shown(&app), 2);
    assert_eq!(chosen(&app).as_deref(), Some("ms-wrong"));
    // A filter that matches nothing picks nothing.
    type_str(&mut app, "zzz");
    assert_eq!(chosen(&app), None);
    app.update(key(KeyCode::Enter));
    assert!(app.sh.confirm.is_none(), "nothing chosen, nothing asked");
    for _ in 0..3 {
        app.update(key(KeyCode::Backspace));
    }
    app.update(key(KeyCode::Enter));
    let dialog = app.sh.confirm.as_ref().expect("a confirmation").dialog.clone();
    assert_eq!(dialog.title, "Remove ada@example.com from Wrong Ltd?");
}

#[test]
fn a_membership_the_card_removed_is_not_news_from_elsewhere_and_requeues_the_member() {
    use crate::webhook::member_event::MemberEvent;
    let mut app = with_card(healthy());
    assert_eq!(app.approvals.pending_count(), 0, "in an account: not queued");
    app.update(key(KeyCode::Char('d')));
    app.update(key(KeyCode::Char('y')));
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::RemoveMembership { membership_id, .. }))] = &c[..] else {
        panic!("{c:?}")
    };
    assert_eq!(membership_id, "ms1");
    // Its event may come before the reply: it is this console's own deletion.
    let ev = MemberEvent::MembershipDeleted { membership_id: "ms1".into() };
    app.update(Msg::Listener(Box::new(crate::webhook::ListenerEvent::Member(ev))));
    assert!(!app.approvals.membership_deleted, "no 'deleted elsewhere' notice");
    app.update(Msg::Done(
        *op,
        Ok(Reply::Members(MemReply::Done {
            member_id: "m1".into(),
            message: "ada@example.com removed from Ada Lovelace".into(),
        })),
    ));
    // The card reloads: in no account now, so the queue lists the member.
    let c = calls(&mut app);
    let [(op, Call::Members(MemCall::Card { .. }))] = &c[..] else { panic!("{c:?}") };
    app.update(Msg::Done(*op, Ok(Reply::Members(MemReply::Card(Box::new(pending()))))));
    assert_eq!(app.approvals.pending_count(), 1);
    assert!(app.approvals.rows.iter().any(|r| r.member.id == "m1"));
    // Added to an account again from the card: out of the queue.
    app.update(key(KeyCode::Char('r')));
    for (op, call) in calls(&mut app) {
        if matches!(call, Call::Members(MemCall::Card { .. })) {
            app.update(Msg::Done(op, Ok(Reply::Members(MemReply::Card(Box::new(healthy()))))));
        }
    }
    assert_eq!(app.approvals.pending_count(), 0);
    // A deletion this console did not make still raises the notice.
    let ev = MemberEvent::MembershipDeleted { membership_id: "ms-other".into() };
    app.update(Msg::Listener(Box::new(crate::webhook::ListenerEvent::Member(ev))));
    assert!(app.approvals.membership_deleted);
    assert!(calls(&mut app).is_empty(), "no rescan");
}
