//! The OTP webhook listener over real HTTP on 127.0.0.1:0.

use std::path::Path;

use onboard::secret::Secret;
use onboard::webhook::{
    ListenerConfig, ListenerEvent, ListenerHandle, OtpEvent, load_events, start,
};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedReceiver;

const SEED: &str = include_str!("fixtures/otp_event_seed004.json");
const SECRET: &str = "s3cret-key";

fn seed() -> Value {
    serde_json::from_str(SEED).unwrap()
}

/// The seed as stored and forwarded: without the secret echo.
fn seed_stripped() -> Value {
    let mut v = seed();
    v["configuration"].as_object_mut().unwrap().remove("secret_key");
    v
}

fn event(id: &str, attempt: u32) -> Value {
    let mut v = seed();
    v["id"] = json!(id);
    v["attempt"] = json!(attempt);
    v
}

async fn listener(path: &Path) -> (ListenerHandle, UnboundedReceiver<ListenerEvent>) {
    let cfg = ListenerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        Some(Secret::new(SECRET)),
        path.to_path_buf(),
    );
    start(cfg).await.unwrap()
}

async fn post(h: &ListenerHandle, secret: Option<&str>, body: impl Into<reqwest::Body>) -> u16 {
    let mut req =
        reqwest::Client::new().post(h.url()).header("content-type", "application/json").body(body);
    if let Some(s) = secret {
        req = req.header("X-MOLTIN-SECRET-KEY", s);
    }
    req.send().await.unwrap().status().as_u16()
}

async fn post_json(h: &ListenerHandle, v: &Value) -> u16 {
    post(h, Some(SECRET), v.to_string()).await
}

/// A chunked POST over a raw socket (no Content-Length); returns the status.
async fn chunked_post(h: &ListenerHandle, body: &str) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut sock = tokio::net::TcpStream::connect(h.local_addr()).await.unwrap();
    let mut req = format!(
        "POST /webhooks/otp HTTP/1.1\r\nhost: {}\r\nx-moltin-secret-key: {SECRET}\r\n\
         content-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n",
        h.local_addr()
    );
    for chunk in body.as_bytes().chunks(1000) {
        req.push_str(&format!("{:x}\r\n{}\r\n", chunk.len(), String::from_utf8_lossy(chunk)));
    }
    req.push_str("0\r\n\r\n");
    sock.write_all(req.as_bytes()).await.unwrap();
    let mut buf = vec![0u8; 12];
    sock.read_exact(&mut buf).await.unwrap();
    let head = String::from_utf8_lossy(&buf).to_string();
    head[9..12].parse().unwrap()
}

fn received(ev: Option<ListenerEvent>) -> OtpEvent {
    match ev {
        Some(ListenerEvent::Received(e)) => e,
        other => panic!("expected Received, got {other:?}"),
    }
}

/// The next `n` events, as the OTP events and the duplicates (id, attempt)
/// among them. A duplicate acknowledged while its first delivery was being
/// committed may come before or after that delivery's event.
async fn next_events(
    rx: &mut UnboundedReceiver<ListenerEvent>,
    n: usize,
) -> (Vec<OtpEvent>, Vec<(String, u32)>) {
    let (mut events, mut dups) = (Vec::new(), Vec::new());
    for i in 0..n {
        // A guard against a hang, not a timed assertion: each comes at once.
        let next = tokio::time::timeout(std::time::Duration::from_secs(30), rx.recv()).await;
        let next = next.unwrap_or_else(|_| panic!("only {i} of {n} events arrived"));
        match next {
            Some(ListenerEvent::Received(e)) => events.push(e),
            Some(ListenerEvent::Duplicate { id, attempt }) => dups.push((id, attempt)),
            other => panic!("expected an event or a duplicate, got {other:?}"),
        }
    }
    (events, dups)
}

