//! The embedded sandbox: a stateful in-memory imitation of the Commerce API and the
//! Beyond Identity legacy API, served by axum on loopback. It is an independent
//! implementation of the server side and does not use the client in `crate::api`.
//!
//! # Served surface
//! - `POST /oauth/access_token` (client_credentials, implicit)
//! - `/v2/settings/account-authentication`, `/v2/authentication-realms[/{id}]`
//! - `/v2/authentication-realms/{realm}/password-profiles[/{id}]` and
//!   `…/password-profiles/{id}/one-time-password-token-request`
//! - `/v2/authentication-realms/{realm}/user-authentication-info[/{id}]` and
//!   `…/{id}/user-authentication-password-profile-info[/{id}]`
//! - `/v2/account-members[/{id}[/account-memberships]]`, `POST /v2/account-members/tokens`
//! - `/v2/accounts[/{id}]`, `/v2/accounts/{id}/account-memberships[/{id}]`,
//!   `/v2/accounts/{id}/account-memberships/unassigned-account-members`
//! - `/v2/integrations[/{id}]`, `/v2/integrations/logs`, `/v2/integrations/{id}/logs`,
//!   `/v2/integrations/{id}/jobs`, `/v2/integrations/{id}/jobs/{job}/logs`
//! - Beyond Identity: `POST /v1/manage/users`, `POST /v1/manage/recover-user`
//!
//! # Sandbox-only admin paths
//! No auth, never affected by faults:
//! - `GET /__sandbox/health` → `{"status":"ok"}`
//! - `GET /__sandbox/faults`, `PUT /__sandbox/faults` (JSON [`Faults`]) → the faults now active
//! - `GET /__sandbox/otp` → the last OTP codes issued, newest first (tests and demos only)
//! - `GET /__sandbox/bi/users` → the Beyond Identity users created
//!
//! Webhook deliveries of `one-time-password-token-request.created` are at least once:
//! a failed attempt (non-2xx, connection error, more than 10 s) is retried after
//! 0.5 s, 1 s, 2 s, 4 s and 8 s (6 attempts in all), each attempt recorded as an
//! integration log. `account-member.*`, `user-authentication-info.*`, `account.*` and
//! `account-membership.*` created/deleted events are delivered the same way.
//!
//! Created events carry `{"data": <resource>}` as their payload, deleted ones
//! `{type, id}`; an integration observes at most five events.
//!
//! A seed creates N members (every tenth pending), a password profile "Email"
//! (`username_format: email`, OTP on) and enables self sign-up; every seeded member's
//! password is [`DEMO_PASSWORD`]. Each approved member gets an account of their own,
//! or, with `seed_accounts`, the members share that many company accounts.
//! [`StoreShape`] puts on a real store's rate limit and latency.
//!
//! [`SandboxConfig`] is the sandbox's own settings; the entry point builds it from
//! the command line (the sandbox does not depend on the CLI). Fidelity choices are
//! listed in `src/sandbox/FIDELITY.md`.

mod accounts;
mod admin;
mod auth;
mod bi;
mod body;
mod delivery;
mod error;
mod faults;
mod integrations;
mod list;
mod members;
mod profiles;
mod seed;
mod settings;
mod state;
mod users;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use color_eyre::eyre::{Result, WrapErr};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::secret::Secret;

pub use seed::DEMO_PASSWORD;

/// How the sandbox is started: the sandbox's own settings. The entry point
/// translates command-line flags into this; the sandbox knows nothing of the CLI.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    pub bind: SocketAddr,
    pub client_id: String,
    pub client_secret: String,
    pub bi_token: String,
    pub token_ttl: Duration,
    pub faults: Faults,
    /// Start with this many demo members (ignored when `state_file` exists).
    pub seed: Option<usize>,
    /// Spread the seeded members over this many accounts (B2B shape: many
    /// members per account) instead of one account per approved member.
    pub seed_accounts: Option<usize>,
    /// Load state from this JSON file at start (when present), save it on
    /// shutdown (mode 0600; missing directories are created 0700 at start).
    pub state_file: Option<PathBuf>,
}

impl SandboxConfig {
    /// `127.0.0.1:0`, default credentials, no faults, empty store.
    pub fn local() -> Self {
        SandboxConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            client_id: "sandbox-client-id".to_owned(),
            client_secret: "sandbox-client-secret".to_owned(),
            bi_token: "sandbox-bi-token".to_owned(),
            token_ttl: Duration::from_secs(3600),
            faults: Faults::default(),
            seed: None,
            seed_accounts: None,
            state_file: None,
        }
    }
}

