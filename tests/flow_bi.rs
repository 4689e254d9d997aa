//! Issue 6 end to end: console sign-up with the Beyond Identity option, a BI
//! failure after a successful Commerce sign-up, the BI-only retry, the
//! enrolment re-send, the local mapping and the Approvals member details.

mod flows_common;

use flows_common::{Console, toasted};
use onboard::api::{ListParams, RequestRecord};
use onboard::panels::approvals::View as ApView;
use onboard::panels::signup::BiState;
use onboard::sandbox::{FailRule, Faults};
use serde_json::Value;

const PASSWORD: &str = "a-good-password";

async fn signup(con: &mut Console, name: &str, email: &str) {
    con.enter().await; // the form starts in command mode: Enter types in the Name field
    con.type_text(name).await;
    con.enter().await;
    con.type_text(email).await;
    con.enter().await; // the username mirrors the e-mail
    con.enter().await;
    con.type_text(PASSWORD).await;
    con.ctrl('s').await;
}

fn member_id(con: &Console) -> String {
    con.app.signup.last_ok().and_then(|r| r.member_id.clone()).expect("a member id")
}

fn bi_state(con: &Console) -> Option<BiState> {
    con.app.signup.last_ok().and_then(|r| r.bi.clone())
}

/// The sandbox's Beyond Identity users with this external id.
async fn bi_users_with(con: &Console, external_id: &str) -> Vec<Value> {
    let v = con.admin_get("/__sandbox/bi/users").await;
    v["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["external_id"] == external_id)
        .cloned()
        .collect()
}

async fn members_with_email(con: &Console, email: &str) -> usize {
    con.truth
        .list_all_account_members(&ListParams::with_filter(format!("eq(email,{email})")))
        .await
        .unwrap()
        .len()
}

fn is_post(path: &'static str) -> impl Fn(&RequestRecord) -> bool {
    move |r| r.method == "POST" && r.path.starts_with(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_with_beyond_identity_failure_retry_resend_and_details() {
    let mut con = Console::start(Some(0)).await;
    con.connect().await;
    con.ch('2').await;
    assert!(!con.app.signup.bi_on);
    con.ctrl('b').await;
    assert!(con.app.signup.bi_on, "Ctrl-B turns the Beyond Identity option on");

    // 1. Both sign-ups succeed: member id = BI external_id.
    signup(&mut con, "Bea Iden", "bea.iden@example.org").await;
    let first = member_id(&con);
    let Some(BiState::Created(user)) = bi_state(&con) else {
        panic!("{:?}", bi_state(&con));
    };
    assert_eq!(user.external_id, first);
    assert_eq!(user.email, "bea.iden@example.org");
    let screen = con.screen(160, 40);
    assert!(screen.contains(&format!("member id  {first}")), "{screen}");
    assert!(screen.contains(&format!("= BI external_id    {first}")), "{screen}");
    assert!(screen.contains(&format!("BI internal_id      {}", user.internal_id)), "{screen}");
    let listed = bi_users_with(&con, &first).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["internal_id"], user.internal_id.as_str());
    assert_eq!(listed[0]["email"], "bea.iden@example.org");

    // Ctrl-E re-sends the enrolment email.
    let before = con.request_count();
    con.ctrl('e').await;
    assert!(toasted(&con.app, "enrolment email re-sent to bea.iden@example.org"));
    assert!(matches!(bi_state(&con), Some(BiState::Created(_))));
    assert_eq!(con.requests_since(before, is_post("/v1/manage/recover-user")), 1);

    // 2. Commerce succeeds, Beyond Identity fails once.
    assert!(con.app.signup.bi_on, "the option stays on for the next member");
    con.sb.set_faults(Faults {
        fail_next: vec![FailRule {
            method: Some("POST".into()),
            path_contains: "/v1/manage/users".into(),
            status: 503,
            count: 1,
        }],
        ..Faults::default()
    });
    let email = "carl.second@example.org";
    let before = con.request_count();
    signup(&mut con, "Carl Second", email).await;
    let second = member_id(&con);
    assert_ne!(second, first);
    assert_eq!(con.requests_since(before, is_post("/v2/account-members/tokens")), 1);
    let Some(BiState::Failed { error, input }) = bi_state(&con) else {
        panic!("{:?}", bi_state(&con));
    };
    assert!(error.contains("503"), "{error}");
    assert_eq!(input.external_id, second);
    let screen = con.screen(160, 40);
    assert!(screen.contains("Commerce sign-up succeeded; Beyond Identity failed:"), "{screen}");
    assert!(screen.contains(&format!("member id  {second}")), "{screen}");
    assert_eq!(members_with_email(&con, email).await, 1);
    assert!(bi_users_with(&con, &second).await.is_empty());

    // Ctrl-B now retries the Beyond Identity call only.
    let before = con.request_count();
    con.ctrl('b').await;
    let Some(BiState::Created(user2)) = bi_state(&con) else {
        panic!("{:?}", bi_state(&con));
    };
    assert_eq!(user2.external_id, second);
    assert!(con.app.signup.bi_on, "the retry did not toggle the option");
    assert_eq!(con.requests_since(before, is_post("/v2/account-members/tokens")), 0);
    assert_eq!(con.requests_since(before, is_post("/v1/manage/users")), 1);
    assert_eq!(members_with_email(&con, email).await, 1, "no second Commerce sign-up");
    assert_eq!(bi_users_with(&con, &second).await.len(), 1);
    assert_eq!(con.admin_get("/__sandbox/bi/users").await["data"].as_array().unwrap().len(), 2);

    // The mapping file links both members.
    let map = onboard::bi_map::load(&con.bi_map_path());
    assert_eq!(map.len(), 2);
    assert_eq!(map[&first].internal_id, user.internal_id);
    assert_eq!(map[&second].internal_id, user2.internal_id);
    assert_eq!(map[&second].email, email);

    // Audit: the failed and the retried creation, the re-send; no password.
    let entries = con.audit_entries();
    let creates: Vec<_> = entries.iter().filter(|e| e.action == "bi_user.create").collect();
    assert_eq!(creates.len(), 3);
    assert_eq!(creates.iter().filter(|e| e.result.starts_with("error")).count(), 1);
    assert_eq!(entries.iter().filter(|e| e.action == "bi_user.recover").count(), 1);
    assert_eq!(entries.iter().filter(|e| e.action == "member.self_signup").count(), 2);
    assert!(!con.audit_text().contains(PASSWORD));

    // Approvals: both are pending; the member details show the link.
    con.esc().await; // stop typing on the sign-up form
    con.ch('3').await;
    let queue: Vec<&str> = con.app.approvals.rows.iter().map(|r| r.member.id.as_str()).collect();
    assert_eq!(queue.len(), 2);
    assert!(queue.contains(&first.as_str()) && queue.contains(&second.as_str()));
    con.ch('/').await;
    con.type_text(email).await;
    con.enter().await;
    assert_eq!(con.app.approvals.selected_row().unwrap().member.id, second);
    con.enter().await; // details
    let ApView::Details(_, Some(d)) = &con.app.approvals.view else {
        panic!("{:?}", con.app.approvals.view);
    };
    assert_eq!(d.member_id, second);
    assert!(!d.failed(), "{d:?}");
    let link = d.bi.clone().ok().flatten().expect("the Beyond Identity link");
    assert_eq!(link.internal_id, user2.internal_id);
    assert_eq!(link.external_id, second);
    let screen = con.screen(160, 40);
    assert!(screen.contains(&format!("external_id {second} (= member id)")), "{screen}");
    assert!(screen.contains(&format!("internal_id {}", user2.internal_id)), "{screen}");
}
