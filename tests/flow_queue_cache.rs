//! The persistent queue cache end to end (issue 12): the real `App` and
//! executor against the seeded sandbox over HTTP, with the cache in a temp
//! data dir as for a real store. A restart shows the queue at once from the
//! cache, marked "verifying", and verifies it with only the calls that can
//! find a change: one page of members, the new members and the cached
//! pending ones.

mod flows_common;

use std::collections::BTreeSet;

use flows_common::Console;
use onboard::api::{AccountInput, Client, ListParams, RequestRecord, TokenRequest};
use onboard::panels::approvals::CacheState;
use onboard::secret::Secret;
use onboard::store::queue::{QueueCache, StoreKey};
use onboard::ui::Msg;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// 300 seeded members: every tenth (30) pending.
const SEED: usize = 300;

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

fn member_calls(con: &Console) -> Vec<RequestRecord> {
    con.requests
        .lock()
        .unwrap()
        .iter()
        .filter(|r| r.path.starts_with("/v2/account-members") || r.path.starts_with("/v2/accounts"))
        .cloned()
        .collect()
}

async fn sign_up(c: &Client, name: &str, email: &str) -> String {
    let realm = c.realm_id().await.unwrap();
    let profile = c.list_password_profiles(&realm).await.unwrap().remove(0).id;
    let t = c
        .account_member_tokens(&TokenRequest::SelfSignup {
            profile_id: profile,
            username: email.into(),
            password: Secret::new("a-good-password"),
            name: name.into(),
            email: email.into(),
        })
        .await
        .unwrap();
    t.account_member_id.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restart_shows_the_cached_queue_at_once_and_verifies_only_what_can_change() {
    let mut con = Console::start(Some(SEED)).await;
    con.use_queue_cache();
    con.connect().await;
    con.ch('3').await;
    let first = queue_ids(&con);
    assert_eq!(first.len(), SEED / 10);
    assert!(con.app.approvals.complete);
    con.restart().await;

    // The file: this store's, 0600, with the queue in it.
    let key = StoreKey::new(&con.sb.base_url(), con.sb.client_id());
    let path = key.path(con.dir.path());
    let cached = QueueCache::load(&path, &key);
    assert_eq!(cached.rebuilt, None);
    assert_eq!(cached.cache.pending.keys().cloned().collect::<BTreeSet<_>>(), first);
    assert!(cached.cache.complete);
    assert_eq!(cached.cache.approved.len(), SEED - SEED / 10);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // Meanwhile, elsewhere: two sign-ups, one approval, one rejection.
    let new1 = sign_up(&con.truth, "New One", "new.one@example.org").await;
    let new2 = sign_up(&con.truth, "New Two", "new.two@example.org").await;
    let mut old: Vec<String> = first.iter().cloned().collect();
    let approved_elsewhere = old.remove(0);
    let rejected_elsewhere = old.remove(0);
    let acc = con
        .truth
        .create_account(&AccountInput { name: "Elsewhere".into(), ..Default::default() })
        .await
        .unwrap();
    con.truth.create_membership(&acc.id, &approved_elsewhere).await.unwrap();
    let realm = con.truth.realm_id().await.unwrap();
    con.truth.delete_user_auth_info(&realm, &rejected_elsewhere).await.unwrap();

    // Open again: the queue is on screen before any member call answered.
    con.connect_until(|app| matches!(app.approvals.cache, CacheState::On(_))).await;
    assert_eq!(queue_ids(&con), first, "the cached queue, at once");
    assert_eq!(con.app.approvals.unverified.len(), first.len(), "marked as being verified");
    assert!(con.app.approvals.scan.is_some(), "the verification runs");
    con.app.update(Msg::key(KeyEvent::new(KeyCode::Char('3'), KeyModifiers::NONE)));
    let screen = con.screen(120, 36);
    assert!(screen.contains(&format!("verifying {} from cache", first.len())), "{screen}");
    assert!(screen.contains("verifying…"), "{screen}");

    con.idle().await;
    let want = pending_truth(&con.truth).await;
    assert_eq!(queue_ids(&con), want, "new members in, approved and rejected ones out");
    assert!(want.contains(&new1) && want.contains(&new2));
    assert!(!want.contains(&approved_elsewhere) && !want.contains(&rejected_elsewhere));
    assert!(con.app.approvals.unverified.is_empty());
    // Calls until verified: one members page + 2 new + 30 cached pending.
    let calls = member_calls(&con);
    assert_eq!(
        calls.len(),
        1 + 2 + SEED / 10,
        "{:#?}",
        calls.iter().map(|r| &r.path).collect::<Vec<_>>()
    );

    // The cache follows: approved and rejected members left it, new ones joined.
    con.restart().await;
    let c = QueueCache::load(&path, &key).cache;
    assert_eq!(c.pending.keys().cloned().collect::<BTreeSet<_>>(), want);
    assert!(c.approved.contains(&approved_elsewhere));
    assert!(
        !c.approved.contains(&rejected_elsewhere) && !c.pending.contains_key(&rejected_elsewhere)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_cache_is_rebuilt_by_a_full_scan() {
    let mut con = Console::start(Some(50)).await;
    con.use_queue_cache();
    let key = StoreKey::new(&con.sb.base_url(), con.sb.client_id());
    let path = key.path(con.dir.path());
    std::fs::write(&path, b"{\"format\":\"onboard-queue-cache\",\"version\":1,").unwrap();
    con.connect().await;
    con.ch('3').await;
    assert_eq!(queue_ids(&con), pending_truth(&con.truth).await);
    assert!(con.app.approvals.unverified.is_empty());
    con.restart().await;
    let loaded = QueueCache::load(&path, &key);
    assert_eq!(loaded.rebuilt, None, "the next save replaced the corrupt file");
    assert_eq!(loaded.cache.pending.len(), 5);
}