/// The limits of a real store (reference §1.7) the sandbox can put on: its rate
/// limit, answered with `429` above it, and a network latency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StoreShape {
    /// A development store: 25 requests/s, 30–80 ms per request.
    Dev,
    /// A production store: 100 requests/s, 30–80 ms per request.
    Prod,
}

impl StoreShape {
    pub fn rate_limit(self) -> u32 {
        match self {
            StoreShape::Dev => 25,
            StoreShape::Prod => 100,
        }
    }

    /// Faults with this shape's rate limit and latency (the rest left off).
    pub fn faults(self) -> Faults {
        Faults {
            latency_ms: 30,
            latency_max_ms: 80,
            rate_limit: Some(self.rate_limit()),
            ..Faults::default()
        }
    }

    pub fn describe(self) -> String {
        let name = match self {
            StoreShape::Dev => "development",
            StoreShape::Prod => "production",
        };
        format!("{name} store: {} req/s (429 above), 30-80 ms latency", self.rate_limit())
    }
}

/// Fault injection on `/v2` and `/v1` (never on `/oauth` or `/__sandbox`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Faults {
    /// Added to every request (the minimum when `latency_max_ms` is larger).
    pub latency_ms: u64,
    /// When above `latency_ms`, each request waits a uniform random time in
    /// `latency_ms..=latency_max_ms`.
    pub latency_max_ms: u64,
    /// Fraction of requests answered `503` with an error body.
    pub fail_rate: f64,
    /// Requests per second above which the answer is `429` (sliding one-second
    /// window over the requests let through).
    pub rate_limit: Option<u32>,
    /// Fraction of requests whose connection is closed without an answer.
    pub drop_rate: f64,
    /// Deterministic failures, consumed in order of the list.
    pub fail_next: Vec<FailRule>,
}

/// The next `count` requests matching `method` (any when `None`) and `path_contains`
/// get `status` with an error body.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FailRule {
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub path_contains: String,
    pub status: u16,
    #[serde(default = "one")]
    pub count: u32,
}

fn one() -> u32 {
    1
}

/// Shared server state.
pub(crate) struct App {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Secret,
    pub bi_token: Secret,
    pub token_ttl: Duration,
    pub faults: Mutex<faults::FaultState>,
    pub store: Mutex<state::Store>,
    pub tokens: Mutex<std::collections::HashMap<String, auth::Token>>,
    pub http: reqwest::Client,
    pub cancel: CancellationToken,
}

impl App {
    /// Locks the store; a poisoned lock (a panic elsewhere) is recovered, not propagated.
    pub fn store(&self) -> MutexGuard<'_, state::Store> {
        self.store.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn faults(&self) -> MutexGuard<'_, faults::FaultState> {
        self.faults.lock().unwrap_or_else(|e| e.into_inner())
    }
    pub fn tokens(&self) -> MutexGuard<'_, std::collections::HashMap<String, auth::Token>> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }
}

pub(crate) type Shared = Arc<App>;

/// A running sandbox.
pub struct SandboxHandle {
    app: Shared,
    state_file: Option<PathBuf>,
    server: tokio::task::JoinHandle<()>,
}

impl SandboxHandle {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub fn base_url(&self) -> String {
        self.app.base_url.clone()
    }
    pub fn client_id(&self) -> &str {
        &self.app.client_id
    }
    pub fn client_secret(&self) -> &str {
        self.app.client_secret.expose()
    }
    pub fn bi_token(&self) -> &str {
        self.app.bi_token.expose()
    }
    /// The faults now active.
    pub fn faults(&self) -> Faults {
        self.app.faults().faults.clone()
    }
    /// Replaces the active faults.
    pub fn set_faults(&self, f: Faults) {
        self.app.faults().set(f);
    }
    /// Stops serving, cancels pending webhook retries and saves the state (with a
    /// state file); a failed save is logged as a warning.
    pub async fn shutdown(self) {
        if let Err(e) = self.stop().await {
            tracing::warn!("sandbox: {e:#}");
        }
    }

    /// [`Self::shutdown`], but a failed save of the state file is returned.
    pub async fn stop(self) -> Result<()> {
        self.app.cancel.cancel();
        let _ = self.server.await;
        match &self.state_file {
            Some(path) => save_state(&self.app, path),
            None => Ok(()),
        }
    }
}

/// Writes the state file: mode 0600 through a temp file and a rename (it holds
/// members' passwords and integration secrets), its missing directories 0700.
fn save_state(app: &App, path: &std::path::Path) -> Result<()> {
    let json = {
        let store = app.store();
        serde_json::to_vec_pretty(&store.data)?
    };
    crate::fsutil::write_atomic(path, &json)
        .wrap_err_with(|| format!("could not save the state to {}", path.display()))
}

