//! The main loop: one inbox, drain it, draw once when something changed.
//! Idle means no wake-ups: the tick timer only runs while `App::needs_tick`.

use std::sync::Arc;

use chrono::Utc;
use color_eyre::eyre::Result;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::exec::{Executor, osc52_copy};
use super::stores::ConfigSecretStore;
use super::{App, view};
use crate::api::{BiClient, Client, ClientConfig, Observer};
use crate::audit::{AuditEntry, AuditLog, AuditObserver};
use crate::config::Config;
use crate::panels::otp::OtpContext;
use crate::sandbox::{self, SandboxConfig, SandboxHandle};
use crate::tui::{self, Tui};
use crate::ui::{ConnInfo, Effect, Msg};
use crate::webhook::{self, EVENTS_FILE, ListenerConfig, ListenerHandle};
use crate::widgets::Theme;

/// What the background start-up produces: a client and, in sandbox mode, the sandbox.
pub struct Backend {
    pub client: Client,
    /// Beyond Identity, when configured (always in sandbox mode).
    pub bi: Option<BiClient>,
    pub info: ConnInfo,
    pub sandbox: Option<SandboxHandle>,
    pub audit: AuditLog,
    /// The latest audit entries from earlier sessions.
    pub audit_tail: Vec<AuditEntry>,
}

/// Messages the loop handles itself before `App::update`.
enum LoopMsg {
    App(Msg),
    Backend(Box<Result<Backend, String>>),
    /// The listener is up: its handle (for the executor) and its URL. They
    /// travel together so no job can be started with the URL before the
    /// executor holds the handle (a secret set then would miss the listener).
    Listener(Arc<ListenerHandle>, String),
}

fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

/// Builds the client (starting the embedded sandbox when there are no credentials).
pub async fn connect(cfg: &Config, tx: UnboundedSender<Msg>) -> Result<Backend, String> {
    let audit_tx = tx.clone();
    let observer: Observer = Arc::new(move |ev| {
        let _ = tx.send(Msg::Client(ev));
    });
    let audit_observer: AuditObserver = Arc::new(move |e| {
        let _ = audit_tx.send(Msg::Audited(e));
    });
    let (client_cfg, sandbox, profile) = match &cfg.store {
        Some(store) => {
            let mut c = ClientConfig::new(
                store.base_url.clone(),
                store.client_id.clone(),
                Some(store.client_secret.clone()),
            );
            c.rate_limit = cfg.rate_limit;
            (c, None, cfg.profile.clone())
        }
        None => {
            let sb = sandbox::spawn(SandboxConfig {
                seed: cfg.sandbox_seed,
                seed_accounts: cfg.sandbox_seed_accounts,
                faults: cfg.sandbox_store.map(|s| s.faults()).unwrap_or_default(),
                ..SandboxConfig::local()
            })
            .await
            .map_err(|e| format!("cannot start the embedded sandbox: {e}"))?;
            let c = ClientConfig::new(
                sb.base_url(),
                sb.client_id().to_owned(),
                Some(sb.client_secret().to_owned().into()),
            );
            (c, Some(sb), "sandbox".to_owned())
        }
    };
    let mut client_cfg = client_cfg;
    // The sandbox lifts the client's rate limit, unless it imitates a real store's.
    client_cfg.rate_limit =
        if sandbox.is_some() && cfg.sandbox_store.is_none() { 0.0 } else { cfg.rate_limit };
    client_cfg.read_only = cfg.read_only;
    client_cfg.observer = Some(observer);
    let base_url = client_cfg.base_url.clone();
    let audit_path = AuditLog::default_path(&cfg.data_dir);
    let audit = AuditLog::new(
        audit_path.clone(),
        base_url.clone(),
        client_cfg.client_id.clone(),
        Some(audit_observer),
    );
    let audit_tail = tokio::task::spawn_blocking(move || crate::audit::load_tail(&audit_path, 500))
        .await
        .unwrap_or_default();
    let bi = match (&sandbox, &cfg.bi) {
        (Some(sb), _) => Some((sb.base_url(), crate::secret::Secret::new(sb.bi_token()))),
        (None, Some(b)) => Some((b.base_url.clone(), b.api_token.clone())),
        (None, None) => None,
    };
    let bi = match bi {
        Some((url, token)) => {
            Some(BiClient::new(url, token, client_cfg.observer.clone()).map_err(|e| e.summary())?)
        }
        None => None,
    };
    let client = Client::new(client_cfg).map_err(|e| e.summary())?;
    let info = ConnInfo {
        sandbox: sandbox.is_some(),
        host: host_of(&base_url),
        base_url,
        profile,
        bi: bi.is_some(),
    };
    Ok(Backend { client, bi, info, sandbox, audit, audit_tail })
}

