//! The Approvals queue at real-store scale (issue 12): `cargo bench --bench
//! queue` (`-- --quick` for 2 000 members instead of 10 000).
//!
//! The real `App` and executor (the flows test driver, `tests/flows_common`)
//! against the in-process sandbox over HTTP on loopback, the sandbox in a
//! development store's shape (25 requests/s with `429` above, 30–80 ms per
//! request), the console's client at its default 20 requests/s, 10 % of the
//! members pending, in both shapes: one account per approved member, and 200
//! company accounts. Requests are counted from the console's request log.
//!
//! Per shape:
//! 1. first start: the planned scan's calls (goal: with 200 accounts, at most
//!    a tenth of one check per member, "today's" way); run at 20 req/s for the
//!    200-account shape, planned only (and run unlimited to fill the cache)
//!    for the other, whose 9 000 accounts make both ways ~9 000 calls;
//! 2. restart: time until the queue is on screen from the cache (goal ≤ 1 s),
//!    and calls until verified after 5 sign-ups made meanwhile (goal ≤ new
//!    sign-ups + pending + 2);
//! 3. a sign-up while the queue is open → its row, no key pressed (goal ≤ 1 s);
//! 4. the idle console with live events: calls per minute over a 60 s window
//!    in which three members sign up (goal: ≤ 10 calls in 10 minutes).

#[path = "../tests/flows_common/mod.rs"]
mod flows_common;

use std::time::{Duration, Instant};

use flows_common::Console;
use onboard::api::{Client, TokenRequest};
use onboard::panels::approvals::CacheState;
use onboard::panels::approvals::plan::Strategy;
use onboard::sandbox::{Faults, SandboxConfig, StoreShape};
use onboard::secret::Secret;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

const RATE: f64 = 20.0;

async fn sign_up(c: &Client, profile: &str, email: &str) -> Res<String> {
    let t = c
        .account_member_tokens(&TokenRequest::SelfSignup {
            profile_id: profile.to_owned(),
            username: email.into(),
            password: Secret::new("bench-password-1"),
            name: format!("Bench {email}"),
            email: email.into(),
        })
        .await?;
    Ok(t.account_member_id.ok_or("no member id")?)
}

fn member_calls(con: &Console) -> usize {
    con.requests
        .lock()
        .map(|r| {
            r.iter()
                .filter(|r| {
                    r.path.starts_with("/v2/account-members") || r.path.starts_with("/v2/accounts")
                })
                .count()
        })
        .unwrap_or(0)
}

