//! The pending scan's plan and its two ways, and the cache-driven
//! verification, against the sandbox over real HTTP: the queue found equals
//! the sandbox's truth, the chosen way is the cheaper one for the store's
//! shape, and the calls stay within the plan's estimate.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use onboard::api::*;
use onboard::panels::approvals::jobs::{ProgressFn, perform};
use onboard::panels::approvals::plan::{Plan, Strategy};
use onboard::panels::approvals::scan::Known;
use onboard::panels::approvals::{ApCall, ApProgress, ApReply};
use onboard::sandbox::{self, SandboxConfig, SandboxHandle};
use onboard::secret::Secret;
use onboard::ui::Progress;

fn config(sb: &SandboxHandle) -> ClientConfig {
    let mut c =
        ClientConfig::new(sb.base_url(), sb.client_id(), Some(Secret::new(sb.client_secret())));
    c.rate_limit = 0.0;
    c.retry_base = Duration::from_millis(2);
    c
}

struct Counted {
    client: Client,
    calls: Arc<AtomicUsize>,
}

fn counted(sb: &SandboxHandle) -> Counted {
    let calls = Arc::new(AtomicUsize::new(0));
    let mut cfg = config(sb);
    let c = calls.clone();
    cfg.observer = Some(Arc::new(move |ev| {
        // Tokens are cached per base URL across clients: not counted.
        if let ClientEvent::Request(r) = ev
            && r.path != "/oauth/access_token"
        {
            c.fetch_add(1, Ordering::Relaxed);
        }
    }));
    Counted { client: Client::new(cfg).unwrap(), calls }
}

#[derive(Default, Debug)]
struct Seen {
    plan: Option<Plan>,
    pending: BTreeSet<String>,
    with: BTreeSet<String>,
    gone: BTreeSet<String>,
    failed: usize,
}

/// Runs a scan job; returns what it reported and whether it called the cache complete.
async fn run(c: &Client, known: Known, full: bool) -> (Seen, bool) {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let s = seen.clone();
    let progress: ProgressFn = Arc::new(move |p| {
        let Progress::Approvals(p) = p;
        let mut s = s.lock().unwrap();
        match p {
            ApProgress::Plan(plan) => s.plan = Some(plan),
            ApProgress::Checked { pending, with_membership, gone, failed } => {
                s.pending.extend(pending.into_iter().map(|m| m.id));
                s.with.extend(with_membership);
                s.gone.extend(gone);
                s.failed += failed.len();
            }
            _ => {}
        }
    });
    let call = ApCall::Scan { known: Arc::new(known), full, concurrency: 8 };
    let reply = perform(c, call, progress, None, &tokio_util::sync::CancellationToken::new())
        .await
        .unwrap();
    let ApReply::Scanned { complete, .. } = reply else { panic!("{reply:?}") };
    let out = std::mem::take(&mut *seen.lock().unwrap());
    (out, complete)
}

