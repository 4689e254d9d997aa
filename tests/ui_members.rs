//! Snapshots of the support desk at 120×36 (and 80×24 / 200×60 where the
//! layout matters): the member card, the checklist of a member who cannot
//! log in, and the inspector's detail of a failed call. Clocks frozen.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use onboard::api::inspect::{AuthKind, BodyKind, CapturedBody};
use onboard::api::*;
use onboard::app::{App, view};
use onboard::ui::ops::members::{Delivery, MemCall, MemReply, MemberCard};
use onboard::ui::{Call, ConnInfo, Effect, Msg, Reply};
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

fn app() -> App {
    let mut app = App::new(t0(), Theme { color: false }, false, true);
    app.update(Msg::Connected(ConnInfo {
        sandbox: true,
        base_url: "http://127.0.0.1:41234".into(),
        host: "127.0.0.1:41234".into(),
        profile: "sandbox".into(),
        bi: true,
    }));
    answer(&mut app, None);
    app
}

/// Answers the calls in flight; a member card call gets `card`.
fn answer(app: &mut App, card: Option<&MemberCard>) {
    for e in app.take_effects() {
        if let Effect::Call(op, call) = e {
            let reply = match call {
                Call::LoadSettings => Reply::Settings(AccountAuthSettings::default()),
                Call::LoadProfiles => Reply::Profiles(vec![]),
                Call::LoadIntegrations => Reply::Integrations(vec![]),
                Call::Members(MemCall::Search { query, .. }) => Reply::Members(MemReply::Found {
                    query,
                    append: false,
                    page: MemberSearch {
                        members: card.map(|c| vec![c.member.clone()]).unwrap_or_default(),
                        how: SearchHow::ExactEmail,
                        total_hint: Some(1),
                        next: None,
                    },
                }),
                Call::Members(MemCall::Card { .. }) => match card {
                    Some(c) => Reply::Members(MemReply::Card(Box::new(c.clone()))),
                    None => continue,
                },
                _ => continue,
            };
            app.update(Msg::Done(op, Ok(reply)));
        }
    }
}

fn meta(created: &str) -> ResourceMeta {
    ResourceMeta {
        created_at: Some(created.into()),
        updated_at: Some(created.into()),
        ..Default::default()
    }
}

fn card(approved: bool) -> MemberCard {
    let profile = PasswordProfile {
        id: "9a44bb7e-e377-4382-b36e-c8030aad1c2d".into(),
        name: "Email".into(),
        username_format: UsernameFormat::Email,
        enable_one_time_password_token: approved,
        ..Default::default()
    };
    let account = |id: &str, name: &str| MemberAccount {
        membership: Membership { id: format!("ms-{id}"), ..Default::default() },
        account_id: id.into(),
        account: Some(Account { id: id.into(), name: name.into(), ..Default::default() }),
    };
    MemberCard {
        member: AccountMember {
            id: "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
            name: "Ada Lovelace-Byron, Countess of a Very Long Name".into(),
            email: "ada+engines@analytical-engines.example.com".into(),
            meta: meta("2026-11-20T09:30:00Z"),
            ..Default::default()
        },
        accounts: Some(if approved {
            vec![
                account("a1", "Analytical Engines Ltd"),
                account("a2", "Difference Engine Society"),
            ]
        } else {
            vec![]
        }),
        credentials: Some(vec![PasswordProfileInfo {
            id: "ppi1".into(),
            username: "ada+engines@analytical-engines.example.com".into(),
            password_profile_id: profile.id.clone(),
            ..Default::default()
        }]),
        profiles: Some(vec![profile]),
        settings: Some(AccountAuthSettings {
            account_member_self_management: if approved {
                SelfManagement::UpdateOnly
            } else {
                SelfManagement::Disabled
            },
            ..Default::default()
        }),
        integrations: Some(vec![Integration {
            id: "i1".into(),
            name: "onboard OTP events".into(),
            enabled: true,
            observes: vec!["one-time-password-token-request.created".into()],
            ..Default::default()
        }]),
        deliveries: vec![Delivery {
            integration_id: "i1".into(),
            last: Some(IntegrationLog {
                id: "l1".into(),
                succeeded: approved,
                status_code: Some(if approved { 200 } else { 401 }),
                error_detail: (!approved).then(|| "the receiver answered 401: bad secret".into()),
                ..Default::default()
            }),
            error: None,
        }],
        bi: approved.then(|| onboard::bi_map::BiLink {
            internal_id: "bi-internal-42".into(),
            external_id: "3fa85f64-5717-4562-b3fc-2c963f66afa6".into(),
            email: "ada+engines@analytical-engines.example.com".into(),
            user_name: "ada+engines@analytical-engines.example.com".into(),
            date_created: None,
        }),
        errors: vec![],
        loaded_at: t0(),
    }
}

