//! Issue 4 end to end: the Approvals panel driven with keys, its jobs run by
//! the real executor against the seeded sandbox over HTTP.

mod flows_common;

use std::collections::BTreeSet;

use flows_common::{Console, toasted};
use onboard::api::{Client, ListParams, TokenRequest};
use onboard::panels::approvals::RowStatus;
use onboard::sandbox::{DEMO_PASSWORD, FailRule, Faults};
use onboard::secret::Secret;
use ratatui::crossterm::event::KeyCode;

/// 120 seeded members: every tenth (12) pending; two pages of members.
const SEED: usize = 120;

/// The sandbox's truth: ids of members without any membership.
async fn pending_truth(c: &Client) -> BTreeSet<String> {
    let members = c
        .list_all_account_members(&ListParams { limit: Some(100), ..Default::default() })
        .await
        .unwrap();
    let mut out = BTreeSet::new();
    for m in members {
        let p = c
            .member_memberships(&m.id, &ListParams { limit: Some(1), ..Default::default() })
            .await
            .unwrap();
        if p.data.is_empty() {
            out.insert(m.id);
        }
    }
    out
}

fn queue_ids(con: &Console) -> BTreeSet<String> {
    con.app.approvals.rows.iter().map(|r| r.member.id.clone()).collect()
}

async fn email_profile(c: &Client) -> String {
    let realm = c.realm_id().await.unwrap();
    let ps = c.list_password_profiles(&realm).await.unwrap();
    ps.into_iter().find(|p| p.name == "Email").unwrap().id
}

/// Filters the queue down to one member, like a user typing `/` + the e-mail.
async fn pick(con: &mut Console, email: &str) {
    con.ch('/').await;
    con.type_text(email).await;
    con.enter().await;
    let row = con.app.approvals.selected_row().expect("no row selected");
    assert_eq!(row.member.email, email);
}

/// `/` then Esc clears the filter.
async fn clear_filter(con: &mut Console) {
    con.ch('/').await;
    con.esc().await;
    assert_eq!(con.app.approvals.list.filter_text(), "");
}

fn status_of(con: &Console, id: &str) -> Option<RowStatus> {
    con.app.approvals.rows.iter().find(|r| r.member.id == id).map(|r| r.status.clone())
}

/// Logs in with the `password` mechanism and returns (account id, account name) pairs.
async fn login_accounts(c: &Client, profile: &str, email: &str) -> Vec<(String, String)> {
    let t = c
        .account_member_tokens(&TokenRequest::Password {
            profile_id: profile.to_owned(),
            username: email.to_owned(),
            password: Secret::new(DEMO_PASSWORD),
        })
        .await
        .unwrap();
    assert!(t.tokens.iter().all(|t| !t.token.expose().is_empty()));
    t.tokens.into_iter().map(|t| (t.account_id, t.account_name)).collect()
}