/// Runs the console until the user quits.
pub async fn run(cfg: Config) -> Result<()> {
    let mut tui = Tui::enter(cfg.mouse)?;
    let (tx, mut rx) = unbounded_channel::<Msg>();
    let (ltx, mut lrx) = unbounded_channel::<LoopMsg>();
    tui::spawn_reader(tx.clone(), Msg::Input);

    let mut app = App::new(Utc::now(), Theme::from_env(), cfg.read_only, cfg.is_sandbox());
    // The embedded sandbox's store needs no setup: the console points an
    // integration at its own listener.
    app.auto_integration = cfg.is_sandbox().then_some(false);
    // The sandbox tour shows by itself once per user (Ctrl-T brings it back).
    let tour_dir = cfg.data_dir.clone();
    if app.start_tour(crate::store::tour::seen(&tour_dir)) {
        tokio::task::spawn_blocking(move || {
            if let Err(e) = crate::store::tour::mark_seen(&tour_dir, Utc::now()) {
                tracing::warn!("cannot record that the tour was shown: {e}");
            }
        });
    }
    let size = tui.terminal.size()?;
    app.size = (size.width, size.height);
    // The first frame never waits for the sandbox or the network.
    tui.terminal.draw(|f| view::draw(&app, f))?;

    let ltx_listener = ltx.clone();
    {
        let cfg = cfg.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let backend = connect(&cfg, tx).await;
            let _ = ltx.send(LoopMsg::Backend(Box::new(backend)));
        });
    }

    spawn_listener(&cfg, tx.clone(), ltx_listener);

    let mut exec = Executor::new(tx.clone());
    let mut sandbox: Option<SandboxHandle> = None;
    let mut listener: Option<Arc<ListenerHandle>> = None;
    let mut next_tick: Option<tokio::time::Instant> = None;
    'outer: loop {
        let first = tokio::select! {
            Some(m) = rx.recv() => LoopMsg::App(m),
            Some(m) = lrx.recv() => m,
            _ = sleep_until_opt(next_tick), if next_tick.is_some() => {
                next_tick = None;
                LoopMsg::App(Msg::Tick(Utc::now()))
            }
        };

        let first = match first {
            LoopMsg::Listener(h, url) => {
                listener = Some(h.clone());
                exec.set_otp_context(OtpContext {
                    listener: Some(h),
                    secrets: cfg.config_path.clone().map(|path| {
                        Arc::new(ConfigSecretStore { path, profile: cfg.profile.clone() })
                            as Arc<dyn crate::ui::SecretStore>
                    }),
                });
                LoopMsg::App(Msg::ListenerStarted(Ok(url)))
            }
            other => other,
        };
        let mut dirty = handle(&cfg.data_dir, &mut app, &mut exec, &mut sandbox, first);
        while let Ok(m) = rx.try_recv() {
            dirty |= handle(&cfg.data_dir, &mut app, &mut exec, &mut sandbox, LoopMsg::App(m));
        }
        for effect in app.take_effects() {
            match effect {
                Effect::Call(op, call) => exec.spawn_call(op, call),
                Effect::Cancel(op) => exec.cancel(op),
                Effect::Stop(op) => exec.stop(op),
                Effect::Copy(text) => {
                    if let Err(e) = osc52_copy(text.expose()) {
                        tracing::warn!("clipboard: {e}");
                    }
                }
                Effect::Quit => break 'outer,
            }
        }
        if app.quit {
            break;
        }
        if dirty {
            tui.terminal.draw(|f| view::draw(&app, f))?;
        }
        // Tick only while something visible needs it; idle means no wake-ups.
        let now = tokio::time::Instant::now();
        next_tick = app.tick_interval().map(|d| next_tick.map_or(now + d, |t| t.min(now + d)));
    }
    exec.abort_all();
    drop(exec);
    drop(tui);
    if let Some(l) = listener.and_then(|l| Arc::try_unwrap(l).ok()) {
        l.shutdown().await;
    }
    if let Some(sb) = sandbox {
        sb.shutdown().await;
    }
    Ok(())
}