/// Reads the state file when it exists (tightened to 0600 if it was wider);
/// else creates its missing directories (0700) now, so a path that cannot be
/// written fails at start rather than when the state is saved.
fn load_state(path: &std::path::Path) -> Result<Option<state::Data>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let data = serde_json::from_slice(&bytes)
                .wrap_err_with(|| format!("{} is not a sandbox state file", path.display()))?;
            if let Err(e) = crate::fsutil::restrict(path) {
                tracing::warn!("sandbox: cannot make {} private: {e}", path.display());
            }
            Ok(Some(data))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            crate::fsutil::create_parent(path).wrap_err_with(|| {
                format!("cannot create the directory of the state file {}", path.display())
            })?;
            Ok(None)
        }
        Err(e) => Err(e).wrap_err_with(|| format!("reading the state file {}", path.display())),
    }
}

/// Binds, starts serving in a tokio task and returns at once.
pub async fn spawn(cfg: SandboxConfig) -> Result<SandboxHandle> {
    let loaded = match &cfg.state_file {
        Some(p) => load_state(p)?,
        None => None,
    };
    let data = match loaded {
        Some(d) => d,
        None => {
            let mut d = state::Data::fresh();
            if let Some(n) = cfg.seed {
                match cfg.seed_accounts {
                    Some(m) => seed::seed_b2b(&mut d, n, m)?,
                    None => seed::seed(&mut d, n),
                }
            }
            d
        }
    };
    let listener =
        TcpListener::bind(cfg.bind).await.wrap_err_with(|| format!("binding {}", cfg.bind))?;
    let addr = listener.local_addr()?;
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .no_proxy()
        .build()
        .wrap_err("building the webhook delivery client")?;
    let app = Arc::new(App {
        base_url: format!("http://{addr}"),
        client_id: cfg.client_id,
        client_secret: Secret::new(cfg.client_secret),
        bi_token: Secret::new(cfg.bi_token),
        token_ttl: cfg.token_ttl,
        faults: Mutex::new(faults::FaultState::new(cfg.faults)),
        store: Mutex::new(state::Store::new(data)),
        tokens: Mutex::new(Default::default()),
        http,
        cancel: CancellationToken::new(),
    });
    let router = router(app.clone());
    let cancel = app.cancel.clone();
    let server = tokio::spawn(async move {
        let serve = axum::serve(listener, router)
            .with_graceful_shutdown(async move { cancel.cancelled().await });
        if let Err(e) = serve.await {
            tracing::warn!("sandbox server stopped: {e}");
        }
    });
    tracing::info!("sandbox listening on {}", app.base_url);
    Ok(SandboxHandle { app, state_file: cfg.state_file, server })
}

/// Adds `path` and, for the account-management service, `path/` too: the vendor
/// CLI sends `…/unassigned-account-members/` and `/v2/account-tags/` to real
/// stores, so that service tolerates one trailing slash. Other services (realms,
/// profiles, users, integrations, `/oauth`) keep the exact path (no evidence
/// either way; a stray slash there stays a 404).
fn am_route(
    r: Router<Shared>,
    path: &str,
    m: axum::routing::MethodRouter<Shared>,
) -> Router<Shared> {
    r.route(path, m.clone()).route(&format!("{path}/"), m)
}

