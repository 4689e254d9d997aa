//! The listener's limits over real sockets: idle and slowloris connections are
//! closed by the server within their (short, configured) timeouts, half-sent
//! bodies time out, cut-off bodies are reported as such, and idle connections
//! at the cap make room for a good delivery.

use std::time::Duration;

use onboard::secret::Secret;
use onboard::webhook::{Limits, ListenerConfig, ListenerEvent, ListenerHandle, start};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc::UnboundedReceiver;

const SEED: &str = include_str!("fixtures/otp_event_seed004.json");
const SECRET: &str = "limits-secret";
/// Only a guard against a hung test, never an assertion on speed.
const HANG: Duration = Duration::from_secs(30);

fn limits(header: u64, body: u64, idle: u64, max: usize) -> Limits {
    Limits {
        header_timeout: Duration::from_millis(header),
        body_timeout: Duration::from_millis(body),
        idle_timeout: Duration::from_millis(idle),
        max_connections: max,
    }
}

async fn listener(
    dir: &std::path::Path,
    limits: Limits,
) -> (ListenerHandle, UnboundedReceiver<ListenerEvent>) {
    let cfg = ListenerConfig {
        limits,
        ..ListenerConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            Some(Secret::new(SECRET)),
            dir.join("events.jsonl"),
        )
    };
    start(cfg).await.unwrap()
}

fn event(id: &str) -> String {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(id);
    v.to_string()
}

async fn deliver(h: &ListenerHandle, id: &str) -> u16 {
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let resp = client
        .post(h.url())
        .header("x-moltin-secret-key", SECRET)
        .body(event(id))
        .timeout(HANG)
        .send()
        .await
        .unwrap();
    resp.status().as_u16()
}

/// Reads until the server closes the connection; returns what it sent.
async fn until_closed(sock: &mut TcpStream) -> String {
    let mut all = Vec::new();
    let mut buf = [0u8; 1024];
    tokio::time::timeout(HANG, async {
        loop {
            match sock.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => all.extend_from_slice(&buf[..n]),
            }
        }
    })
    .await
    .expect("the server never closed the connection");
    String::from_utf8_lossy(&all).into_owned()
}

fn head(h: &ListenerHandle, content_length: usize) -> String {
    format!(
        "POST /webhooks/otp HTTP/1.1\r\nhost: {}\r\nx-moltin-secret-key: {SECRET}\r\n\
         content-type: application/json\r\ncontent-length: {content_length}\r\n\r\n",
        h.local_addr()
    )
}

#[tokio::test]
async fn idle_connections_are_closed_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut rx) = listener(dir.path(), limits(10_000, 10_000, 200, 64)).await;
    let mut silent = TcpStream::connect(h.local_addr()).await.unwrap();
    // A kept-alive connection that goes quiet after one delivery.
    let mut kept = TcpStream::connect(h.local_addr()).await.unwrap();
    let body = event("ka-1");
    kept.write_all(format!("{}{body}", head(&h, body.len())).as_bytes()).await.unwrap();
    assert_eq!(until_closed(&mut silent).await, "");
    let answer = until_closed(&mut kept).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let stats = h.stats();
    // The silent one is a refusal (timeout); the kept-alive one was served.
    assert_eq!(stats.refused.timeout, 1, "{stats:?}");
    assert_eq!(stats.accepted, 1);
    // Connection-level refusals reach the UI too.
    loop {
        match tokio::time::timeout(HANG, rx.recv()).await.unwrap() {
            Some(ListenerEvent::Refusals(r)) => {
                assert_eq!(r.timeout, 1);
                break;
            }
            Some(_) => continue,
            None => panic!("channel closed"),
        }
    }
    h.shutdown().await;
}

#[tokio::test]
async fn slowloris_headers_are_cut_at_the_header_timeout() {
    let dir = tempfile::tempdir().unwrap();
    // A long idle timeout: only the header timeout can close it.
    let (h, _rx) = listener(dir.path(), limits(400, 10_000, 60_000, 64)).await;
    let mut sock = TcpStream::connect(h.local_addr()).await.unwrap();
    let text = head(&h, 10);
    let closed = tokio::time::timeout(HANG, async {
        for b in text.as_bytes() {
            if sock.write_all(&[*b]).await.is_err() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        false
    })
    .await
    .unwrap();
    let rest = until_closed(&mut sock).await;
    assert!(closed || !rest.contains("200"), "the slow head must not be served: {rest}");
    assert_eq!(h.stats().refused.timeout, 1, "{:?}", h.stats());
    // The listener still serves.
    assert_eq!(deliver(&h, "after-slowloris").await, 200);
    h.shutdown().await;
}

#[tokio::test]
async fn half_sent_body_times_out_with_408() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut rx) = listener(dir.path(), limits(10_000, 300, 60_000, 64)).await;
    let mut sock = TcpStream::connect(h.local_addr()).await.unwrap();
    sock.write_all(format!("{}{{\"id\":", head(&h, 500)).as_bytes()).await.unwrap();
    let answer = until_closed(&mut sock).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(matches!(rx.recv().await, Some(ListenerEvent::Rejected { status: 408, .. })));
    assert_eq!(h.stats().refused.timeout, 1);
    h.shutdown().await;
}

#[tokio::test]
async fn a_body_cut_off_midway_is_reported_as_cut_off() {
    let dir = tempfile::tempdir().unwrap();
    let (h, mut rx) = listener(dir.path(), limits(10_000, 10_000, 60_000, 64)).await;
    let mut sock = TcpStream::connect(h.local_addr()).await.unwrap();
    sock.write_all(format!("{}{{\"id\":", head(&h, 500)).as_bytes()).await.unwrap();
    drop(sock); // hang up mid-body
    let ev = tokio::time::timeout(HANG, rx.recv()).await.unwrap();
    match ev {
        Some(ListenerEvent::Rejected { status, reason }) => {
            assert_eq!(status, 400);
            assert!(reason.contains("cut off"), "{reason}");
            assert!(!reason.contains("larger than"), "{reason}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let r = h.stats().refused;
    assert_eq!((r.cut_off, r.too_large), (1, 0), "{r:?}");
    // The UI hears of the counts by cause.
    match tokio::time::timeout(HANG, rx.recv()).await.unwrap() {
        Some(ListenerEvent::Refusals(r)) => assert_eq!(r.summary(), "1 cut off"),
        other => panic!("expected the refusal counts, got {other:?}"),
    }
    h.shutdown().await;
}

#[tokio::test]
async fn idle_connections_at_the_cap_make_room_for_good_deliveries() {
    let dir = tempfile::tempdir().unwrap();
    // Idle connections are only closed to make room (long idle timeout).
    let (h, _rx) = listener(dir.path(), limits(60_000, 10_000, 60_000, 8)).await;
    assert_eq!(h.connection_cap(), 8);
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(TcpStream::connect(h.local_addr()).await.unwrap());
    }
    for i in 0..6 {
        assert_eq!(deliver(&h, &format!("good-{i}")).await, 200, "delivery {i}");
    }
    let stats = h.stats();
    assert_eq!(stats.accepted, 6);
    assert!(stats.evicted >= 12, "{stats:?}");
    assert!(h.open_connections() <= 8, "{}", h.open_connections());
    // The oldest idle connection was among those closed.
    assert_eq!(until_closed(&mut idle[0]).await, "");
    h.shutdown().await;
}