#[tokio::test]
async fn seed_payload_is_accepted_without_its_secret_echo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    // The body says secret_key ""; the header carries the configured secret.
    assert_eq!(post(&h, Some(SECRET), SEED).await, 200);
    let ev = received(rx.recv().await);
    assert_eq!(ev.id, "31ca9869-a6eb-4f06-989c-17900fa12f2d");
    assert_eq!(ev.attempt, 1);
    assert_eq!(ev.payload.code.expose(), "lprvj4");
    assert_eq!(ev.payload.username, "john.doe@banks.com");
    assert_eq!(ev.raw.value(), seed_stripped());
    assert_eq!(ev.expires_at().to_rfc3339(), "2023-09-05T15:03:01.584+00:00");
    let stats = h.stats();
    assert_eq!((stats.accepted, stats.persisted), (1, 1));
    h.shutdown().await;
    // On disk before the ack.
    let (events, warnings) = load_events(&path);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].raw.value(), seed_stripped());
}

#[tokio::test]
async fn the_secret_echo_never_reaches_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    let mut ev = event("e1", 1);
    ev["configuration"]["secret_key"] = json!(SECRET);
    assert_eq!(post_json(&h, &ev).await, 200);
    let got = received(rx.recv().await);
    assert!(!got.raw.text().contains(SECRET));
    assert!(!got.raw.text().contains("secret_key"));
    assert_eq!(got.raw.value()["configuration"]["url"], seed()["configuration"]["url"]);
    h.shutdown().await;
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains(SECRET), "{text}");
    assert!(!text.contains("secret_key"), "{text}");
}

#[tokio::test]
async fn header_name_is_case_insensitive() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _rx) = listener(&dir.path().join("e.jsonl")).await;
    let status = reqwest::Client::new()
        .post(h.url())
        .header("x-moltin-secret-key", SECRET)
        .body(SEED)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 200);
    h.shutdown().await;
}

#[tokio::test]
async fn wrong_or_missing_secret_is_401_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    assert_eq!(post(&h, Some("nope"), SEED).await, 401);
    assert!(matches!(rx.recv().await, Some(ListenerEvent::Rejected { status: 401, .. })));
    assert_eq!(post(&h, None, SEED).await, 401);
    assert_eq!(post(&h, Some(""), SEED).await, 401);
    assert_eq!(post(&h, Some("s3cret-ke"), SEED).await, 401);
    assert_eq!(h.stats().refused.bad_secret, 4);
    assert_eq!(h.stats().accepted, 0);
    // The secret can change while running.
    h.set_secret(Some(Secret::new("other")));
    assert_eq!(post(&h, Some(SECRET), SEED).await, 401);
    assert_eq!(post(&h, Some("other"), SEED).await, 200);
    h.shutdown().await;
    assert_eq!(load_events(&path).0.len(), 1);
}

#[tokio::test]
async fn error_bodies_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _rx) = listener(&dir.path().join("e.jsonl")).await;
    let resp = reqwest::Client::new().post(h.url()).body(SEED).send().await.unwrap();
    assert_eq!(resp.status(), 401);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["errors"][0]["status"], 401);
    assert!(!body.to_string().contains(SECRET));
    h.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_400() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    assert_eq!(post(&h, Some(SECRET), "{\"id\": ").await, 400);
    assert!(matches!(rx.recv().await, Some(ListenerEvent::Rejected { status: 400, .. })));
    assert_eq!(post(&h, Some(SECRET), "[1,2]").await, 400);
    assert_eq!(post_json(&h, &json!({"triggered_by": "x"})).await, 400); // no id
    let mut no_code = seed();
    no_code["payload"].as_object_mut().unwrap().remove("one_time_password_token");
    assert_eq!(post_json(&h, &no_code).await, 400);
    let mut bad_attempt = seed();
    bad_attempt["attempt"] = json!("two");
    assert_eq!(post_json(&h, &bad_attempt).await, 400);
    // A member the listener reads, given twice: which one counts is ambiguous.
    let twice = SEED.replacen("{", "{\"id\": \"other\",", 1);
    assert_eq!(post(&h, Some(SECRET), twice).await, 400);
    // Not UTF-8 (in a string the listener does not read).
    let mut bytes = SEED.as_bytes().to_vec();
    let at = SEED.find("webhook.site").unwrap();
    bytes[at] = 0xff;
    assert_eq!(post(&h, Some(SECRET), bytes).await, 400);
    assert_eq!(h.stats().refused.bad_body, 7);
    h.shutdown().await;
    assert_eq!(load_events(&path).0.len(), 0);
}

