//! Approvals against the in-process sandbox on loopback (issue 4):
//! `cargo bench --bench approvals` (add `-- --quick` for a shorter run).
//!
//! Uses the real job code (`panels::approvals::jobs::perform`) and the real
//! `Client`; requests are counted with the client observer. Measures:
//! 1. the pending scan over 10 000 members, rate limit lifted (target ≤ 2 s);
//! 2. the same scan at R requests/s (target: within 10 % of requests ÷ R),
//!    and at 20 requests/s on a 100-member store;
//! 3. a refresh after 100 self sign-ups (the 100 new members and the cached
//!    pending ones are checked, not 10 000);
//! 4. bulk approval of 1 000 pending members into new accounts (2 000 calls),
//!    rate limit lifted (target ≤ 1 s) and at R requests/s (within 5 % of the
//!    bound); and, for comparison, the same calls as one `curl` process per
//!    call against `onboard sandbox` (200 calls, extrapolated to 2 000).

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onboard::api::{AccountMember, Client, ClientConfig, ClientEvent, Observer, TokenRequest};
use onboard::panels::approvals::jobs::{ProgressFn, perform};
use onboard::panels::approvals::scan::Known;
use onboard::panels::approvals::{
    APPROVE_CONCURRENCY, ApCall, ApProgress, ApReply, ApproveItem, RowOutcome, SCAN_CONCURRENCY,
    Target,
};
use onboard::sandbox::{SandboxConfig, SandboxHandle, spawn};
use onboard::secret::Secret;
use onboard::ui::Progress;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Counts the HTTP attempts a client makes (token requests included).
#[derive(Clone, Default)]
struct Counter {
    requests: Arc<AtomicUsize>,
    errors: Arc<AtomicUsize>,
}

impl Counter {
    fn observer(&self) -> Observer {
        let c = self.clone();
        Arc::new(move |ev| {
            if let ClientEvent::Request(r) = ev {
                c.requests.fetch_add(1, Ordering::Relaxed);
                if r.error.is_some() {
                    c.errors.fetch_add(1, Ordering::Relaxed);
                }
            }
        })
    }
    fn take(&self) -> (usize, usize) {
        (self.requests.swap(0, Ordering::Relaxed), self.errors.swap(0, Ordering::Relaxed))
    }
}

fn client(sb: &SandboxHandle, rate: f64, counter: &Counter) -> Res<Client> {
    let mut cfg = ClientConfig::new(
        sb.base_url(),
        sb.client_id().to_owned(),
        Some(Secret::new(sb.client_secret())),
    );
    cfg.rate_limit = rate;
    cfg.observer = Some(counter.observer());
    Ok(Client::new(cfg)?)
}

/// What a scan reported through its progress messages.
#[derive(Default)]
struct Scan {
    pending: Vec<AccountMember>,
    with_membership: Vec<String>,
    failed: usize,
    listed: usize,
    checked: usize,
}

/// A full scan (`known` empty) or a verification of what `known` holds.
async fn scan(client: &Client, known: Arc<Known>) -> Res<(Scan, Duration)> {
    let acc = Arc::new(Mutex::new(Scan::default()));
    let a = acc.clone();
    let progress: ProgressFn = Arc::new(move |p| {
        if let Progress::Approvals(ApProgress::Checked { pending, with_membership, failed, .. }) = p
            && let Ok(mut s) = a.lock()
        {
            s.pending.extend(pending);
            s.with_membership.extend(with_membership);
            s.failed += failed.len();
        }
    });
    let t = Instant::now();
    let reply = perform(
        client,
        ApCall::Scan { full: !known.complete, known, concurrency: SCAN_CONCURRENCY },
        progress,
        None,
        &tokio_util::sync::CancellationToken::new(),
    )
    .await?;
    let took = t.elapsed();
    let mut s = std::mem::take(&mut *acc.lock().map_err(|_| "poisoned")?);
    if let ApReply::Scanned { listed, checked, .. } = reply {
        s.listed = listed;
        s.checked = checked;
    }
    Ok((s, took))
}

/// Approves `members` into new accounts; returns (approved, failed, time).
async fn approve(client: &Client, members: &[AccountMember]) -> Res<(usize, usize, Duration)> {
    let items = members
        .iter()
        .map(|m| ApproveItem {
            member_id: m.id.clone(),
            target: Target::NewAccount { name: m.name.clone(), legal_name: m.name.clone() },
        })
        .collect();
    let ok = Arc::new(AtomicUsize::new(0));
    let bad = Arc::new(AtomicUsize::new(0));
    let (o, b) = (ok.clone(), bad.clone());
    let progress: ProgressFn = Arc::new(move |p| {
        if let Progress::Approvals(ApProgress::Row { outcome, .. }) = p {
            match outcome {
                RowOutcome::Approved { .. } | RowOutcome::AlreadyMember { .. } => {
                    o.fetch_add(1, Ordering::Relaxed)
                }
                RowOutcome::Failed { .. } => b.fetch_add(1, Ordering::Relaxed),
            };
        }
    });
    let t = Instant::now();
    perform(
        client,
        ApCall::Approve { items, concurrency: APPROVE_CONCURRENCY },
        progress,
        None,
        &tokio_util::sync::CancellationToken::new(),
    )
    .await?;
    Ok((ok.load(Ordering::Relaxed), bad.load(Ordering::Relaxed), t.elapsed()))
}

