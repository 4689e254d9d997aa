//! The live Approvals queue (issue 12 item 2): member and membership events
//! delivered by the sandbox to the console's real listener change the queue
//! without a key press, and in sandbox mode the console sets its integration
//! up by itself.

mod flows_common;

use flows_common::Console;
use onboard::api::{AccountInput, TokenRequest};
use onboard::readiness::{ItemId, MEMBER_EVENTS, OTP_EVENT};
use onboard::secret::Secret;

fn has_row(con: &Console, id: &str) -> bool {
    con.app.approvals.rows.iter().any(|r| r.member.id == id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_ups_approvals_and_rejections_elsewhere_reach_the_open_queue() {
    let mut con = Console::start(Some(50)).await;
    con.app.auto_integration = Some(false); // as the run loop does in sandbox mode
    let url = con.start_listener().await;
    con.connect().await;

    // No setup: one integration to this listener, OTP and member events.
    let integrations = con.truth.list_integrations().await.unwrap();
    assert_eq!(integrations.len(), 1, "{integrations:?}");
    let i = &integrations[0];
    assert_eq!(i.configuration.url.as_deref(), Some(url.as_str()));
    assert!(i.enabled && i.observes.iter().any(|o| o == OTP_EVENT));
    assert!(MEMBER_EVENTS.iter().all(|e| i.observes.iter().any(|o| o == e)));
    assert!(i.observes.len() <= 5, "the per-webhook event limit");
    let ready = con.app.sh.readiness().cloned().unwrap();
    assert!(ready.get(ItemId::LiveQueue).unwrap().ready, "{ready:?}");

    con.ch('3').await;
    let before = con.app.approvals.rows.len();
    let calls_before = con.request_count();

    // A sign-up through the sandbox while the queue is open.
    let realm = con.truth.realm_id().await.unwrap();
    let profile = con.truth.list_password_profiles(&realm).await.unwrap().remove(0).id;
    let t = con
        .truth
        .account_member_tokens(&TokenRequest::SelfSignup {
            profile_id: profile,
            username: "live.one@example.org".into(),
            password: Secret::new("a-good-password"),
            name: "Live One".into(),
            email: "live.one@example.org".into(),
        })
        .await
        .unwrap();
    let id = t.account_member_id.unwrap();
    con.wait_listener(|app| app.approvals.rows.iter().any(|r| r.member.id == id)).await;
    assert_eq!(con.app.approvals.rows.len(), before + 1);
    assert_eq!(con.app.approvals.rows[0].member.email, "live.one@example.org", "newest first");
    assert_eq!(con.request_count(), calls_before, "no call: the event said it all");

    // Approved elsewhere: the row leaves.
    let acc = con
        .truth
        .create_account(&AccountInput { name: "Elsewhere".into(), ..Default::default() })
        .await
        .unwrap();
    con.truth.create_membership(&acc.id, &id).await.unwrap();
    con.wait_listener(|app| !app.approvals.rows.iter().any(|r| r.member.id == id)).await;

    // Rejected elsewhere: the row leaves too.
    let other = con.app.approvals.rows[0].member.id.clone();
    con.truth.delete_user_auth_info(&realm, &other).await.unwrap();
    con.wait_listener(|app| !app.approvals.rows.iter().any(|r| r.member.id == other)).await;
    assert!(!has_row(&con, &other));
    assert_eq!(con.app.approvals.rows.len(), before - 1);
    assert_eq!(con.request_count(), calls_before, "still no call");
}