#[tokio::test]
async fn oversize_body_is_413() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let mut cfg = ListenerConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        Some(Secret::new(SECRET)),
        path.clone(),
    );
    assert_eq!(cfg.max_body, 64 * 1024);
    cfg.max_body = 4096;
    let (h, mut rx) = start(cfg).await.unwrap();
    let mut big = seed();
    big["padding"] = json!("x".repeat(5000));
    assert_eq!(post_json(&h, &big).await, 413);
    assert!(matches!(rx.recv().await, Some(ListenerEvent::Rejected { status: 413, .. })));
    // Without a Content-Length (chunked), the limit holds while reading.
    assert_eq!(chunked_post(&h, &big.to_string()).await, 413);
    // Just under the limit is fine.
    assert_eq!(post(&h, Some(SECRET), SEED).await, 200);
    h.shutdown().await;
    assert_eq!(load_events(&path).0.len(), 1);
}

#[tokio::test]
async fn wrong_path_404_wrong_method_405() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _rx) = listener(&dir.path().join("e.jsonl")).await;
    let c = reqwest::Client::new();
    let base = format!("http://{}", h.local_addr());
    let r = c.post(format!("{base}/webhooks/other")).header("x-moltin-secret-key", SECRET);
    assert_eq!(r.body(SEED).send().await.unwrap().status(), 404);
    assert_eq!(c.get(format!("{base}/")).send().await.unwrap().status(), 404);
    let r = c.get(h.url()).send().await.unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "POST");
    assert_eq!(c.put(h.url()).body(SEED).send().await.unwrap().status(), 405);
    assert_eq!(c.delete(h.url()).send().await.unwrap().status(), 405);
    h.shutdown().await;
}

#[tokio::test]
async fn duplicate_id_is_acknowledged_once_stored() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    let stats = h.stats();
    assert_eq!((stats.accepted, stats.duplicates, stats.persisted), (1, 2, 1));
    // One event; each duplicate is told as one (the store logged a delivery)
    // but is not forwarded as an event again.
    let (events, dups) = next_events(&mut rx, 3).await;
    assert_eq!(events.iter().map(|e| e.id.as_str()).collect::<Vec<_>>(), ["e1"]);
    assert_eq!(dups, [("e1".to_owned(), 1), ("e1".to_owned(), 1)]);
    assert!(rx.try_recv().is_err(), "nothing else is forwarded");
    h.shutdown().await;
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 1);
}

#[tokio::test]
async fn higher_attempt_updates_the_row() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    assert_eq!(post_json(&h, &event("e1", 2)).await, 200);
    // Attempt 1 is forwarded unless attempt 2 superseded it before its commit
    // was processed; either way the last row the UI sees is attempt 2.
    let mut ev = received(rx.recv().await);
    if ev.attempt == 1 {
        ev = received(rx.recv().await);
    }
    assert_eq!((ev.id.as_str(), ev.attempt), ("e1", 2));
    assert_eq!(h.stats().persisted, 2);
    assert_eq!(h.stats().accepted, 2);
    h.shutdown().await;
    let (events, _) = load_events(&path);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].attempt, 2);
}

#[tokio::test]
async fn out_of_order_attempts_keep_the_highest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e1", 2)).await, 200);
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    let (events, dups) = next_events(&mut rx, 2).await;
    assert_eq!(events.iter().map(|e| e.attempt).collect::<Vec<_>>(), [2]);
    assert_eq!(dups, [("e1".to_owned(), 1)], "the older attempt is a duplicate, not an event");
    assert!(rx.try_recv().is_err());
    assert_eq!(h.stats().duplicates, 1);
    h.shutdown().await;
    let (events, _) = load_events(&path);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].attempt, 2);
}