async fn account_count(c: &Client) -> usize {
    c.list_all_accounts(&ListParams { limit: Some(100), ..Default::default() }).await.unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approvals_queue_approve_reject_bulk_retry_and_audit() {
    let mut con = Console::start(Some(SEED)).await;
    con.connect().await;
    con.ch('3').await; // Approvals: the first visit starts the scan.
    assert!(con.app.approvals.scan.is_none(), "the scan finished");
    assert_eq!(con.app.sh.error, None);

    // The queue is exactly the sandbox's pending members.
    let truth = pending_truth(&con.truth).await;
    assert_eq!(truth.len(), SEED / 10);
    assert_eq!(queue_ids(&con), truth);
    assert_eq!(con.app.approvals.pending_count(), truth.len());
    assert!(con.app.approvals.rows.iter().all(|r| r.status == RowStatus::Pending));
    assert_eq!(con.app.approvals.last_scan.as_ref().map(|s| s.checked), Some(SEED));
    let screen = con.screen(160, 40);
    assert!(screen.contains(&format!("{} pending", truth.len())), "{screen}");
    for r in &con.app.approvals.rows.clone() {
        assert!(screen.contains(&r.member.email), "{} not on screen:\n{screen}", r.member.email);
    }

    let profile = email_profile(&con.truth).await;
    let rows = con.app.approvals.rows.clone();
    let (a, b, c) = (&rows[0].member, &rows[1].member, &rows[2].member);

    // 1. A into a new account, through the form (the name is edited).
    pick(&mut con, &a.email).await;
    con.ch('a').await; // the approve dialog: form and confirmation in one
    con.ch('i').await; // edit the (selected) name
    con.press(KeyCode::End).await; // keep it, append
    con.type_text(" Ltd").await;
    con.esc().await; // stop typing
    con.ch('y').await; // approve
    let a_account = format!("{} Ltd", a.name);
    assert_eq!(
        status_of(&con, &a.id),
        Some(RowStatus::Approved { account_name: a_account.clone() })
    );
    assert!(toasted(&con.app, "1 approved"));
    clear_filter(&mut con).await;

    // 2. B into an existing account, chosen in the picker by its id.
    let existing = con
        .truth
        .list_accounts(&ListParams { limit: Some(1), ..Default::default() })
        .await
        .unwrap()
        .data
        .remove(0);
    pick(&mut con, &b.email).await;
    con.ch('e').await;
    assert!(con.app.approvals.accounts.is_some(), "accounts loaded for the picker");
    con.ch('i').await;
    con.type_text(&existing.id).await;
    con.enter().await; // choose: the same dialog asks
    con.ch('y').await;
    assert_eq!(
        status_of(&con, &b.id),
        Some(RowStatus::Approved { account_name: existing.name.clone() })
    );
    clear_filter(&mut con).await;

    // 3. Reject C.
    pick(&mut con, &c.email).await;
    con.ch('x').await;
    con.ch('y').await;
    assert_eq!(status_of(&con, &c.id), None);
    assert!(toasted(&con.app, "1 rejected"));
    let gone = con.truth.get_account_member(&c.id).await.unwrap_err();
    assert_eq!(gone.status(), Some(404));
    clear_filter(&mut con).await;

    // 4. Bulk: the rest into new accounts, one membership POST fails (422 is
    // not retried by the client; a 5xx would be retried and succeed).
    let accounts_before = account_count(&con.truth).await;
    con.ch('*').await;
    let bulk: BTreeSet<String> = con.app.approvals.list.marks().iter().cloned().collect();
    assert_eq!(bulk.len(), truth.len() - 3);
    con.sb.set_faults(Faults {
        fail_next: vec![FailRule {
            method: Some("POST".into()),
            path_contains: "/account-memberships".into(),
            status: 422,
            count: 1,
        }],
        ..Faults::default()
    });
    con.ch('a').await;
    con.ch('y').await;
    let failed: Vec<String> = con
        .app
        .approvals
        .rows
        .iter()
        .filter(|r| matches!(r.status, RowStatus::Failed { account: Some(_), .. }))
        .map(|r| r.member.id.clone())
        .collect();
    assert_eq!(failed.len(), 1, "exactly one member failed");
    let approved_now = bulk
        .iter()
        .filter(|id| matches!(status_of(&con, id), Some(RowStatus::Approved { .. })))
        .count();
    assert_eq!(approved_now, bulk.len() - 1);
    // The toast counts this run only (not the two approvals made before it).
    assert!(toasted(&con.app, &format!("{} approved · 1 failed · 0 cancelled", bulk.len() - 1)));
    // Every account was created, including the failed member's.
    assert_eq!(account_count(&con.truth).await, accounts_before + bulk.len());

    // Retry (f): the failed member joins the account created for it.
    con.ch('f').await; // asks, naming the count
    con.ch('y').await;
    for id in &bulk {
        assert!(matches!(status_of(&con, id), Some(RowStatus::Approved { .. })), "{id}");
    }
    assert_eq!(account_count(&con.truth).await, accounts_before + bulk.len(), "no duplicate");
    assert_eq!(con.app.sh.error, None);

    // The store agrees: nobody is pending any more.
    assert!(pending_truth(&con.truth).await.is_empty());

    // Every approved member logs in and gets a token for its account.
    let accs = login_accounts(&con.truth, &profile, &a.email).await;
    assert_eq!(accs.len(), 1);
    assert_eq!(accs[0].1, a_account);
    let accs = login_accounts(&con.truth, &profile, &b.email).await;
    assert_eq!(accs, vec![(existing.id.clone(), existing.name.clone())]);
    for id in &bulk {
        let m = rows.iter().find(|r| &r.member.id == id).unwrap().member.clone();
        let accs = login_accounts(&con.truth, &profile, &m.email).await;
        assert_eq!(accs.len(), 1, "{}", m.email);
        assert_eq!(accs[0].1, m.name);
    }

    // The audit log: one line per write, no secrets.
    let entries = con.audit_entries();
    let of = |action: &str| entries.iter().filter(|e| e.action == action).collect::<Vec<_>>();
    let accounts = of("account.create");
    assert_eq!(accounts.len(), 1 + bulk.len());
    assert!(accounts.iter().all(|e| e.result == "ok"));
    assert!(accounts.iter().any(|e| e.target["name"] == a_account.as_str()));
    let memberships = of("membership.create");
    assert_eq!(memberships.len(), 2 + bulk.len() + 1);
    assert_eq!(memberships.iter().filter(|e| e.result.starts_with("error")).count(), 1);
    let failed_line = memberships.iter().find(|e| e.result.starts_with("error")).unwrap();
    assert_eq!(failed_line.target["member_id"], failed[0].as_str());
    assert!(memberships.iter().any(|e| e.target["member_id"] == b.id.as_str()
        && e.target["account_id"] == existing.id.as_str()));
    let rejects = of("member.reject");
    assert_eq!(rejects.len(), 1);
    assert_eq!(rejects[0].target["member_id"], c.id.as_str());
    assert_eq!(rejects[0].result, "ok");
    assert!(entries.iter().all(|e| e.client_id == con.sb.client_id()));
    let text = con.audit_text();
    assert!(!text.contains(DEMO_PASSWORD));
    assert!(!text.contains(con.sb.client_secret()));
    assert!(!text.to_lowercase().contains("token"), "{text}");
    assert!(!text.contains("eyJ"), "a JWT-shaped value in the audit log");
    // The console saw each audit line too.
    assert_eq!(con.app.audit.len(), entries.len());

    // A refresh drops the approved rows from the queue.
    con.ch('r').await;
    assert!(con.app.approvals.rows.is_empty());
    assert!(con.app.approvals.scan.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_after_new_signups_checks_only_new_and_pending_members() {
    let mut con = Console::start(Some(SEED)).await;
    con.connect().await;
    con.ch('3').await;
    assert_eq!(con.app.approvals.rows.len(), SEED / 10);
    let profile = email_profile(&con.truth).await;

    // Two new sign-ups (self_signup, as a storefront would).
    let mut new_ids = BTreeSet::new();
    for (name, email) in [("New One", "new.one@example.org"), ("New Two", "new.two@example.org")] {
        let t = con
            .truth
            .account_member_tokens(&TokenRequest::SelfSignup {
                profile_id: profile.clone(),
                username: email.into(),
                password: Secret::new("a-good-password"),
                name: name.into(),
                email: email.into(),
            })
            .await
            .unwrap();
        assert!(t.tokens.is_empty(), "pending: auto-create is off");
        new_ids.insert(t.account_member_id.unwrap());
    }

    let is_check = |r: &onboard::api::RequestRecord| {
        r.method == "GET"
            && r.path.starts_with("/v2/account-members/")
            && r.path.contains("/account-memberships")
    };
    let is_list = |r: &onboard::api::RequestRecord| {
        r.method == "GET" && r.path.starts_with("/v2/account-members?")
    };
    let before = con.request_count();
    con.press(KeyCode::Char('r')).await;
    // The new members, and the pending ones (approved elsewhere meanwhile?);
    // never the members known to have a membership.
    assert_eq!(con.requests_since(before, is_check), 2 + SEED / 10);
    // The newest page has the new members and known ones: stop.
    assert_eq!(con.requests_since(before, is_list), 1);
    assert_eq!(con.app.approvals.rows.len(), SEED / 10 + 2);
    assert!(new_ids.is_subset(&queue_ids(&con)));
    assert_eq!(queue_ids(&con), pending_truth(&con.truth).await);
    // Newest first.
    let top: BTreeSet<String> =
        con.app.approvals.rows[..2].iter().map(|r| r.member.id.clone()).collect();
    assert_eq!(top, new_ids);

    // Nothing new: a refresh lists one page and checks only the pending.
    let before = con.request_count();
    con.ch('r').await;
    assert_eq!(con.requests_since(before, is_check), 2 + SEED / 10);
    assert_eq!(con.requests_since(before, is_list), 1);

    // A full rescan (R) verifies everyone again, the cheaper way: here (one
    // account per approved member, 122 members, 108 accounts) via accounts.
    let before = con.request_count();
    con.ch('R').await;
    let plan = con.app.approvals.last_scan.as_ref().and_then(|s| s.plan.clone()).expect("plan");
    assert_eq!(plan.0.strategy, onboard::panels::approvals::plan::Strategy::ViaAccounts);
    assert_eq!(con.requests_since(before, is_check), 0);
    assert!(con.request_count() - before <= 2 + plan.0.calls as usize);
    assert_eq!(queue_ids(&con), pending_truth(&con.truth).await);
}
