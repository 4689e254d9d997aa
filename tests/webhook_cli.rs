//! `onboard listen` as a real process.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

const SEED: &str = include_str!("fixtures/otp_event_seed004.json");
const SECRET: &str = "cli-secret";
/// Only a guard against a hung test, never an assertion on speed.
const HANG: Duration = Duration::from_secs(60);

fn command(data_dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_onboard"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", data_dir)
        .env("XDG_CONFIG_HOME", data_dir.join("config"))
        .env("ONBOARD_DATA_DIR", data_dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// An event as `listen --json` prints it: without `configuration.secret_key`.
fn stripped(v: &Value) -> Value {
    let mut v = v.clone();
    v["configuration"].as_object_mut().unwrap().remove("secret_key");
    v
}

struct Running {
    child: Child,
    stdout: Lines<BufReader<ChildStdout>>,
    url: String,
    /// What stderr said before "listening on".
    before: Vec<String>,
    /// The rest of stderr, line by line.
    err: tokio::sync::mpsc::UnboundedReceiver<String>,
}

async fn spawn_listen(data_dir: &std::path::Path, extra: &[&str]) -> Running {
    let mut cmd = command(data_dir);
    cmd.args(["listen", "--bind", "127.0.0.1:0"]).args(extra);
    spawn(cmd).await
}

async fn spawn(mut cmd: Command) -> Running {
    let mut child = cmd.spawn().unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut stderr: Lines<BufReader<ChildStderr>> =
        BufReader::new(child.stderr.take().unwrap()).lines();
    let mut before = Vec::new();
    let url = tokio::time::timeout(HANG, async {
        loop {
            let line = stderr.next_line().await.unwrap().expect("stderr closed before listening");
            if let Some(rest) = line.strip_prefix("listening on ") {
                break rest.split_whitespace().next().unwrap().to_owned();
            }
            before.push(line);
        }
    })
    .await
    .unwrap();
    // Keep draining stderr so the child never blocks on it.
    let (tx, err) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(l)) = stderr.next_line().await {
            let _ = tx.send(l);
        }
    });
    Running { child, stdout, url, before, err }
}

async fn post(url: &str, body: &Value) -> u16 {
    reqwest::Client::new()
        .post(url)
        .header("X-Moltin-Secret-Key", SECRET)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn next_line(r: &mut Running) -> String {
    tokio::time::timeout(HANG, r.stdout.next_line()).await.unwrap().unwrap().unwrap()
}

async fn interrupt(mut r: Running) -> (std::process::ExitStatus, Vec<String>) {
    let pid = r.child.id().unwrap().to_string();
    let ok = std::process::Command::new("kill").args(["-INT", &pid]).status().unwrap();
    assert!(ok.success());
    let mut rest = Vec::new();
    while let Ok(Some(l)) = tokio::time::timeout(HANG, r.stdout.next_line()).await.unwrap() {
        rest.push(l);
    }
    (tokio::time::timeout(HANG, r.child.wait()).await.unwrap().unwrap(), rest)
}

#[cfg(unix)]
#[tokio::test]
async fn listen_json_prints_one_line_per_event_and_exits_on_ctrl_c() {
    let dir = tempfile::tempdir().unwrap();
    let mut r = spawn_listen(dir.path(), &["--secret", SECRET, "--json"]).await;
    let seed: Value = serde_json::from_str(SEED).unwrap();
    let mut second = seed.clone();
    second["id"] = json!("second-event");
    second["attempt"] = json!(1);

    assert_eq!(post(&r.url, &seed).await, 200);
    assert_eq!(post(&r.url, &seed).await, 200); // duplicate: no line
    assert_eq!(post(&r.url, &second).await, 200);
    let mut wrong = reqwest::Client::new().post(&r.url).body(SEED);
    wrong = wrong.header("X-Moltin-Secret-Key", "bad");
    assert_eq!(wrong.send().await.unwrap().status(), 401);

    let first: Value = serde_json::from_str(&next_line(&mut r).await).unwrap();
    assert_eq!(first, stripped(&seed), "the JSON line is the event as received, minus the echo");
    let line2: Value = serde_json::from_str(&next_line(&mut r).await).unwrap();
    assert_eq!(line2, stripped(&second));

    let (status, rest) = interrupt(r).await;
    assert!(status.success(), "{status:?}");
    assert!(rest.is_empty(), "no more lines expected: {rest:?}");
    let log = std::fs::read_to_string(dir.path().join("events.jsonl")).unwrap();
    assert_eq!(log.lines().count(), 2);
}

#[cfg(unix)]
#[tokio::test]
async fn listen_human_lines_mask_the_code() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("custom/events.jsonl");
    let events_arg = events.to_str().unwrap();
    let mut cmd_args = vec!["--events-file", events_arg];
    cmd_args.extend(["--secret", SECRET]);
    let mut r = spawn_listen(dir.path(), &cmd_args).await;
    let seed: Value = serde_json::from_str(SEED).unwrap();
    assert_eq!(post(&r.url, &seed).await, 200);
    let line = next_line(&mut r).await;
    assert!(line.contains("reset_password  john.doe@banks.com  code ••••••"), "{line}");
    assert!(line.ends_with("attempt 1"), "{line}");
    assert!(!line.contains("lprvj4"));
    let (status, _) = interrupt(r).await;
    assert!(status.success());
    assert_eq!(std::fs::read_to_string(&events).unwrap().lines().count(), 1);
}