/// Loads the persisted OTP events, then starts the webhook listener and
/// forwards its events to the inbox. In sandbox mode a busy default port falls
/// back to a free one (the sandbox delivers wherever the integration points).
fn spawn_listener(cfg: &Config, tx: UnboundedSender<Msg>, ltx: UnboundedSender<LoopMsg>) {
    let events_file = cfg.data_dir.join(EVENTS_FILE);
    // Without a configured secret, a random one: nothing is accepted until the
    // integration is set up from the OTP panel (which stores its secret).
    let secret =
        Some(cfg.webhook_secret.clone().unwrap_or_else(crate::panels::otp::jobs::new_secret));
    let bind = cfg.listen;
    let sandbox = cfg.is_sandbox();
    let public_url = cfg.public_url.clone();
    let l = cfg.listener.clone();
    let listener_cfg = move |bind, secret, events_file| ListenerConfig {
        max_body: l.max_body,
        limits: l.limits,
        journal: l.journal,
        ..ListenerConfig::new(bind, secret, events_file)
    };
    let recent = cfg.listener.console_events;
    tokio::spawn(async move {
        let path = events_file.clone();
        // Only the recent events: memory stays bounded however long the log.
        let loaded = tokio::task::spawn_blocking(move || webhook::load_recent(&path, recent)).await;
        if let Ok((events, warnings)) = loaded {
            let _ = tx.send(Msg::EventsLoaded(events, warnings));
        }
        let mut started =
            webhook::start(listener_cfg(bind, secret.clone(), events_file.clone())).await;
        if started.is_err() && sandbox {
            let any = std::net::SocketAddr::new(bind.ip(), 0);
            started = webhook::start(listener_cfg(any, secret, events_file)).await;
        }
        match started {
            Ok((handle, mut events)) => {
                let url = public_url.unwrap_or_else(|| handle.url());
                let _ = ltx.send(LoopMsg::Listener(Arc::new(handle), url));
                while let Some(ev) = events.recv().await {
                    if tx.send(Msg::Listener(Box::new(ev))).is_err() {
                        break;
                    }
                }
            }
            Err(e) => {
                let _ = tx.send(Msg::ListenerStarted(Err(e.to_string())));
            }
        }
    });
}

fn handle(
    data_dir: &std::path::Path,
    app: &mut App,
    exec: &mut Executor,
    sandbox: &mut Option<SandboxHandle>,
    msg: LoopMsg,
) -> bool {
    match msg {
        LoopMsg::Backend(b) => match *b {
            Ok(b) => {
                exec.attach(b.client, Some(b.audit));
                exec.attach_bi(b.bi, crate::bi_map::default_path(data_dir));
                // The embedded sandbox's store dies with the console: no cache.
                exec.attach_queue_dir(b.sandbox.is_none().then(|| data_dir.to_path_buf()));
                *sandbox = b.sandbox;
                app.update(Msg::AuditLoaded(b.audit_tail));
                app.update(Msg::Connected(b.info))
            }
            Err(e) => app.update(Msg::ConnectFailed(e)),
        },
        LoopMsg::Listener(..) => false,
        LoopMsg::App(msg) => {
            if let Msg::Done(op, _) = &msg {
                exec.finished(*op);
            }
            if !matches!(msg, Msg::Tick(_)) {
                app.set_now(Utc::now());
            }
            app.update(msg)
        }
    }
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(t) => tokio::time::sleep_until(t).await,
        None => std::future::pending().await,
    }
}
