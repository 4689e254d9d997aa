//! A driver for end-to-end console flows: the real `App` state machine and the
//! real executor (`app::exec::perform`) against the in-process sandbox, over
//! real HTTP on loopback. Keys go in like a user's; effects come out and are
//! run; results go back in until nothing is in flight.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use onboard::api::{BiClient, Client, ClientConfig, ClientEvent, Observer, RequestRecord};
use onboard::app::App;
use onboard::app::exec::{Ctx, perform};
use onboard::app::stores::ConfigSecretStore;
use onboard::audit::{AuditEntry, AuditLog, AuditObserver};
use onboard::panels::otp::OtpContext;
use onboard::sandbox::{self, SandboxConfig, SandboxHandle};
use onboard::secret::Secret;
use onboard::ui::{ConnInfo, Effect, Msg, OpId};
use onboard::webhook::{self, EVENTS_FILE, ListenerConfig, ListenerEvent, ListenerHandle};
use onboard::widgets::Theme;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::Value;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

/// A hang guard, not a timing assertion: a flow that makes no progress for
/// this long is broken.
pub const DEADLINE: Duration = Duration::from_secs(60);

pub struct Console {
    pub app: App,
    pub sb: SandboxHandle,
    /// The console's client (its requests are recorded in `requests`).
    pub client: Client,
    /// A second client for checking the sandbox's truth (not recorded).
    pub truth: Client,
    pub bi: BiClient,
    pub audit: AuditLog,
    pub dir: tempfile::TempDir,
    pub requests: Arc<Mutex<Vec<RequestRecord>>>,
    pub http: reqwest::Client,
    tx: UnboundedSender<Msg>,
    rx: UnboundedReceiver<Msg>,
    tasks: HashMap<OpId, JoinHandle<()>>,
    pub listener: Option<Arc<ListenerHandle>>,
    listener_rx: Option<UnboundedReceiver<ListenerEvent>>,
    /// Where the queue cache lives (`None`, as for the embedded sandbox: no
    /// cache; `use_queue_cache` sets it to `dir`, as for a real store).
    pub queue_dir: Option<PathBuf>,
}

fn client_config(sb: &SandboxHandle) -> ClientConfig {
    let mut c =
        ClientConfig::new(sb.base_url(), sb.client_id(), Some(Secret::new(sb.client_secret())));
    // As in sandbox mode: no client-side rate limit; short backoff for retries.
    c.rate_limit = 0.0;
    c.retry_base = Duration::from_millis(2);
    c
}

impl Console {
    /// A sandbox (seeded with `seed` members when set) and a connected console.
    pub async fn start(seed: Option<usize>) -> Console {
        Self::start_cfg(SandboxConfig { seed, ..SandboxConfig::local() }, 0.0).await
    }

    /// A sandbox with `cfg` and a console whose client sends at most `rate`
    /// requests per second (0: unlimited, as in sandbox mode).
    pub async fn start_cfg(cfg: SandboxConfig, rate: f64) -> Console {
        let sb = sandbox::spawn(cfg).await.unwrap();
        let (tx, rx) = unbounded_channel::<Msg>();
        let requests: Arc<Mutex<Vec<RequestRecord>>> = Arc::default();
        let observer: Observer = {
            let (tx, requests) = (tx.clone(), requests.clone());
            Arc::new(move |ev| {
                if let ClientEvent::Request(r) = &ev {
                    requests.lock().unwrap().push(r.clone());
                }
                let _ = tx.send(Msg::Client(ev));
            })
        };
        let mut cfg = client_config(&sb);
        cfg.observer = Some(observer.clone());
        cfg.rate_limit = rate;
        let client = Client::new(cfg).unwrap();
        let truth = Client::new(client_config(&sb)).unwrap();
        let bi = BiClient::new(sb.base_url(), Secret::new(sb.bi_token()), Some(observer)).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let audit_tx = tx.clone();
        let audit_observer: AuditObserver = Arc::new(move |e| {
            let _ = audit_tx.send(Msg::Audited(e));
        });
        let audit = AuditLog::new(
            AuditLog::default_path(dir.path()),
            sb.base_url(),
            sb.client_id().to_owned(),
            Some(audit_observer),
        );
        let http = reqwest::Client::builder().no_proxy().build().unwrap();
        let app = App::new(Utc::now(), Theme { color: false }, false, true);
        Console {
            app,
            sb,
            client,
            truth,
            bi,
            audit,
            dir,
            requests,
            http,
            tx,
            rx,
            tasks: HashMap::new(),
            listener: None,
            listener_rx: None,
            queue_dir: None,
        }
    }

    /// Keep a queue cache in `dir`, as the console does for a real store.
    pub fn use_queue_cache(&mut self) {
        self.queue_dir = Some(self.dir.path().to_path_buf());
    }

