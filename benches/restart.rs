//! Restart benchmark: listener restart time and peak RSS, and the console's
//! event load, after 10 000 and 90 000 events in the log.
//!
//! `cargo bench --bench restart` (optionally `-- 10000 90000`). For each size
//! it writes a log of that many realistic OTP events (seed 004 bodies, unique
//! ids, in 16 MiB segments as the listener rotates them), then:
//! - `listener`: spawns this binary as a child that starts the real listener
//!   on the log ([`onboard::webhook::start`]); the parent posts one delivery
//!   until it gets a 2xx. Reported: time from spawn to that first 2xx, and the
//!   child's peak RSS (`VmHWM`).
//! - `console`: a child loads the OTP list the way the console does at start
//!   ([`onboard::webhook::load_recent`] with the default 2 000 events).
//!   Reported: load time and peak RSS.
//!
//! Goals (issue 13): listener peak RSS ≤ 64 MB, console ≤ 128 MB, first 2xx
//! after restart ≤ 1 s, after 90 000 events.
#![cfg_attr(test, allow(dead_code, unused_imports))]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use onboard::secret::Secret;
use onboard::webhook::journal::{Policy, make_line};
use onboard::webhook::segments::closed_path;
use onboard::webhook::{DEFAULT_CONSOLE_EVENTS, ListenerConfig, load_recent, start};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const SEED: &str = include_str!("../tests/fixtures/otp_event_seed004.json");
const SECRET: &str = "bench-secret";

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("serve") => return serve(Path::new(&args[1])),
        Some("load") => return load(Path::new(&args[1])),
        _ => {}
    }
    let sizes: Vec<usize> = if args.is_empty() {
        vec![10_000, 90_000]
    } else {
        args.iter().filter_map(|a| a.parse().ok()).collect()
    };
    for n in sizes {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("events.jsonl");
        let bytes = generate(&file, n)?;
        let (first_ok, listener_kb) = measure_listener(&file)?;
        let (load_ms, listed, console_kb) = measure_console(&file)?;
        println!(
            "{{\"events\":{n},\"log_mb\":{:.1},\"listener_first_2xx_ms\":{:.0},\
             \"listener_peak_rss_mb\":{:.1},\"console_load_ms\":{load_ms:.0},\
             \"console_listed\":{listed},\"console_peak_rss_mb\":{:.1}}}",
            bytes as f64 / 1e6,
            first_ok.as_secs_f64() * 1e3,
            listener_kb as f64 / 1024.0,
            console_kb as f64 / 1024.0,
        );
    }
    Ok(())
}

/// Writes `n` events in segments the way the listener does (same line format).
fn generate(active: &Path, n: usize) -> Res<u64> {
    let seed: serde_json::Value = serde_json::from_str(SEED)?;
    let policy = Policy::default();
    let mut seq = 1;
    let mut out = std::io::BufWriter::new(std::fs::File::create(closed_path(active, seq, false))?);
    let mut in_segment = 0u64;
    let mut total = 0u64;
    let start = chrono::Utc::now() - chrono::Duration::minutes(30);
    for i in 0..n {
        let mut ev = seed.clone();
        let id = format!("bench-{i:08}-{}", uuid::Uuid::new_v4());
        ev["id"] = serde_json::json!(id);
        ev["configuration"].as_object_mut().map(|c| c.remove("secret_key"));
        let t = start + chrono::Duration::milliseconds(i as i64 * 10);
        ev["payload"]["created_at"] = serde_json::json!(t.to_rfc3339());
        let line = make_line(t, 1, &id, onboard::webhook::OTP_EVENT, ev.to_string().as_bytes());
        if in_segment + line.len() as u64 > policy.segment_bytes {
            out.flush()?;
            seq += 1;
            out = std::io::BufWriter::new(std::fs::File::create(closed_path(active, seq, false))?);
            in_segment = 0;
        }
        out.write_all(&line)?;
        in_segment += line.len() as u64;
        total += line.len() as u64;
    }
    out.flush()?;
    drop(out);
    // The newest segment is the active one.
    std::fs::rename(closed_path(active, seq, false), active)?;
    Ok(total)
}

fn peak_rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn measure_listener(file: &Path) -> Res<(Duration, u64)> {
    let exe = std::env::current_exe()?;
    let t0 = Instant::now();
    let mut child = Command::new(exe)
        .arg("serve")
        .arg(file)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let addr = loop {
        let line = lines.next().ok_or("the child exited")??;
        if let Some(a) = line.strip_prefix("ready ") {
            break a.to_owned();
        }
    };
    let mut body: serde_json::Value = serde_json::from_str(SEED)?;
    body["id"] = serde_json::json!("after-restart");
    let body = body.to_string();
    let first_ok = loop {
        if post(&addr, &body).is_ok_and(|s| (200..300).contains(&s)) {
            break t0.elapsed();
        }
        if t0.elapsed() > Duration::from_secs(60) {
            return Err("no 2xx within 60 s".into());
        }
        std::thread::sleep(Duration::from_millis(1));
    };
    let rss = peak_rss_kb(child.id());
    let _ = child.kill();
    let _ = child.wait();
    Ok((first_ok, rss))
}

/// A minimal HTTP/1.1 POST (no client library in the parent's timing).
fn post(addr: &str, body: &str) -> std::io::Result<u16> {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(addr)?;
    write!(
        s,
        "POST /webhooks/otp HTTP/1.1\r\nhost: {addr}\r\nx-moltin-secret-key: {SECRET}\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head)?;
    String::from_utf8_lossy(&head[9..12]).parse().map_err(std::io::Error::other)
}

fn measure_console(file: &Path) -> Res<(f64, usize, u64)> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe).arg("load").arg(file).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace();
    let ms: f64 = it.next().ok_or("no output")?.parse()?;
    let listed: usize = it.next().ok_or("no output")?.parse()?;
    let kb: u64 = it.next().ok_or("no output")?.parse()?;
    Ok((ms, listed, kb))
}

/// Child: the listener on the log, until killed.
fn serve(file: &Path) -> Res<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let cfg = ListenerConfig::new(
            "127.0.0.1:0".parse()?,
            Some(Secret::new(SECRET)),
            PathBuf::from(file),
        );
        let (handle, mut rx) = start(cfg).await.map_err(|e| format!("{e}"))?;
        println!("ready {}", handle.local_addr());
        std::io::stdout().flush()?;
        while rx.recv().await.is_some() {}
        Ok(())
    })
}

/// Child: the console's start-up load; prints `ms listed peak_kb`.
fn load(file: &Path) -> Res<()> {
    let t = Instant::now();
    let (events, _) = load_recent(file, DEFAULT_CONSOLE_EVENTS);
    let ms = t.elapsed().as_secs_f64() * 1e3;
    println!("{ms:.1} {} {}", events.len(), peak_rss_kb(std::process::id()));
    Ok(())
}