async fn sandbox(seed: usize) -> Res<SandboxHandle> {
    let cfg = SandboxConfig { seed: Some(seed), ..SandboxConfig::local() };
    Ok(spawn(cfg).await.map_err(|e| format!("sandbox: {e:#}"))?)
}

fn pct(actual: Duration, bound: f64) -> f64 {
    (actual.as_secs_f64() / bound - 1.0) * 100.0
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn bench_scan(quick: bool) -> Res<()> {
    let sb = sandbox(10_000).await?;
    let counter = Counter::default();
    let fast = client(&sb, 0.0, &counter)?;
    fast.client_credentials_token().await?;
    counter.take();

    // 1. Full scan, rate limit lifted.
    let runs = if quick { 1 } else { 3 };
    let mut times = Vec::new();
    let mut first = Scan::default();
    for i in 0..runs {
        let (s, took) = scan(&fast, Arc::default()).await?;
        let (req, err) = counter.take();
        println!(
            "scan 10 000, no rate limit, run {}: {:>7.1} ms  {} requests ({} errors), \
             listed {}, checked {}, pending {}, with membership {}, failed {}",
            i + 1,
            took.as_secs_f64() * 1e3,
            req,
            err,
            s.listed,
            s.checked,
            s.pending.len(),
            s.with_membership.len(),
            s.failed
        );
        times.push(took);
        first = s;
    }
    println!(
        "scan 10 000, no rate limit: median {:.1} ms (target ≤ 2000 ms)",
        median(&mut times).as_secs_f64() * 1e3
    );

    // 2. The same scan at R requests/s.
    let r = 2000.0;
    let slow = client(&sb, r, &counter)?;
    slow.client_credentials_token().await?;
    counter.take();
    // Let the bucket refill to its burst before starting.
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (s, took) = scan(&slow, Arc::default()).await?;
    let (req, err) = counter.take();
    let bound = req as f64 / r;
    println!(
        "scan 10 000 at {r} req/s: {:.3} s, {req} requests ({err} errors), bound {bound:.3} s, \
         {:+.1} % over the bound (target within 10 %); checked {}",
        took.as_secs_f64(),
        pct(took, bound),
        s.checked
    );

    // 3. Refresh after 100 self sign-ups.
    let realm = fast.realm_id().await?;
    let profile = fast
        .list_password_profiles(&realm)
        .await?
        .into_iter()
        .next()
        .ok_or("the seeded store has no password profile")?;
    for i in 0..100 {
        let email = format!("bench.signup{i}@example.com");
        fast.account_member_tokens(&TokenRequest::SelfSignup {
            profile_id: profile.id.clone(),
            username: email.clone(),
            password: Secret::new("bench-password-1"),
            name: format!("Bench Signup {i}"),
            email,
        })
        .await?;
    }
    counter.take();
    let known = Known {
        approved: first.with_membership.into_iter().collect(),
        pending: first.pending,
        complete: true,
        ..Default::default()
    };
    let (s, took) = scan(&fast, Arc::new(known)).await?;
    let (req, err) = counter.take();
    println!(
        "refresh after 100 sign-ups: {:.1} ms, {req} requests ({err} errors), listed {}, \
         checked {}, new pending {}",
        took.as_secs_f64() * 1e3,
        s.listed,
        s.checked,
        s.pending.len()
    );
    sb.shutdown().await;

    // 2b. 20 requests/s on a 100-member store.
    let sb = sandbox(100).await?;
    let r = 20.0;
    let slow = client(&sb, r, &counter)?;
    slow.client_credentials_token().await?;
    counter.take();
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (s, took) = scan(&slow, Arc::default()).await?;
    let (req, err) = counter.take();
    let bound = req as f64 / r;
    println!(
        "scan 100 at {r} req/s: {:.3} s, {req} requests ({err} errors), bound {bound:.3} s, \
         {:+.1} % over the bound; checked {}",
        took.as_secs_f64(),
        pct(took, bound),
        s.checked
    );
    sb.shutdown().await;
    Ok(())
}

/// A store with 1 000 pending members, and those members (found by a scan).
async fn pending_store() -> Res<(SandboxHandle, Vec<AccountMember>)> {
    let sb = sandbox(10_000).await?;
    let c = client(&sb, 0.0, &Counter::default())?;
    let (s, _) = scan(&c, Arc::default()).await?;
    Ok((sb, s.pending))
}

async fn bench_approve() -> Res<()> {
    let counter = Counter::default();
    let runs = 3;
    let mut times = Vec::new();
    for i in 0..runs {
        let (sb, pending) = pending_store().await?;
        let c = client(&sb, 0.0, &counter)?;
        c.client_credentials_token().await?;
        counter.take();
        let (ok, bad, took) = approve(&c, &pending).await?;
        let (req, err) = counter.take();
        println!(
            "approve {} into new accounts, no rate limit, run {}: {:>7.1} ms  {req} requests \
             ({err} errors), approved {ok}, failed {bad}",
            pending.len(),
            i + 1,
            took.as_secs_f64() * 1e3
        );
        times.push(took);
        sb.shutdown().await;
    }
    println!(
        "approve 1 000, no rate limit: median {:.1} ms (target ≤ 1000 ms)",
        median(&mut times).as_secs_f64() * 1e3
    );

    let r = 400.0;
    let (sb, pending) = pending_store().await?;
    let c = client(&sb, r, &counter)?;
    c.client_credentials_token().await?;
    counter.take();
    tokio::time::sleep(Duration::from_millis(10)).await;
    let (ok, bad, took) = approve(&c, &pending).await?;
    let (req, err) = counter.take();
    let bound = req as f64 / r;
    println!(
        "approve {} at {r} req/s: {:.3} s, {req} requests ({err} errors), bound {bound:.3} s, \
         {:+.1} % over the bound (target within 5 %); approved {ok}, failed {bad}",
        pending.len(),
        took.as_secs_f64(),
        pct(took, bound)
    );
    sb.shutdown().await;
    Ok(())
}

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Res<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// The same approvals as a shell script of one `curl` process per call against
/// the release `onboard sandbox`.
async fn bench_curl(members: usize) -> Res<()> {
    if Command::new("curl").arg("--version").stdout(Stdio::null()).status().is_err() {
        println!("curl comparison skipped: no curl");
        return Ok(());
    }
    let port = free_port()?;
    let child = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .args(["sandbox", "--seed", "10000", "--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let _guard = Killed(child);
    let base = format!("http://127.0.0.1:{port}");
    let cfg = SandboxConfig::local();
    let mut cc = ClientConfig::new(
        base.clone(),
        cfg.client_id.clone(),
        Some(Secret::new(cfg.client_secret.clone())),
    );
    cc.rate_limit = 0.0;
    let deadline = Instant::now() + Duration::from_secs(20);
    let c = loop {
        let c = Client::new(cc.clone())?;
        match c.client_credentials_token().await {
            Ok(_) => break c,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(50)).await
            }
            Err(e) => return Err(e.into()),
        }
    };
    let token = c.client_credentials_token().await?.access_token;
    let (s, _) = scan(&c, Arc::default()).await?;
    let dir = tempfile::tempdir()?;
    let script = dir.path().join("approve.sh");
    let mut sh = String::from("set -e\n");
    sh.push_str(&format!("B={base}\nH='Authorization: Bearer {}'\n", token.expose()));
    for m in s.pending.iter().take(members) {
        let body = serde_json::json!({"data": {"type": "account", "name": m.name,
            "legal_name": m.name}})
        .to_string()
        .replace('\'', "'\\''");
        sh.push_str(&format!(
            "r=$(curl -sf -X POST \"$B/v2/accounts\" -H \"$H\" -H 'Content-Type: application/json' \
             -d '{body}')\nid=${{r#*\\\"id\\\":\\\"}}; id=${{id%%\\\"*}}\n"
        ));
        let mbody = serde_json::json!({"data": {"type": "account_membership",
            "account_member_id": m.id}})
        .to_string();
        sh.push_str(&format!(
            "curl -sf -o /dev/null -X POST \"$B/v2/accounts/$id/account-memberships\" -H \"$H\" \
             -H 'Content-Type: application/json' -d '{mbody}'\n"
        ));
    }
    std::fs::write(&script, sh)?;
    let t = Instant::now();
    let status = Command::new("bash").arg(&script).status()?;
    let took = t.elapsed();
    let calls = 2 * members.min(s.pending.len());
    println!(
        "curl, one process per call: {calls} calls in {:.3} s ({}), {:.2} ms/call, \
         extrapolated to 2 000 calls: {:.1} s",
        took.as_secs_f64(),
        if status.success() { "all ok" } else { "FAILED" },
        took.as_secs_f64() * 1e3 / calls as f64,
        took.as_secs_f64() * 2000.0 / calls as f64
    );
    // Check that the script did approve: a refresh finds fewer pending members.
    let (after, _) = scan(&c, Arc::default()).await?;
    println!("  pending before {}, after {}", s.pending.len(), after.pending.len());
    Ok(())
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let rt = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("runtime: {e}");
            std::process::exit(1);
        }
    };
    let r = rt.block_on(async {
        bench_scan(quick).await?;
        bench_approve().await?;
        bench_curl(100).await
    });
    if let Err(e) = r {
        eprintln!("approvals bench failed: {e}");
        std::process::exit(1);
    }
}
