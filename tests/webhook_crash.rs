//! Crash safety of the real `onboard listen` binary: a flood of deliveries,
//! `kill -9` in the middle of it, a restart on the same data dir: every
//! acknowledged event is in the log, and retries of acknowledged events are
//! duplicates after the restart. The log rotates into small segments during
//! the flood (`[listener] segment_mib = 1` in the config), so acknowledged
//! events must survive rotation too.
#![cfg(unix)]

use std::collections::HashSet;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const SEED: &str = include_str!("fixtures/otp_event_seed004.json");
const SECRET: &str = "crash-secret";
const HANG: Duration = Duration::from_secs(120);

async fn spawn(dir: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_onboard"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("ONBOARD_DATA_DIR", dir)
        .args(["--config"])
        .arg(dir.join("config.toml"))
        .args(["listen", "--bind", "127.0.0.1:0", "--secret-file"])
        .arg(dir.join("secret"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = tokio::time::timeout(HANG, async {
        loop {
            let line = err.next_line().await.unwrap().expect("stderr closed before listening");
            assert!(!line.contains("warning: --secret"), "a file is not a flag: {line}");
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
        }
    })
    .await
    .unwrap();
    tokio::spawn(async move { while let Ok(Some(_)) = err.next_line().await {} });
    (child, url)
}

fn body(id: &str) -> String {
    let mut v: Value = serde_json::from_str(SEED).unwrap();
    v["id"] = json!(id);
    v["configuration"]["secret_key"] = json!(SECRET);
    v.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_flood_loses_no_acknowledged_event() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("secret"), format!("{SECRET}\n")).unwrap();
    std::fs::write(dir.path().join("config.toml"), "[listener]\nsegment_mib = 1\n").unwrap();
    let (mut child, url) = spawn(dir.path()).await;

    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let client = reqwest::Client::new();
    let mut senders = Vec::new();
    for w in 0..16 {
        let (client, url, acked) = (client.clone(), url.clone(), acked.clone());
        senders.push(tokio::spawn(async move {
            for i in 0..250 {
                let id = format!("w{w}-e{i}");
                let sent = client
                    .post(&url)
                    .header("x-moltin-secret-key", SECRET)
                    .body(body(&id))
                    .timeout(Duration::from_secs(20))
                    .send()
                    .await;
                match sent {
                    Ok(r) if r.status() == 200 => acked.lock().unwrap().push(id),
                    Ok(r) => panic!("unexpected {}", r.status()),
                    Err(_) => return, // the listener is gone
                }
            }
        }));
    }
    // Kill it once a good part of the flood is acknowledged.
    tokio::time::timeout(HANG, async {
        while acked.lock().unwrap().len() < 1500 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the flood did not progress");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    for s in senders {
        s.await.unwrap();
    }
    let acked: Vec<String> = acked.lock().unwrap().clone();
    assert!(acked.len() >= 1500 && acked.len() < 4000, "{}", acked.len());

    // Every acknowledged event is on disk, across the segments.
    let events_file = dir.path().join("events.jsonl");
    let segments = onboard::webhook::segments::list(&events_file);
    assert!(segments.len() >= 2, "the log should have rotated: {segments:?}");
    let (events, _) = onboard::webhook::load_events(&events_file);
    let stored: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    let lost: Vec<&String> = acked.iter().filter(|id| !stored.contains(id.as_str())).collect();
    assert!(lost.is_empty(), "{} acknowledged events lost, e.g. {:?}", lost.len(), &lost[..1]);
    let text: String =
        segments.iter().map(|s| std::fs::read_to_string(&s.path).unwrap_or_default()).collect();
    assert!(!text.contains(SECRET), "the secret echo reached the log");

    // Restart: retries of acknowledged events are duplicates, new ones stored.
    let (mut child, url) = spawn(dir.path()).await;
    let post = |id: String| {
        let (client, url) = (client.clone(), url.clone());
        async move {
            let r = client
                .post(&url)
                .header("x-moltin-secret-key", SECRET)
                .body(body(&id))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()["status"].as_str().unwrap_or_default().to_owned()
        }
    };
    for id in acked.iter().step_by(97).take(10) {
        assert_eq!(post(id.clone()).await, "duplicate", "{id}");
    }
    assert_eq!(post("after-restart".into()).await, "accepted");
    child.start_kill().unwrap();
    child.wait().await.unwrap();
    let (events, _) = onboard::webhook::load_events(&events_file);
    assert!(events.iter().any(|e| e.id == "after-restart"));
}