async fn shape(members: usize, accounts: Option<usize>) -> Res<()> {
    let name = match accounts {
        Some(a) => format!("{members} members, {a} accounts"),
        None => format!("{members} members, one account per approved member"),
    };
    println!("== {name} (sandbox: {}; client {RATE} req/s)", StoreShape::Dev.describe());
    let cfg =
        SandboxConfig { seed: Some(members), seed_accounts: accounts, ..SandboxConfig::local() };
    let mut con = Console::start_cfg(cfg, RATE).await;
    con.use_queue_cache();
    let pending = members / 10;

    // 1. First start.
    let big = accounts.is_none();
    if big {
        // Filled unlimited (both ways cost ~9 000 calls here: 7.5 min at 20/s).
        con.sb.set_faults(Faults::default());
    } else {
        con.sb.set_faults(StoreShape::Dev.faults());
    }
    let t = Instant::now();
    con.connect().await;
    con.ch('3').await;
    let took = t.elapsed();
    let calls = member_calls(&con);
    let plan = con
        .app
        .approvals
        .last_scan
        .as_ref()
        .and_then(|s| s.plan.clone())
        .ok_or("the first start made no plan")?;
    println!(
        "first start: plan \"{}\" ({:?}); {calls} member/account calls{}; today's way: {} calls \
         (one check per member); ratio {:.3} (goal ≤ 0.1 with 200 accounts); queue {}",
        plan.1,
        plan.0.strategy,
        if big {
            " (run unlimited)".to_owned()
        } else {
            format!(" in {:.1} s", took.as_secs_f64())
        },
        plan.0.per_member,
        calls as f64 / plan.0.per_member as f64,
        con.app.approvals.rows.len()
    );
    if !big && plan.0.strategy != Strategy::ViaAccounts {
        println!("  (!) the 200-account shape did not go via accounts");
    }
    con.sb.set_faults(StoreShape::Dev.faults());

    // 2. Restart after 5 sign-ups elsewhere.
    con.restart().await;
    let realm = con.truth.realm_id().await?;
    let profile = con.truth.list_password_profiles(&realm).await?.remove(0).id;
    for i in 0..5 {
        sign_up(&con.truth, &profile, &format!("bench.new{i}@example.com")).await?;
    }
    let t = Instant::now();
    con.connect_until(|app| {
        matches!(app.approvals.cache, CacheState::On(_)) && !app.approvals.rows.is_empty()
    })
    .await;
    let on_screen = t.elapsed();
    let shown = con.app.approvals.rows.len();
    con.idle().await;
    let verified = t.elapsed();
    let calls = member_calls(&con);
    println!(
        "restart: queue on screen in {:.1} ms ({shown} rows from the cache; goal ≤ 1000 ms); \
         verified in {:.1} s with {calls} calls (goal ≤ 5 new + {pending} pending + 2 = {}); \
         queue {}",
        on_screen.as_secs_f64() * 1e3,
        verified.as_secs_f64(),
        5 + pending + 2,
        con.app.approvals.rows.len()
    );

    // 3. A sign-up while the queue is open: the row, no key pressed.
    // In sandbox mode the console points an integration at its listener
    // by itself, once it knows both (the run loop sets this flag there).
    con.app.auto_integration = Some(false);
    con.start_listener().await;
    con.idle().await;
    if con.truth.list_integrations().await?.is_empty() {
        return Err("the console set up no integration".into());
    }
    let mut worst = Duration::ZERO;
    for i in 0..3 {
        let t = Instant::now();
        let id = sign_up(&con.truth, &profile, &format!("bench.live{i}@example.com")).await?;
        con.wait_listener(|app| app.approvals.rows.iter().any(|r| r.member.id == id)).await;
        let d = t.elapsed();
        worst = worst.max(d);
        println!("sign-up → row: {:.1} ms (goal ≤ 1000 ms), no key pressed", d.as_secs_f64() * 1e3);
    }

    // 4. Idle with live events: calls per minute.
    let before = con.request_count();
    let t = Instant::now();
    let window = Duration::from_secs(60);
    let mut n = 0;
    while t.elapsed() < window {
        tokio::time::sleep(Duration::from_secs(15)).await;
        con.idle().await;
        if n < 3 {
            let id = sign_up(&con.truth, &profile, &format!("bench.idle{n}@example.com")).await?;
            con.wait_listener(|app| app.approvals.rows.iter().any(|r| r.member.id == id)).await;
            n += 1;
        }
    }
    let calls = con.request_count() - before;
    println!(
        "idle with live events: {calls} calls in {:.0} s ({n} sign-ups arrived as rows): \
         {:.1} calls/min → {:.0} in 10 minutes (goal ≤ 10)",
        t.elapsed().as_secs_f64(),
        calls as f64 * 60.0 / t.elapsed().as_secs_f64(),
        calls as f64 * 600.0 / t.elapsed().as_secs_f64()
    );
    println!("worst sign-up → row: {:.1} ms", worst.as_secs_f64() * 1e3);
    con.sb.shutdown().await;
    Ok(())
}

fn main() -> Res<()> {
    let quick = std::env::args().any(|a| a == "--quick");
    let members = if quick { 2_000 } else { 10_000 };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(async {
        shape(members, Some(200)).await?;
        shape(members, None).await
    })
}