fn router(app: Shared) -> Router {
    let mut v2 = Router::new()
        .route("/v2/authentication-realms", get(settings::list_realms))
        .route("/v2/authentication-realms/{realm}", get(settings::get_realm))
        .route(
            "/v2/authentication-realms/{realm}/password-profiles",
            get(profiles::list).post(profiles::create),
        )
        .route(
            "/v2/authentication-realms/{realm}/password-profiles/{id}",
            get(profiles::get_one).put(profiles::update).delete(profiles::delete),
        )
        .route(
            "/v2/authentication-realms/{realm}/password-profiles/{id}/one-time-password-token-request",
            post(profiles::otp_request),
        )
        .route(
            "/v2/authentication-realms/{realm}/user-authentication-info",
            get(users::list).post(users::create),
        )
        .route(
            "/v2/authentication-realms/{realm}/user-authentication-info/{id}",
            get(users::get_one).put(users::update).delete(users::delete),
        )
        .route(
            "/v2/authentication-realms/{realm}/user-authentication-info/{id}/user-authentication-password-profile-info",
            get(users::list_creds).post(users::create_cred),
        )
        .route(
            "/v2/authentication-realms/{realm}/user-authentication-info/{id}/user-authentication-password-profile-info/{cid}",
            get(users::get_cred).put(users::update_cred).delete(users::delete_cred),
        )
        .route("/v2/integrations", get(integrations::list).post(integrations::create))
        .route("/v2/integrations/logs", get(integrations::all_logs))
        .route(
            "/v2/integrations/{id}",
            get(integrations::get_one).put(integrations::update).delete(integrations::delete),
        )
        .route("/v2/integrations/{id}/logs", get(integrations::logs))
        .route("/v2/integrations/{id}/jobs", get(integrations::jobs))
        .route("/v2/integrations/{id}/jobs/{job}/logs", get(integrations::job_logs))
        .route("/v1/manage/users", post(bi::create_user))
        .route("/v1/manage/recover-user", post(bi::recover_user))
        .route("/oauth/access_token", post(auth::access_token))
        .route("/__sandbox/health", get(admin::health))
        .route("/__sandbox/faults", get(admin::get_faults).put(admin::put_faults))
        .route("/__sandbox/otp", get(admin::otps))
        .route("/__sandbox/bi/users", get(admin::bi_users));
    let account_management: [(&str, axum::routing::MethodRouter<Shared>); 10] = [
        (
            "/v2/settings/account-authentication",
            get(settings::get_settings).put(settings::put_settings),
        ),
        ("/v2/account-members", get(members::list)),
        ("/v2/account-members/tokens", post(members::tokens)),
        ("/v2/account-members/{id}", get(members::get_one)),
        ("/v2/account-members/{id}/account-memberships", get(members::memberships)),
        ("/v2/accounts", get(accounts::list).post(accounts::create)),
        (
            "/v2/accounts/{id}",
            get(accounts::get_one).put(accounts::update).delete(accounts::delete),
        ),
        (
            "/v2/accounts/{id}/account-memberships",
            get(accounts::list_memberships).post(accounts::create_membership),
        ),
        (
            "/v2/accounts/{id}/account-memberships/unassigned-account-members",
            get(accounts::unassigned),
        ),
        (
            "/v2/accounts/{id}/account-memberships/{mid}",
            get(accounts::get_membership).delete(accounts::delete_membership),
        ),
    ];
    for (path, m) in account_management {
        v2 = am_route(v2, path, m);
    }
    let v2 = v2.fallback(admin::not_found).method_not_allowed_fallback(admin::method_not_allowed);
    v2.layer(axum::middleware::from_fn_with_state(app.clone(), faults::middleware)).with_state(app)
}

/// `onboard sandbox`: serve until Ctrl-C, then save the state when a state file is set.
pub async fn run(cfg: SandboxConfig) -> Result<()> {
    let (seed, seed_accounts) = (cfg.seed, cfg.seed_accounts);
    let state = cfg.state_file.clone();
    let faults = cfg.faults.clone();
    let handle = spawn(cfg).await?;
    let base = handle.base_url();
    println!("onboard sandbox listening on {base}");
    println!("  client id:     {}", handle.client_id());
    println!("  client secret: {}", handle.client_secret());
    println!("  BI API token:  {}", handle.bi_token());
    match (seed, seed_accounts) {
        (Some(n), Some(m)) => {
            println!("  seeded {n} demo members in {m} accounts; demo password: {DEMO_PASSWORD}")
        }
        (Some(n), None) => println!("  seeded {n} demo members; demo password: {DEMO_PASSWORD}"),
        _ => {}
    }
    if let Some(limit) = faults.rate_limit {
        let latency = if faults.latency_max_ms > faults.latency_ms {
            format!("{}-{} ms", faults.latency_ms, faults.latency_max_ms)
        } else {
            format!("{} ms", faults.latency_ms)
        };
        println!("  limits:        {limit} req/s (429 above), latency {latency}");
    }
    if let Some(p) = &state {
        println!("  state file:    {}", p.display());
    }
    println!();
    println!("Try:");
    println!(
        "  curl -s -X POST {base}/oauth/access_token -d grant_type=client_credentials \
         -d client_id={} -d client_secret={}",
        handle.client_id(),
        handle.client_secret()
    );
    println!("  curl -s {base}/v2/account-members -H \"Authorization: Bearer <access_token>\"");
    println!(
        "Admin: {base}/__sandbox/health, /__sandbox/otp, /__sandbox/faults, /__sandbox/bi/users"
    );
    println!("Press Ctrl-C to stop.");
    tokio::signal::ctrl_c().await.wrap_err("waiting for Ctrl-C")?;
    handle.stop().await?;
    if let Some(p) = &state {
        println!("state saved to {}", p.display());
    }
    Ok(())
}