#[tokio::test]
async fn listen_without_a_secret_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let out = command(dir.path()).args(["listen", "--bind", "127.0.0.1:0"]).output().await.unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("secret is required"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn listen_secret_from_env() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = command(dir.path());
    cmd.env("ONBOARD_WEBHOOK_SECRET", SECRET).args(["listen", "--bind", "127.0.0.1:0", "--json"]);
    let mut r = spawn(cmd).await;
    let seed: Value = serde_json::from_str(SEED).unwrap();
    assert_eq!(post(&r.url, &seed).await, 200);
    let line = next_line(&mut r).await;
    assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), stripped(&seed));
    let (status, _) = interrupt(r).await;
    assert!(status.success());
}

#[cfg(unix)]
#[tokio::test]
async fn a_secret_flag_is_warned_about_and_a_secret_file_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let r = spawn_listen(dir.path(), &["--secret", SECRET]).await;
    assert!(
        r.before.first().is_some_and(|l| l.contains("warning: --secret on the command line")),
        "{:?}",
        r.before
    );
    interrupt(r).await;

    let file = dir.path().join("webhook-secret");
    std::fs::write(&file, format!("{SECRET}\n")).unwrap();
    // The file wins over the environment variable.
    let mut cmd = command(dir.path());
    cmd.env("ONBOARD_WEBHOOK_SECRET", "not-this-one").args([
        "listen",
        "--bind",
        "127.0.0.1:0",
        "--json",
        "--secret-file",
        file.to_str().unwrap(),
    ]);
    let mut r = spawn(cmd).await;
    assert!(!r.before.iter().any(|l| l.contains("warning")), "{:?}", r.before);
    let seed: Value = serde_json::from_str(SEED).unwrap();
    assert_eq!(post(&r.url, &seed).await, 200);
    next_line(&mut r).await;
    let (status, _) = interrupt(r).await;
    assert!(status.success());

    // A missing secret file is a clear error that names it.
    let out = command(dir.path())
        .args(["listen", "--bind", "127.0.0.1:0", "--secret-file", "/nonexistent/secret"])
        .output()
        .await
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot read the secret file /nonexistent/secret"), "{err}");
}

#[tokio::test]
async fn a_client_secret_flag_is_warned_about_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    let out =
        command(dir.path()).args(["--client-secret", "hunter22", "check"]).output().await.unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    assert!(first.contains("warning: --client-secret on the command line"), "{err}");
    assert!(!err.contains("hunter22"), "{err}");
    // From the environment: no warning.
    let out = command(dir.path())
        .env("EPCC_CLIENT_SECRET", "hunter22")
        .args(["check"])
        .output()
        .await
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("warning: --client-secret"), "{err}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_stop_line_counts_refusals_by_cause() {
    let dir = tempfile::tempdir().unwrap();
    let r = spawn_listen(dir.path(), &["--secret", SECRET]).await;
    let wrong = reqwest::Client::new().post(&r.url).header("X-Moltin-Secret-Key", "bad").body(SEED);
    assert_eq!(wrong.send().await.unwrap().status(), 401);
    let bad = reqwest::Client::new().post(&r.url).header("X-Moltin-Secret-Key", SECRET).body("{");
    assert_eq!(bad.send().await.unwrap().status(), 400);
    let mut r = r;
    // Wait until both refusals are reported on stderr.
    let mut refused = 0;
    while refused < 2 {
        let l = tokio::time::timeout(HANG, r.err.recv()).await.unwrap().unwrap();
        refused += usize::from(l.starts_with("refused a delivery"));
    }
    let (tx, mut err) = tokio::sync::mpsc::unbounded_channel();
    std::mem::swap(&mut r.err, &mut err);
    drop(tx);
    let (status, _) = interrupt(r).await;
    assert!(status.success());
    let mut rest = Vec::new();
    while let Some(l) = err.recv().await {
        rest.push(l);
    }
    let stop = rest.iter().find(|l| l.starts_with("stopped:")).expect("a stop line");
    assert!(
        stop.contains("refused: 0 timeout, 0 too large, 0 cut off, 1 bad secret, 1 bad body"),
        "{stop}"
    );
}