fn render(app: &mut App, w: u16, h: u16) -> String {
    app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
    terminal.draw(|f| view::draw(app, f)).expect("draw");
    terminal.backend().to_string()
}

fn opened(c: &MemberCard) -> App {
    let mut a = app();
    key(&mut a, KeyCode::Char('5'));
    answer(&mut a, None);
    key(&mut a, KeyCode::Char('/'));
    for ch in c.member.email.chars() {
        key(&mut a, KeyCode::Char(ch));
    }
    answer(&mut a, Some(c));
    key(&mut a, KeyCode::Enter);
    answer(&mut a, Some(c));
    a
}

#[test]
fn member_card() {
    let c = card(true);
    for (w, h) in [(120, 36), (80, 24), (200, 60)] {
        let mut a = opened(&c);
        insta::assert_snapshot!(format!("member_card_{w}x{h}"), render(&mut a, w, h));
    }
}

#[test]
fn member_checklist_failures() {
    let c = card(false);
    let mut a = opened(&c);
    insta::assert_snapshot!("member_checklist_120x36", render(&mut a, 120, 36));
}

fn failed_call() -> RequestRecord {
    let host = "http://127.0.0.1:41234".to_owned();
    let path = "/v2/account-members/tokens".to_owned();
    RequestRecord {
        at: t0(),
        method: "POST".into(),
        path: path.clone(),
        status: Some(401),
        duration: Duration::from_millis(14),
        attempt: 1,
        error: Some("HTTP 401: Unauthorized: Invalid username or password".into()),
        detail: Arc::new(RequestDetail {
            url: format!("{host}{path}"),
            host,
            auth: AuthKind::Implicit,
            client_id: "sandbox-client-id".into(),
            request_headers: vec![
                ("accept".into(), "application/json".into()),
                ("authorization".into(), "Bearer «$EPCC_IMPLICIT_TOKEN»".into()),
                ("content-type".into(), "application/json".into()),
            ],
            request_body: Some(CapturedBody {
                kind: BodyKind::Json,
                text: r#"{"data":{"authentication_mechanism":"password","password":"«$MEMBER_PASSWORD»","password_profile_id":"9a44bb7e","type":"account_management_authentication_token","username":"ada@example.com"}}"#.into(),
                len: 180,
                truncated: false,
            }),
            response_headers: vec![("content-type".into(), "application/json".into())],
            response_body: Some(CapturedBody {
                kind: BodyKind::Json,
                text: r#"{"errors":[{"detail":"Invalid username or password","status":"401","title":"Unauthorized"}]}"#.into(),
                len: 92,
                truncated: false,
            }),
        }),
    }
}

#[test]
fn inspector_detail() {
    let mut a = app();
    let ok = RequestRecord {
        at: t0(),
        method: "GET".into(),
        path: "/v2/account-members?filter=eq%28email%2Cada%2B1%40x.com%29".into(),
        status: Some(200),
        duration: Duration::from_millis(3),
        attempt: 1,
        ..RequestRecord::default()
    };
    a.update(Msg::Client(ClientEvent::Request(ok)));
    a.update(Msg::Client(ClientEvent::Request(failed_call())));
    key(&mut a, KeyCode::Char('L'));
    insta::assert_snapshot!("inspector_list_120x36", render(&mut a, 120, 36));
    key(&mut a, KeyCode::Char('e')); // errors only
    key(&mut a, KeyCode::Enter);
    insta::assert_snapshot!("inspector_detail_120x36", render(&mut a, 120, 36));
}

/// Answers the accounts load with two accounts of the same name (told apart
/// by legal name and short id) and one named like the pending member.
fn answer_accounts(app: &mut App) {
    for e in app.take_effects() {
        if let Effect::Call(op, Call::Members(MemCall::LoadAccounts)) = e {
            let acc = |id: &str, name: &str, legal: &str| Account {
                id: id.into(),
                name: name.into(),
                legal_name: Some(legal.into()),
                ..Default::default()
            };
            app.update(Msg::Done(
                op,
                Ok(Reply::Members(MemReply::Accounts(vec![
                    acc("0b1c2d3e-1111-4a4a-8b8b-000000000001", "Bianca Abara", "Abara Trading"),
                    acc("7f6e5d4c-2222-4a4a-8b8b-000000000002", "Bianca Abara", "Abara Holdings"),
                    acc(
                        "9c8b7a6d-3333-4a4a-8b8b-000000000003",
                        "Ada Lovelace-Byron, Countess of a Very Long Name",
                        "Lovelace Estates",
                    ),
                ]))),
            ));
        }
    }
}