/// The sandbox's truth: members without any membership.
async fn truth(c: &Client) -> BTreeSet<String> {
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

async fn profile(c: &Client) -> String {
    let realm = c.realm_id().await.unwrap();
    c.list_password_profiles(&realm).await.unwrap().remove(0).id
}

async fn sign_up(c: &Client, profile: &str, tag: &str, i: usize) {
    let email = format!("{tag}{i}@example.com");
    c.account_member_tokens(&TokenRequest::SelfSignup {
        profile_id: profile.to_owned(),
        username: email.clone(),
        password: Secret::new("pw-12345678"),
        name: format!("{tag} {i}"),
        email,
    })
    .await
    .unwrap();
}

async fn seeded(n: usize) -> (SandboxHandle, Client) {
    let sb =
        sandbox::spawn(SandboxConfig { seed: Some(n), ..SandboxConfig::local() }).await.unwrap();
    let admin = Client::new(config(&sb)).unwrap();
    (sb, admin)
}

#[tokio::test]
async fn many_members_per_account_are_found_via_accounts() {
    // A B2B shape: 250 members, 225 of them in 3 accounts, 25 pending.
    let (sb, admin) = seeded(0).await;
    let p = profile(&admin).await;
    for i in 0..250 {
        sign_up(&admin, &p, "b2b", i).await;
    }
    let members = admin
        .list_all_account_members(&ListParams { limit: Some(100), ..Default::default() })
        .await
        .unwrap();
    let mut accounts = Vec::new();
    for a in 0..3 {
        let input = AccountInput { name: format!("Company {a}"), ..Default::default() };
        accounts.push(admin.create_account(&input).await.unwrap().id);
    }
    for (i, m) in members.iter().enumerate().filter(|(i, _)| i % 10 != 0) {
        admin.create_membership(&accounts[i % 3], &m.id).await.unwrap();
    }
    let want = truth(&admin).await;
    assert_eq!(want.len(), 25);

    let c = counted(&sb);
    let (seen, complete) = run(&c.client, Known::default(), false).await;
    let plan = seen.plan.expect("a plan");
    assert_eq!(plan.strategy, Strategy::ViaAccounts, "{plan:?}");
    assert_eq!(seen.pending, want);
    assert_eq!(seen.with.len(), 225);
    assert!(complete);
    // Two totals + the plan's calls at most (3 member pages, 1 accounts page,
    // 3 membership lists of 75 each) – far below one check per member.
    let calls = c.calls.load(Ordering::Relaxed) as u64;
    assert!(calls <= 2 + plan.calls, "{calls} calls for {plan:?}");
    assert!(calls * 10 <= plan.per_member, "{calls} calls vs {} per member", plan.per_member);
    sb.shutdown().await;
}

#[tokio::test]
async fn one_account_per_member_with_extra_accounts_checks_per_member() {
    // The seeded shape (each approved member in an account of its own), plus
    // 100 accounts without members: listing accounts would cost more.
    let (sb, admin) = seeded(300).await;
    for a in 0..100 {
        let input = AccountInput { name: format!("Empty {a}"), ..Default::default() };
        admin.create_account(&input).await.unwrap();
    }
    let want = truth(&admin).await;
    let c = counted(&sb);
    let (seen, complete) = run(&c.client, Known::default(), false).await;
    let plan = seen.plan.expect("a plan");
    assert_eq!(plan.strategy, Strategy::PerMember, "{plan:?}");
    assert_eq!(seen.pending, want);
    assert_eq!(seen.with.len() + seen.pending.len(), 300);
    assert!(complete);
    let calls = c.calls.load(Ordering::Relaxed) as u64;
    assert!(calls <= 2 + plan.calls, "{calls} calls for {plan:?}");
    sb.shutdown().await;
}

#[tokio::test]
async fn verification_checks_only_new_and_pending_members() {
    let (sb, admin) = seeded(300).await;
    let (first, complete) = run(&admin, Known::default(), false).await;
    assert!(complete);
    let pending: Vec<AccountMember> = admin
        .list_all_account_members(&ListParams { limit: Some(100), ..Default::default() })
        .await
        .unwrap()
        .into_iter()
        .filter(|m| first.pending.contains(&m.id))
        .collect();
    assert_eq!(pending.len(), 30);

    // Meanwhile, elsewhere: 5 sign-ups, 2 approvals and 1 rejection.
    let p = profile(&admin).await;
    for i in 0..5 {
        sign_up(&admin, &p, "new", i).await;
    }
    let acc = admin
        .create_account(&AccountInput { name: "Elsewhere".into(), ..Default::default() })
        .await
        .unwrap();
    admin.create_membership(&acc.id, &pending[0].id).await.unwrap();
    admin.create_membership(&acc.id, &pending[1].id).await.unwrap();
    let realm = admin.realm_id().await.unwrap();
    admin.delete_user_auth_info(&realm, &pending[2].id).await.unwrap();

    let known = Known {
        approved: first.with.iter().cloned().collect(),
        pending: pending.clone(),
        complete: true,
        retry: vec![],
    };
    let c = counted(&sb);
    let (seen, complete) = run(&c.client, known, false).await;
    assert!(complete);
    assert_eq!(seen.plan, None, "a verification plans nothing");
    let want = truth(&admin).await;
    assert_eq!(seen.pending, want, "new members found, approved ones gone");
    assert!(seen.with.contains(&pending[0].id) && seen.with.contains(&pending[1].id));
    assert!(seen.gone.contains(&pending[2].id), "{seen:?}");
    // One members page + 5 new + 30 cached pending.
    let calls = c.calls.load(Ordering::Relaxed);
    assert_eq!(calls, 1 + 5 + 30, "calls until verified");
    sb.shutdown().await;
}