#[tokio::test]
async fn concurrent_deliveries_are_all_persisted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..200 {
        let c = client.clone();
        let url = h.url();
        // Every id twice, to race duplicates against their first delivery.
        let body = event(&format!("e{}", i % 100), 1).to_string();
        tasks.push(tokio::spawn(async move {
            c.post(url).header("x-moltin-secret-key", SECRET).body(body).send().await
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap().unwrap().status(), 200);
    }
    let stats = h.stats();
    assert_eq!((stats.accepted, stats.duplicates, stats.persisted), (100, 100, 100));
    let (events, dups) = next_events(&mut rx, 200).await;
    assert_eq!((events.len(), dups.len()), (100, 100));
    h.shutdown().await;
    assert_eq!(load_events(&path).0.len(), 100);
}

#[tokio::test]
async fn other_event_types_are_stored_not_forwarded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, mut rx) = listener(&path).await;
    let other = json!({"id": "x1", "triggered_by": "account-member.created", "payload": {}});
    assert_eq!(post_json(&h, &other).await, 200);
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    assert_eq!(received(rx.recv().await).id, "e1");
    let stats = h.stats();
    assert_eq!((stats.accepted, stats.other, stats.persisted), (2, 1, 2));
    h.shutdown().await;
    assert_eq!(std::fs::read_to_string(&path).unwrap().lines().count(), 2);
    assert_eq!(load_events(&path).0.len(), 1);
}

#[tokio::test]
async fn restart_reloads_persisted_events_and_remembers_ids() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/events.jsonl");
    let (h, _rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    assert_eq!(post_json(&h, &event("e2", 3)).await, 200);
    // No graceful shutdown: what was acknowledged must already be on disk.
    let (events, warnings) = load_events(&path);
    assert!(warnings.is_empty());
    assert_eq!(events.len(), 2);
    h.shutdown().await;

    let (h, mut rx) = listener(&path).await;
    // A retry of an event stored before the restart is a duplicate.
    assert_eq!(post_json(&h, &event("e2", 3)).await, 200);
    assert_eq!(h.stats().duplicates, 1);
    assert!(matches!(
        rx.recv().await,
        Some(ListenerEvent::Duplicate { id, attempt: 3 }) if id == "e2"
    ));
    assert_eq!(post_json(&h, &event("e3", 1)).await, 200);
    assert_eq!(received(rx.recv().await).id, "e3");
    h.shutdown().await;
    let (events, _) = load_events(&path);
    let ids: Vec<_> = events.iter().map(|e| (e.id.as_str(), e.attempt)).collect();
    assert_eq!(ids, [("e1", 1), ("e2", 3), ("e3", 1)]);
    assert_eq!(events[0].payload.code.expose(), "lprvj4");
}

#[tokio::test]
async fn corrupt_line_is_skipped_and_the_file_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("events.jsonl");
    let (h, _rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e1", 1)).await, 200);
    h.shutdown().await;
    // Damage: a garbage line in the middle and a torn last line.
    let mut text = std::fs::read_to_string(&path).unwrap();
    text.push_str("{\"received_at\": garbage\n");
    std::fs::write(&path, &text).unwrap();
    let (h, _rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e2", 1)).await, 200);
    h.shutdown().await;
    let mut damaged = std::fs::read_to_string(&path).unwrap();
    damaged.push_str("{\"received_at\":\"2024-01-01T00:00:00Z\",\"att");
    std::fs::write(&path, &damaged).unwrap();
    let (h, _rx) = listener(&path).await;
    assert_eq!(post_json(&h, &event("e3", 1)).await, 200);
    h.shutdown().await;

    let before = std::fs::read_to_string(&path).unwrap();
    let (events, warnings) = load_events(&path);
    let ids: Vec<_> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["e1", "e2", "e3"]);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains(":2:"), "{warnings:?}");
    // Loading never rewrites the file, and the damage is still there.
    assert_eq!(std::fs::read_to_string(&path).unwrap(), before);
    assert!(before.starts_with(&damaged));
    assert_eq!(before.lines().count(), 5);
}

#[tokio::test]
async fn missing_file_loads_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (events, warnings) = load_events(&dir.path().join("nope.jsonl"));
    assert!(events.is_empty() && warnings.is_empty());
}

#[tokio::test]
async fn port_in_use_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (h, _rx) = listener(&dir.path().join("e.jsonl")).await;
    let cfg = ListenerConfig::new(h.local_addr(), None, dir.path().join("f.jsonl"));
    let err = start(cfg).await.err().unwrap().to_string();
    assert!(err.contains("already in use"), "{err}");
    h.shutdown().await;
}

#[tokio::test]
async fn no_secret_configured_accepts_without_header() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = ListenerConfig::new("127.0.0.1:0".parse().unwrap(), None, dir.path().join("e.jsonl"));
    let (h, _rx) = start(cfg).await.unwrap();
    assert_eq!(post(&h, None, SEED).await, 200);
    h.shutdown().await;
}