#[test]
fn member_card_dialogs() {
    let c = card(false);
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        // a: approve into a new account (warns about the same-name account).
        let mut a = opened(&c);
        key(&mut a, KeyCode::Char('a'));
        answer_accounts(&mut a);
        insta::assert_snapshot!(format!("member_approve_new_{w}x{h}"), render(&mut a, w, h));
        // e: the account picker, then the confirmation in the same dialog.
        key(&mut a, KeyCode::Esc);
        key(&mut a, KeyCode::Char('e'));
        insta::assert_snapshot!(format!("member_picker_{w}x{h}"), render(&mut a, w, h));
        key(&mut a, KeyCode::Enter);
        insta::assert_snapshot!(format!("member_picker_chosen_{w}x{h}"), render(&mut a, w, h));
        // l: the log-in check, after a wrong password.
        let mut a = opened(&c);
        key(&mut a, KeyCode::Char('l'));
        key(&mut a, KeyCode::Enter);
        for ch in "wrong".chars() {
            key(&mut a, KeyCode::Char(ch));
        }
        key(&mut a, KeyCode::Enter);
        for e in a.take_effects() {
            if let Effect::Call(op, Call::Members(MemCall::LoginCheck { .. })) = e {
                a.update(Msg::Done(
                    op,
                    Err(ApiError::Http { status: 401, errors: vec![], body: String::new() }),
                ));
            }
        }
        insta::assert_snapshot!(format!("member_login_check_{w}x{h}"), render(&mut a, w, h));
    }
}

/// A card whose member has two credentials (the second with a long username),
/// so `o` asks which one: the pick list is the shared list in a dialog.
#[test]
fn member_credential_picker() {
    let mut c = card(true);
    if let Some(creds) = &mut c.credentials {
        creds.push(PasswordProfileInfo {
            id: "ppi2".into(),
            username: "ada.lovelace.countess.of.a.very.long.name@analytical-engines.example.com"
                .into(),
            password_profile_id: "9a44bb7e-e377-4382-b36e-c8030aad1c2d".into(),
            ..Default::default()
        });
    }
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let mut a = opened(&c);
        key(&mut a, KeyCode::Char('o'));
        key(&mut a, KeyCode::Down);
        let text = render(&mut a, w, h);
        assert!(text.contains("Enter pick") && text.contains("Esc cancel"), "{text}");
        insta::assert_snapshot!(format!("member_credential_picker_{w}x{h}"), text);
    }
}

/// The search results: the shared list's columns (an e-mail keeps its
/// domain, the date goes first when narrow), the cursor on a member.
#[test]
fn member_search_results() {
    let members: Vec<AccountMember> = (0..30)
        .map(|i| AccountMember {
            id: format!("00000000-0000-4000-8000-{i:012}"),
            name: if i == 1 {
                "Ada Lovelace-Byron, Countess of a Very Long Name".into()
            } else {
                format!("Member {i}")
            },
            email: if i == 1 {
                "ada+engines@analytical-engines.example.com".into()
            } else {
                format!("member{i}@example.com")
            },
            meta: meta("2026-11-20T09:30:00Z"),
            ..Default::default()
        })
        .collect();
    for (w, h) in [(80, 24), (120, 36), (200, 60)] {
        let mut a = app();
        key(&mut a, KeyCode::Char('5'));
        for e in a.take_effects() {
            if let Effect::Call(op, Call::Members(MemCall::Search { query, .. })) = e {
                a.update(Msg::Done(
                    op,
                    Ok(Reply::Members(MemReply::Found {
                        query,
                        append: false,
                        page: MemberSearch {
                            members: members.clone(),
                            how: SearchHow::All,
                            total_hint: Some(30),
                            next: None,
                        },
                    })),
                ));
            }
        }
        key(&mut a, KeyCode::Down);
        assert_eq!(
            a.members.selected_member().map(|m| m.id.as_str()),
            Some(members[1].id.as_str())
        );
        insta::assert_snapshot!(format!("member_results_{w}x{h}"), render(&mut a, w, h));
    }
}
