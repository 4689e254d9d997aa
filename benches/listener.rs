//! Ingestion benchmark server for `benches/listener.sh` (driven by wrk).
//!
//! Needs in Cargo.toml:
//! ```toml
//! [[bench]]
//! name = "listener"
//! harness = false
//! ```
//!
//! `listener MODE BIND EVENTS_FILE [SECRET]`, MODE being
//! - `listener`: the real webhook listener ([`onboard::webhook::start`]): secret
//!   check, parsing, dedupe, durable group-committed log, events to a channel
//!   (drained and counted here, as the console would).
//! - `bare`: a bare axum handler that parses the JSON and group-commits the same
//!   line to the same kind of log, nothing else.
//!
//! Prints `ready ADDR` on stdout once bound; on SIGINT/SIGTERM it stops, then prints
//! one JSON line of counts (persisted, lines in the file, events listed by
//! `load_events`).
// Under the default libtest harness (without the entry above) `main` is not
// the entry point; keep `cargo clippy --all-targets` quiet about that.
#![cfg_attr(test, allow(dead_code, unused_imports))]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use onboard::secret::Secret;
use onboard::webhook::journal::{Journal, JournalSender, make_line};
use onboard::webhook::{ListenerConfig, ListenerEvent, WEBHOOK_PATH, load_events, start};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// The system allocator, counting calls (allocations per event in the report).
struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static ALLOC_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is passed on unchanged to the system allocator.
unsafe impl std::alloc::GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { INNER.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: same contract as ours.
        unsafe { INNER.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        ALLOC_BYTES.fetch_add(new as u64, Ordering::Relaxed);
        // SAFETY: same contract as ours.
        unsafe { INNER.realloc(ptr, layout, new) }
    }
}

static INNER: std::alloc::System = std::alloc::System;
use std::alloc::GlobalAlloc as _;

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let (mode, bind, file) = match args.as_slice() {
        [m, b, f, ..] => (m.clone(), b.clone(), PathBuf::from(f)),
        _ => {
            eprintln!("usage: listener listener|bare BIND EVENTS_FILE [SECRET]");
            std::process::exit(2);
        }
    };
    let secret = args.get(3).cloned();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        match mode.as_str() {
            "listener" => run_listener(bind, file, secret).await,
            "bare" => run_bare(bind, file).await,
            other => Err(format!("unknown mode {other}").into()),
        }
    })
}

async fn stop_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    if let Ok(mut term) = signal(SignalKind::terminate()) {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    } else {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn alloc_snapshot() -> (u64, u64) {
    (ALLOCS.load(Ordering::Relaxed), ALLOC_BYTES.load(Ordering::Relaxed))
}

/// Allocations (calls, bytes) per persisted event between two snapshots.
fn per_event(before: (u64, u64), after: (u64, u64), persisted: u64) -> (f64, f64) {
    let n = persisted.max(1) as f64;
    ((after.0 - before.0) as f64 / n, (after.1 - before.1) as f64 / n)
}

fn report(mode: &str, persisted: u64, forwarded: u64, file: &std::path::Path, serving: (f64, f64)) {
    // Every segment of the log (it rotates at 16 MiB).
    let lines: usize = onboard::webhook::segments::list(file)
        .iter()
        .map(|s| {
            std::fs::read(&s.path).map(|b| b.iter().filter(|&&c| c == b'\n').count()).unwrap_or(0)
        })
        .sum();
    let (listed, warnings) = load_events(file);
    println!(
        "{{\"mode\":\"{mode}\",\"persisted\":{persisted},\"forwarded\":{forwarded},\
         \"file_lines\":{lines},\"listed\":{},\"warnings\":{},\"fsyncs\":{},\
         \"allocs_per_event\":{:.1},\"alloc_bytes_per_event\":{:.0}}}",
        listed.len(),
        warnings.len(),
        onboard::webhook::journal::sync_count(),
        serving.0,
        serving.1,
    );
}

async fn run_listener(bind: String, file: PathBuf, secret: Option<String>) -> Res<()> {
    let cfg = ListenerConfig::new(bind.parse()?, secret.map(Secret::from), file.clone());
    let (handle, mut rx) = start(cfg).await.map_err(|e| format!("{e}"))?;
    println!("ready {}", handle.local_addr());
    let before = alloc_snapshot();
    let forwarded = Arc::new(AtomicU64::new(0));
    let f = forwarded.clone();
    let drain = tokio::spawn(async move {
        while let Some(ev) = rx.recv().await {
            if let ListenerEvent::Received(_) = ev {
                f.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    stop_signal().await;
    let stats = handle.shutdown().await;
    let _ = drain.await;
    eprintln!("{stats:?}");
    let serving = per_event(before, alloc_snapshot(), stats.persisted);
    report("listener", stats.persisted, forwarded.load(Ordering::Relaxed), &file, serving);
    Ok(())
}

async fn bare_handler(State(log): State<JournalSender>, body: Bytes) -> StatusCode {
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    let field = |k: &str| v.get(k).and_then(serde_json::Value::as_str).unwrap_or_default();
    let line = make_line(chrono::Utc::now(), 1, field("id"), field("triggered_by"), &body);
    match log.append(line).await {
        Ok(()) => StatusCode::OK,
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

async fn run_bare(bind: String, file: PathBuf) -> Res<()> {
    let journal = Journal::open(&file)?;
    let app = Router::new().route(WEBHOOK_PATH, post(bare_handler)).with_state(journal.sender());
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    println!("ready {}", listener.local_addr()?);
    let before = alloc_snapshot();
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    axum::serve(listener, app).with_graceful_shutdown(stop_signal()).await?;
    let persisted = journal.persisted();
    journal.close().await;
    let serving = per_event(before, alloc_snapshot(), persisted);
    report("bare", persisted, 0, &file, serving);
    Ok(())
}