    /// Quits and opens the console again on the same store and data dir: a
    /// new `App` (the old one's cache writer saves on drop), an empty request
    /// log. Call `connect` next.
    pub async fn restart(&mut self) {
        self.idle().await;
        for (_, t) in self.tasks.drain() {
            t.abort();
        }
        let old = std::mem::replace(
            &mut self.app,
            App::new(Utc::now(), Theme { color: false }, false, true),
        );
        drop(old);
        while self.rx.try_recv().is_ok() {}
        self.requests.lock().unwrap().clear();
    }

    /// Sends `Msg::Connected` (as the main loop does once the backend is up)
    /// and runs the loads it triggers.
    pub async fn connect(&mut self) {
        let info = ConnInfo {
            // With a queue cache the console runs as for a real store.
            sandbox: self.queue_dir.is_none(),
            base_url: self.sb.base_url(),
            host: self.sb.base_url().trim_start_matches("http://").to_owned(),
            profile: "sandbox".into(),
            bi: true,
        };
        self.app.update(Msg::Connected(info));
        self.idle().await;
    }

    /// Starts the real OTP listener on `127.0.0.1:0` with a random secret
    /// (as the console does) and tells the app its URL.
    pub async fn start_listener(&mut self) -> String {
        let cfg = ListenerConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            Some(onboard::panels::otp::jobs::new_secret()),
            self.events_file(),
        );
        let (handle, rx) = webhook::start(cfg).await.unwrap();
        let url = handle.url();
        self.listener = Some(Arc::new(handle));
        self.listener_rx = Some(rx);
        self.app.update(Msg::ListenerStarted(Ok(url.clone())));
        url
    }

    /// Stops the listener (flushing its event log).
    pub async fn stop_listener(&mut self) {
        self.listener_rx = None;
        if let Some(mut l) = self.listener.take() {
            // A job that just sent its result may not have dropped its handle
            // yet: wait (bounded) for the last one to finish.
            let deadline = std::time::Instant::now() + DEADLINE;
            let l = loop {
                match Arc::try_unwrap(l) {
                    Ok(l) => break l,
                    Err(shared) => {
                        assert!(
                            std::time::Instant::now() < deadline,
                            "the listener is still shared"
                        );
                        l = shared;
                        tokio::task::yield_now().await;
                    }
                }
            };
            l.shutdown().await;
        }
    }

    pub fn events_file(&self) -> PathBuf {
        self.dir.path().join(EVENTS_FILE)
    }

    pub fn bi_map_path(&self) -> PathBuf {
        onboard::bi_map::default_path(self.dir.path())
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    fn spawn(&mut self, op: OpId, call: onboard::ui::Call) {
        let client = self.client.clone();
        let tx = self.tx.clone();
        let audit = self.audit.clone();
        let ctx = Ctx {
            otp: OtpContext {
                listener: self.listener.clone(),
                secrets: Some(std::sync::Arc::new(ConfigSecretStore {
                    path: self.config_path(),
                    profile: "sandbox".into(),
                })),
            },
            bi: Some(self.bi.clone()),
            bi_map: Some(self.bi_map_path()),
            queue_dir: self.queue_dir.clone(),
            stop: Default::default(),
        };
        let handle = tokio::spawn(async move {
            let result = perform(&client, call, op, &tx, Some(&audit), &ctx).await;
            // Let go of the listener before the result is seen, so a test that
            // stops the listener right after it finds the handle unshared.
            drop(ctx);
            let _ = tx.send(Msg::Done(op, result));
        });
        self.tasks.insert(op, handle);
    }

    /// Runs the effects `update` asked for; true when something was started.
    fn run_effects(&mut self) -> bool {
        let mut started = false;
        for effect in self.app.take_effects() {
            match effect {
                Effect::Call(op, call) => {
                    self.spawn(op, call);
                    started = true;
                }
                Effect::Cancel(op) => {
                    if let Some(h) = self.tasks.remove(&op) {
                        h.abort();
                    }
                }
                Effect::Copy(_) | Effect::Quit | Effect::Stop(_) => {}
            }
        }
        started
    }

    fn deliver(&mut self, msg: Msg) {
        if let Msg::Done(op, _) = &msg {
            self.tasks.remove(op);
        }
        self.app.update(msg);
    }

    fn forward_listener_events(&mut self) {
        let mut evs = Vec::new();
        if let Some(rx) = &mut self.listener_rx {
            while let Ok(ev) = rx.try_recv() {
                evs.push(ev);
            }
        }
        for ev in evs {
            self.app.update(Msg::Listener(Box::new(ev)));
        }
    }

    /// The loop: effects → perform → messages → `update`, until no call is
    /// in flight and nothing is queued.
    pub async fn idle(&mut self) {
        loop {
            self.run_effects();
            while let Ok(m) = self.rx.try_recv() {
                self.deliver(m);
                self.run_effects();
            }
            self.forward_listener_events();
            self.run_effects();
            if self.tasks.is_empty() && self.app.sh.inflight.is_empty() {
                // Anything sent between the last drain and now.
                match self.rx.try_recv() {
                    Ok(m) => {
                        self.deliver(m);
                        continue;
                    }
                    Err(_) => return,
                }
            }
            let m = tokio::time::timeout(DEADLINE, self.rx.recv())
                .await
                .expect("the console made no progress")
                .expect("channel closed");
            self.deliver(m);
        }
    }

    /// Sends `Msg::Connected` and runs the loop only until `done` holds (the
    /// rest stays in flight; `idle` finishes it).
    pub async fn connect_until(&mut self, mut done: impl FnMut(&App) -> bool) {
        let info = ConnInfo {
            // With a queue cache the console runs as for a real store.
            sandbox: self.queue_dir.is_none(),
            base_url: self.sb.base_url(),
            host: self.sb.base_url().trim_start_matches("http://").to_owned(),
            profile: "sandbox".into(),
            bi: true,
        };
        self.app.update(Msg::Connected(info));
        loop {
            self.run_effects();
            if done(&self.app) {
                return;
            }
            let m = tokio::time::timeout(DEADLINE, self.rx.recv())
                .await
                .expect("the console made no progress")
                .expect("channel closed");
            self.deliver(m);
        }
    }

    /// Waits for listener events (forwarding each into the app, as the main
    /// loop does) until `done` holds, then runs the console to idle.
    pub async fn wait_listener(&mut self, mut done: impl FnMut(&App) -> bool) {
        self.idle().await;
        while !done(&self.app) {
            let rx = self.listener_rx.as_mut().expect("no listener");
            let ev = tokio::time::timeout(DEADLINE, rx.recv())
                .await
                .expect("no OTP event reached the listener")
                .expect("listener channel closed");
            self.app.update(Msg::Listener(Box::new(ev)));
            self.idle().await;
        }
    }

    // ------------------------------------------------------------ keys

    pub async fn press(&mut self, code: KeyCode) {
        self.app.update(Msg::key(KeyEvent::new(code, KeyModifiers::NONE)));
        self.idle().await;
    }

    pub async fn ch(&mut self, c: char) {
        self.press(KeyCode::Char(c)).await;
    }

    pub async fn ctrl(&mut self, c: char) {
        self.app.update(Msg::key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)));
        self.idle().await;
    }

    /// Types text, one key per character.
    pub async fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.app.update(Msg::key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        self.idle().await;
    }

    pub async fn enter(&mut self) {
        self.press(KeyCode::Enter).await;
    }

    pub async fn esc(&mut self) {
        self.press(KeyCode::Esc).await;
    }

    /// Answers the open confirmation dialog with `y`.
    pub async fn confirm(&mut self) {
        assert!(self.app.sh.confirm.is_some(), "no confirmation dialog is open");
        self.ch('y').await;
        assert!(self.app.sh.confirm.is_none());
    }

    // ------------------------------------------------------------ checks

    /// The screen as text (ratatui's test backend).
    pub fn screen(&mut self, w: u16, h: u16) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        self.app.update(Msg::Input(onboard::ui::Input::Resize(w, h)));
        let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
        t.draw(|f| onboard::app::view::draw(&self.app, f)).unwrap();
        t.backend().to_string()
    }

    /// Requests recorded so far.
    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// Requests since `from` matching `f`.
    pub fn requests_since(&self, from: usize, f: impl Fn(&RequestRecord) -> bool) -> usize {
        self.requests.lock().unwrap()[from..].iter().filter(|r| f(r)).count()
    }

    /// The audit log as written to disk.
    pub fn audit_text(&self) -> String {
        std::fs::read_to_string(self.audit.path()).unwrap_or_default()
    }

    pub fn audit_entries(&self) -> Vec<AuditEntry> {
        onboard::audit::load_tail(self.audit.path(), 10_000)
    }

    /// `GET /__sandbox/…` as JSON.
    pub async fn admin_get(&self, path: &str) -> Value {
        let r = self.http.get(format!("{}{path}", self.sb.base_url())).send().await.unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        r.json().await.unwrap()
    }
}

/// Polls `check` until it returns `Some` (a wait with a hang guard, for
/// state the sandbox updates in the background, e.g. delivery logs).
pub async fn eventually<T, F, Fut>(mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let wait = async {
        loop {
            if let Some(v) = check().await {
                return v;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(DEADLINE, wait).await.expect("the condition never held")
}

/// A toast with this text is shown.
pub fn toasted(app: &App, needle: &str) -> bool {
    app.sh.toasts.iter().any(|t| t.text.contains(needle))
}
