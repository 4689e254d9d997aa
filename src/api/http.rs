//! The HTTP core shared by the Commerce and Beyond Identity clients: URL and
//! query building, bearer tokens (with one renewal on a `401` that rejects the
//! token), the client-side rate limit, retries, timeouts, read-only mode and
//! the request observer.
//!
//! # Retries, and why they are safe
//!
//! Each request carries a [`Retry`] policy chosen by its endpoint:
//!
//! * **`GET`, `PUT`, `DELETE`** are idempotent: retried on `429`, on `5xx`
//!   and on connection errors and timeouts. (A retried `DELETE` that already
//!   succeeded answers `404`; callers that care treat it as done.)
//! * **`POST` with a checked outcome** ([`Retry::Checked`]) is retried like an
//!   idempotent request because a duplicate is harmless or detected:
//!   `/oauth/access_token` and the `password` mechanism of
//!   `/v2/account-members/tokens` only issue tokens, and a retried membership
//!   create that had in fact succeeded answers `409`, which
//!   `create_membership` maps to `AlreadyExists`.
//! * **Every other `POST`** ([`Retry::Only429`]) is retried only on `429`,
//!   which the API sends *before* processing the request. After a `5xx`, a
//!   dropped connection or a timeout the outcome is unknown, and a retry could
//!   duplicate it: a second account (accounts have no idempotency key and
//!   `registration_id` is optional), a second user-authentication-info,
//!   password profile or integration, a second OTP e-mail/event, a
//!   `self_signup` retried into a conflict, a `passwordless` retry with an
//!   already consumed code, a second Beyond Identity user or enrolment e-mail.
//!   Those errors go back to the caller, who can list and check before trying
//!   again.
//!
//! Attempts are bounded by `max_attempts` (default 4). Between attempts the
//! client waits `retry_base × attempt` plus a random jitter of at most
//! `min(retry_base, 250 ms)`.
//!
//! # A `401`: the token or the credentials?
//!
//! A `401` on a cached token usually means the token was rejected (revoked,
//! or expired early): the client drops it, fetches a new one and replays the
//! request **once**. A token fetched for this very request is not renewed
//! again (a second `401` would only repeat the first). One kind of request is
//! different: `POST /v2/account-members/tokens` carries a member's own
//! credentials (a password, a one-time code, an AM token), and its `401`
//! normally means those were wrong, not the bearer. There the token is
//! renewed only when the error body says the access token was not validated
//! (§1.4's title "Unable to validate access token"); any other `401` (the
//! sandbox's "Invalid username or password", an unknown body) goes back to
//! the caller as it is, so a wrong password costs one request, not three
//! ([`bearer_rejected`]).
//!
//! # Read-only mode
//!
//! With [`ClientConfig::read_only`] every `POST`, `PUT` and `DELETE` is
//! refused before anything is sent, token fetches and log-ins excepted:
//! `/oauth/access_token`, and `/v2/account-members/tokens` with a log-in
//! mechanism ([`LOG_IN_MECHANISMS`]). A `self_signup` creates a member and is
//! refused like any other write ([`read_only_allows`]).
//!
//! # A `429` slows the whole client
//!
//! A `429` is not the call's own business: the store's limit is shared by
//! every request of the client (and by the storefront). So a `429` goes to the
//! shared [`RateLimiter`]: it halves the effective rate, pauses every request
//! for `Retry-After` (seconds or an HTTP date, capped at 60 s) or else one
//! interval at the new rate, and grows the rate back by small steps (see
//! [`super::ratelimit`]). The retried call then queues for a slot like any
//! other. While the rate is below the configured one the observer receives
//! [`ClientEvent::Rate`] on every whole-request-per-second change, and once
//! more when it is back.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rand::Rng;
use reqwest::Method;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use super::auth::{self, Grant};
use super::error::ApiError;
use super::inspect::{self, AuthKind, CapturedBody, Scrubber};
use super::ratelimit::{RateLimiter, RateState};
use crate::secret::Secret;

/// Everything but the RFC 3986 unreserved characters is percent-encoded, so a
/// `+` in a filter value goes out as `%2B` and never turns into a space.
const ENCODE: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Longest `Retry-After` the client honours.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

/// Header carrying an account-management token (§1.3).
pub const AM_TOKEN_HEADER: &str = "EP-Account-Management-Authentication-Token";

/// Receives a [`ClientEvent`] for every HTTP attempt and token change.
pub type Observer = Arc<dyn Fn(ClientEvent) + Send + Sync>;

#[derive(Debug, Clone, PartialEq)]
pub enum ClientEvent {
    Request(RequestRecord),
    Token(TokenState),
    /// The effective rate after a `429` slowed the client down, and as it
    /// grows back (the last one has `effective == configured`).
    Rate(RateState),
}

/// One HTTP attempt, as the API call inspector shows it. Never holds a
/// secret: header values and body fields that carry one are replaced by a
/// placeholder before the record leaves the client (see [`super::inspect`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestRecord {
    pub at: DateTime<Utc>,
    pub method: String,
    /// Path and query (secret query parameters redacted).
    pub path: String,
    /// `None` when no response arrived.
    pub status: Option<u16>,
    pub duration: Duration,
    /// 1-based attempt number.
    pub attempt: u32,
    /// One-line error for a failed attempt (non-2xx or no response).
    pub error: Option<String>,
    /// What the inspector shows on `Enter` (shared: records clone cheaply).
    pub detail: Arc<RequestDetail>,
}

/// The inspector's part of a [`RequestRecord`]: where the call went and what
/// it carried, secrets redacted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RequestDetail {
    /// Base URL of the service (scheme, host, port): tells Commerce and
    /// Beyond Identity calls apart.
    pub host: String,
    /// The full URL (`host` + `path`).
    pub url: String,
    /// Which token authenticated the call.
    pub auth: AuthKind,
    /// The API key's client id (not a secret; the curl copy needs it).
    pub client_id: String,
    /// Request headers as sent, secret values masked.
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<CapturedBody>,
    /// Response headers, secret values masked. Empty when no response arrived.
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<CapturedBody>,
}

impl RequestRecord {
    /// A bash command reproducing this call (see [`super::inspect::curl`]).
    pub fn curl(&self) -> String {
        let d = &self.detail;
        // A record made without a capture (tests) still names its path.
        let url = if d.url.is_empty() { &self.path } else { &d.url };
        super::inspect::curl(super::inspect::CurlInput {
            method: &self.method,
            host: &d.host,
            url,
            auth: d.auth,
            client_id: &d.client_id,
            headers: &d.request_headers,
            body: d.request_body.as_ref(),
        })
    }

    /// Path without the query string.
    pub fn path_only(&self) -> &str {
        self.path.split('?').next().unwrap_or(&self.path)
    }

    /// Not a 2xx (including no response at all).
    pub fn is_error(&self) -> bool {
        !self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// State of the admin (client_credentials) token.
#[derive(Debug, Clone, PartialEq)]
pub enum TokenState {
    Valid { expires_at: DateTime<Utc> },
    Renewing,
    Failed(String),
}

/// Settings of a [`super::Client`].
#[derive(Clone)]
pub struct ClientConfig {
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    /// Requests per second; 0 = unlimited. Default 20.
    pub rate_limit: f64,
    /// Refuse writes (POST/PUT/DELETE) other than bearer requests and member
    /// log-ins (a `self_signup` is a write), before anything is sent.
    pub read_only: bool,
    /// Connect + request timeout. Default 20 s.
    pub timeout: Duration,
    /// Attempts per request, including the first. Default 4.
    pub max_attempts: u32,
    pub observer: Option<Observer>,
    /// Backoff unit between attempts. Default 200 ms (tests use ~1 ms).
    pub retry_base: Duration,
    /// Rate-limit burst (requests allowed back to back). Default 2.
    pub burst: u32,
}

impl ClientConfig {
    pub fn new(
        base_url: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: Option<Secret>,
    ) -> Self {
        ClientConfig {
            base_url: base_url.into(),
            client_id: client_id.into(),
            client_secret,
            rate_limit: 20.0,
            read_only: false,
            timeout: Duration::from_secs(20),
            max_attempts: 4,
            observer: None,
            retry_base: Duration::from_millis(200),
            burst: 2,
        }
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("rate_limit", &self.rate_limit)
            .field("read_only", &self.read_only)
            .field("timeout", &self.timeout)
            .field("max_attempts", &self.max_attempts)
            .field("observer", &self.observer.as_ref().map(|_| "set"))
            .field("retry_base", &self.retry_base)
            .field("burst", &self.burst)
            .finish()
    }
}

/// How a request authenticates.
#[derive(Clone)]
pub(crate) enum Auth {
    None,
    /// client_credentials bearer.
    Admin,
    /// implicit bearer.
    Implicit,
    /// implicit bearer + `EP-Account-Management-Authentication-Token`.
    ImplicitWithAm(Secret),
    /// A fixed bearer (Beyond Identity API token).
    Static(Secret),
}

impl Auth {
    fn kind(&self) -> AuthKind {
        match self {
            Auth::None => AuthKind::None,
            Auth::Admin => AuthKind::Admin,
            Auth::Implicit => AuthKind::Implicit,
            Auth::ImplicitWithAm(_) => AuthKind::Member,
            Auth::Static(_) => AuthKind::Static,
        }
    }
}

/// Which failures a request may be retried on (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    Idempotent,
    Checked,
    Only429,
}

pub(crate) enum Body {
    None,
    Json(Value),
    Form(Vec<(&'static str, String)>),
}

pub(crate) struct Req {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Body,
    pub auth: Auth,
    pub retry: Retry,
}

impl Req {
    pub fn new(method: Method, path: impl Into<String>, auth: Auth) -> Self {
        let retry = if method == Method::POST { Retry::Only429 } else { Retry::Idempotent };
        Req { method, path: path.into(), query: Vec::new(), body: Body::None, auth, retry }
    }
    pub fn get(path: impl Into<String>, auth: Auth) -> Self {
        Self::new(Method::GET, path, auth)
    }
    pub fn json(mut self, body: Value) -> Self {
        self.body = Body::Json(body);
        self
    }
    pub fn query(mut self, q: Vec<(String, String)>) -> Self {
        self.query = q;
        self
    }
    pub fn retry(mut self, r: Retry) -> Self {
        self.retry = r;
        self
    }
    /// Path and encoded query, as shown to the observer and sent on the wire.
    pub fn path_and_query(&self) -> String {
        let mut s = self.path.clone();
        if !self.query.is_empty() {
            s.push('?');
            s.push_str(&encode_query(&self.query));
        }
        s
    }
}

/// A response of any status.
pub(crate) struct RawResponse {
    pub status: u16,
    pub body: Vec<u8>,
    retry_after: Option<Duration>,
}

/// Encodes `key=value` pairs; keys and values are fully percent-encoded.
pub fn encode_query(pairs: &[(String, String)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| {
            format!("{}={}", utf8_percent_encode(k, ENCODE), utf8_percent_encode(v, ENCODE))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-encodes one path segment (an id typed by a user cannot add `/`).
pub fn seg(s: &str) -> String {
    utf8_percent_encode(s, ENCODE).to_string()
}

/// Parses `Retry-After`: delta seconds or an HTTP date (RFC 7231 IMF-fixdate).
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::from_secs_f64(secs.min(3600.0)));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?.with_timezone(&Utc);
    Some((at - now).to_std().unwrap_or(Duration::ZERO))
}

/// Linear backoff with jitter: `base × attempt + rand(0..=min(base, 250 ms))`.
pub fn backoff(base: Duration, attempt: u32) -> Duration {
    let jitter_max = base.min(Duration::from_millis(250)).as_micros() as u64;
    let jitter = if jitter_max == 0 { 0 } else { rand::rng().random_range(0..=jitter_max) };
    base.saturating_mul(attempt.max(1)) + Duration::from_micros(jitter)
}

/// The token endpoints: `/oauth/access_token` and `/v2/account-members/tokens`.
/// Read-only mode lets the first through and the second only for a log-in
/// (see [`read_only_allows`]).
pub fn is_token_path(path: &str) -> bool {
    path == "/oauth/access_token" || path == AM_TOKENS_PATH
}

/// `POST /v2/account-members/tokens` (§2.9): issues account-management tokens
/// for the member whose credentials the body carries.
pub const AM_TOKENS_PATH: &str = "/v2/account-members/tokens";

/// The `authentication_mechanism`s of [`AM_TOKENS_PATH`] that only log a
/// member in (they issue tokens and change nothing on the store). The others,
/// `self_signup` (it creates the member) and any mechanism this list does not
/// name, are writes.
pub const LOG_IN_MECHANISMS: &[&str] =
    &["password", "passwordless", "oidc", "account_management_authentication_token"];

/// Whether read-only mode lets a request through: `GET`s, bearer requests
/// (`/oauth/access_token`) and member log-ins (`/v2/account-members/tokens`
/// with a mechanism of [`LOG_IN_MECHANISMS`]). A tokens request with
/// `self_signup`, or with no mechanism the client knows, creates or may
/// create a member: it is a write, refused like every other `POST`, `PUT` and
/// `DELETE`.
pub fn read_only_allows(method: &Method, path: &str, body: Option<&Value>) -> bool {
    if *method == Method::GET || path == "/oauth/access_token" {
        return true;
    }
    if path != AM_TOKENS_PATH {
        return false;
    }
    let mechanism = body
        .and_then(|b| b.get("data"))
        .and_then(|d| d.get("authentication_mechanism"))
        .and_then(Value::as_str);
    mechanism.is_some_and(|m| LOG_IN_MECHANISMS.contains(&m))
}

/// Whether a `401` is the bearer's fault, so renewing the token and replaying
/// the request can help. A tokens request ([`AM_TOKENS_PATH`]) carries a
/// member's credentials (password, one-time code, AM token): its `401` means
/// they were wrong, unless the body says the access token was not validated
/// (§1.4: title "Unable to validate access token"; the sandbox answers a wrong
/// password with "Invalid username or password"). Every other request's
/// `401` is the bearer's.
pub fn bearer_rejected(path: &str, body: &[u8]) -> bool {
    if path != AM_TOKENS_PATH {
        return true;
    }
    super::error::parse_error_objects(body).iter().any(|e| {
        let names = |s: &str| s.to_ascii_lowercase().contains("access token");
        names(&e.title) || e.detail.as_deref().is_some_and(names)
    })
}

/// The shared machinery behind [`super::Client`] and [`super::BiClient`].
pub(crate) struct Core {
    http: reqwest::Client,
    pub base_url: String,
    pub client_id: String,
    pub client_secret: Option<Secret>,
    limiter: Arc<RateLimiter>,
    /// A task reports the rate's recovery while no request does.
    rate_reporter: Arc<AtomicBool>,
    observer: Option<Observer>,
    pub read_only: bool,
    max_attempts: u32,
    retry_base: Duration,
}

impl Core {
    pub fn new(cfg: &ClientConfig) -> Result<Core, ApiError> {
        let base_url = cfg.base_url.trim().trim_end_matches('/').to_owned();
        let parsed = reqwest::Url::parse(&base_url)
            .map_err(|e| ApiError::Config(format!("invalid base URL {base_url:?}: {e}")))?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(ApiError::Config(format!("base URL must be http(s): {base_url:?}")));
        }
        let timeout = if cfg.timeout.is_zero() { Duration::from_secs(20) } else { cfg.timeout };
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("onboard/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ApiError::Config(format!("HTTP client: {e}")))?;
        Ok(Core {
            http,
            base_url,
            client_id: cfg.client_id.clone(),
            client_secret: cfg.client_secret.clone(),
            limiter: Arc::new(RateLimiter::new(cfg.rate_limit, cfg.burst)),
            rate_reporter: Arc::new(AtomicBool::new(false)),
            observer: cfg.observer.clone(),
            read_only: cfg.read_only,
            max_attempts: cfg.max_attempts.max(1),
            retry_base: cfg.retry_base,
        })
    }

    pub fn emit(&self, ev: ClientEvent) {
        if let Some(o) = &self.observer {
            o(ev);
        }
    }

    /// Sends a request: read-only check, bearer, retries, one renewal on a
    /// `401` that rejects the bearer (see [`bearer_rejected`]).
    pub async fn execute(&self, req: Req) -> Result<RawResponse, ApiError> {
        let body = match &req.body {
            Body::Json(v) => Some(v),
            _ => None,
        };
        if self.read_only && !read_only_allows(&req.method, &req.path, body) {
            return Err(ApiError::ReadOnly { method: req.method.to_string(), path: req.path });
        }
        let (bearer, fresh) = self.bearer(&req.auth, None).await?;
        let resp = self.run(&req, bearer.as_ref()).await?;
        let renewable = matches!(req.auth, Auth::Admin | Auth::Implicit | Auth::ImplicitWithAm(_));
        if resp.status == 401 && renewable && !fresh && bearer_rejected(&req.path, &resp.body) {
            tracing::debug!(path = %req.path, "401 on a cached token: renewing once");
            let (bearer, _) = self.bearer(&req.auth, bearer.as_ref()).await?;
            return self.run(&req, bearer.as_ref()).await;
        }
        Ok(resp)
    }

    /// The bearer for `auth`, and whether it was fetched just now.
    async fn bearer(
        &self,
        auth: &Auth,
        failed: Option<&Secret>,
    ) -> Result<(Option<Secret>, bool), ApiError> {
        let grant = match auth {
            Auth::None => return Ok((None, true)),
            Auth::Static(s) => return Ok((Some(s.clone()), true)),
            Auth::Admin => Grant::ClientCredentials,
            Auth::Implicit | Auth::ImplicitWithAm(_) => Grant::Implicit,
        };
        let (token, fresh) = auth::token(self, grant, failed).await?;
        Ok((Some(token.access_token), fresh))
    }

    /// Attempts `req` up to `max_attempts` times per its retry policy. Returns
    /// the last response whatever its status.
    pub async fn run(&self, req: &Req, bearer: Option<&Secret>) -> Result<RawResponse, ApiError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.max_attempts;
            match self.send_once(req, bearer, attempt).await {
                Ok(resp) => {
                    if resp.status == 429 {
                        self.slow_down(resp.retry_after);
                        if last {
                            return Ok(resp);
                        }
                        // The limiter holds this retry (and every other
                        // request) until the pause is over.
                        tracing::debug!(attempt, "429: retrying behind the client's pause");
                        continue;
                    }
                    self.limiter.on_answer();
                    let retryable = resp.status >= 500 && req.retry != Retry::Only429;
                    if !retryable || last {
                        return Ok(resp);
                    }
                    let delay = backoff(self.retry_base, attempt);
                    tracing::debug!(status = resp.status, ?delay, attempt, "retrying");
                    tokio::time::sleep(delay).await;
                }
                Err(e) => {
                    let transient = matches!(e, ApiError::Network(_) | ApiError::Timeout);
                    if !transient || req.retry == Retry::Only429 || last {
                        return Err(e);
                    }
                    tokio::time::sleep(backoff(self.retry_base, attempt)).await;
                }
            }
        }
    }

    /// The effective rate of this client now.
    pub fn rate(&self) -> RateState {
        self.limiter.effective()
    }

    /// A `429`: the whole client slows down (see the module docs).
    fn slow_down(&self, retry_after: Option<Duration>) {
        let retry_after = retry_after.map(|d| d.min(MAX_RETRY_AFTER));
        self.limiter.on_429(retry_after, self.retry_base);
        self.report_rate();
        let Some(observer) = self.observer.clone() else { return };
        if !self.limiter.effective().slowed() || self.rate_reporter.swap(true, Ordering::AcqRel) {
            return;
        }
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            self.rate_reporter.store(false, Ordering::Release);
            return;
        };
        // Tells the recovery while no request does (an idle console), once a
        // second at most, and ends when the rate is back.
        let limiter = self.limiter.clone();
        let flag = self.rate_reporter.clone();
        rt.spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Some(r) = limiter.report() {
                    observer(ClientEvent::Rate(r));
                }
                if !limiter.effective().slowed() {
                    // One last report if the recovery was not told yet.
                    if let Some(r) = limiter.report() {
                        observer(ClientEvent::Rate(r));
                    }
                    break;
                }
            }
            flag.store(false, Ordering::Release);
        });
    }

    fn report_rate(&self) {
        if self.observer.is_some()
            && let Some(r) = self.limiter.report()
        {
            self.emit(ClientEvent::Rate(r));
        }
    }

    async fn send_once(
        &self,
        req: &Req,
        bearer: Option<&Secret>,
        attempt: u32,
    ) -> Result<RawResponse, ApiError> {
        self.limiter.acquire().await;
        self.report_rate();
        let path = req.path_and_query();
        let url = format!("{}{}", self.base_url, path);
        let at = Utc::now();
        let started = tokio::time::Instant::now();
        let mut rb = self.http.request(req.method.clone(), &url).header(ACCEPT, "application/json");
        if let Some(b) = bearer {
            let mut v = HeaderValue::from_str(&format!("Bearer {}", b.expose()))
                .map_err(|_| ApiError::Config("the token is not a valid header value".into()))?;
            v.set_sensitive(true);
            rb = rb.header(AUTHORIZATION, v);
        }
        if let Auth::ImplicitWithAm(am) = &req.auth {
            let mut v = HeaderValue::from_str(am.expose()).map_err(|_| {
                ApiError::Config("the account-management token is not a valid header value".into())
            })?;
            v.set_sensitive(true);
            rb = rb.header(AM_TOKEN_HEADER, v);
        }
        rb = match &req.body {
            Body::None => rb,
            Body::Json(v) => rb.json(v),
            Body::Form(f) => rb.form(f),
        };
        let request = rb.build().map_err(map_reqwest)?;
        let mut scrub = Scrubber::default();
        let capture =
            self.observer.is_some().then(|| self.capture_request(req, &request, &mut scrub));
        let mut response_headers = Vec::new();
        let result = async {
            let resp = self.http.execute(request).await.map_err(map_reqwest)?;
            if capture.is_some() {
                response_headers = inspect::headers(resp.headers(), req.auth.kind(), &mut scrub);
            }
            let status = resp.status().as_u16();
            let retry_after = resp
                .headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, Utc::now()));
            let body = resp.bytes().await.map_err(map_reqwest)?.to_vec();
            Ok::<_, ApiError>(RawResponse { status, body, retry_after })
        }
        .await;
        let (status, error) = match &result {
            Ok(r) if (200..300).contains(&r.status) => (Some(r.status), None),
            Ok(r) => (Some(r.status), Some(ApiError::from_response(r.status, &r.body).to_string())),
            Err(e) => (None, Some(e.to_string())),
        };
        let duration = started.elapsed();
        tracing::debug!(
            method = %req.method,
            path = %path,
            status = ?status,
            attempt,
            ms = duration.as_millis() as u64,
            error = error.as_deref().unwrap_or(""),
            "api request"
        );
        if let Some((headers, body)) = capture {
            let path = inspect::redact_query(&path, &mut scrub);
            let response_body = match &result {
                Ok(r) => inspect::response_body(&r.body, &mut scrub),
                Err(_) => None,
            };
            let path = scrub.scrub(&path);
            self.emit(ClientEvent::Request(RequestRecord {
                at,
                method: req.method.to_string(),
                status,
                duration,
                attempt,
                error: error.map(|e| scrub.scrub(&e)),
                detail: Arc::new(RequestDetail {
                    host: self.base_url.clone(),
                    url: format!("{}{}", self.base_url, path),
                    auth: req.auth.kind(),
                    client_id: self.client_id.clone(),
                    request_headers: headers,
                    request_body: body,
                    response_headers,
                    response_body,
                }),
                path,
            }));
        }
        result
    }

    /// The inspector's copy of an outgoing request: headers masked, body
    /// redacted; every secret seen goes into `scrub`.
    fn capture_request(
        &self,
        req: &Req,
        request: &reqwest::Request,
        scrub: &mut Scrubber,
    ) -> (Vec<(String, String)>, Option<CapturedBody>) {
        if let Some(secret) = &self.client_secret {
            scrub.add(secret.expose(), "EPCC_CLIENT_SECRET");
        }
        let headers = inspect::headers(request.headers(), req.auth.kind(), scrub);
        let body = match &req.body {
            Body::None => None,
            Body::Json(v) => Some(inspect::json_body(v, scrub)),
            Body::Form(f) => {
                let pairs: Vec<(String, String)> =
                    f.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
                Some(inspect::form_body(&pairs, scrub))
            }
        };
        (headers, body)
    }
}

fn map_reqwest(e: reqwest::Error) -> ApiError {
    if e.is_timeout() {
        return ApiError::Timeout;
    }
    // The URL holds no secrets (they travel in headers and bodies), but keep
    // the message short and free of it anyway.
    let e = e.without_url();
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    ApiError::Network(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_encoding() {
        let q = vec![("filter".to_owned(), "eq(email,a+1@x.com)".to_owned())];
        assert_eq!(encode_query(&q), "filter=eq%28email%2Ca%2B1%40x.com%29");
        let q = vec![
            ("page[limit]".to_owned(), "25".to_owned()),
            ("filter".to_owned(), "eq(name,\"a b\"):like(email,*@x.com)".to_owned()),
        ];
        assert_eq!(
            encode_query(&q),
            "page%5Blimit%5D=25&filter=eq%28name%2C%22a%20b%22%29%3Alike%28email%2C%2A%40x.com%29"
        );
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
        assert_eq!(
            seg("3fa85f64-5717-4562-b3fc-2c963f66afa6"),
            "3fa85f64-5717-4562-b3fc-2c963f66afa6"
        );
    }

    #[test]
    fn retry_after_forms() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:00Z").unwrap().with_timezone(&Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("1.5", now), Some(Duration::from_millis(1500)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(60))
        );
        // A date in the past means "now".
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_is_bounded() {
        let base = Duration::from_millis(200);
        for attempt in 1..5 {
            let d = backoff(base, attempt);
            assert!(d >= base * attempt);
            assert!(d <= base * attempt + Duration::from_millis(200));
        }
        assert_eq!(backoff(Duration::ZERO, 3), Duration::ZERO);
    }

    #[test]
    fn token_paths() {
        assert!(is_token_path("/oauth/access_token"));
        assert!(is_token_path("/v2/account-members/tokens"));
        assert!(!is_token_path("/v2/accounts"));
    }

    #[test]
    fn read_only_lets_reads_bearers_and_log_ins_through() {
        let tokens = |m: Option<&str>| {
            let mut data = serde_json::json!({"type": "account_management_authentication_token"});
            if let Some(m) = m {
                data["authentication_mechanism"] = m.into();
            }
            serde_json::json!({ "data": data })
        };
        let allows = |method: Method, path: &str, body: Option<&Value>| {
            read_only_allows(&method, path, body)
        };
        assert!(allows(Method::GET, "/v2/accounts", None));
        assert!(allows(Method::POST, "/oauth/access_token", None));
        for m in LOG_IN_MECHANISMS {
            assert!(allows(Method::POST, AM_TOKENS_PATH, Some(&tokens(Some(*m)))), "{m}");
        }
        // A sign-up creates a member; an unknown or missing mechanism may.
        assert!(!allows(Method::POST, AM_TOKENS_PATH, Some(&tokens(Some("self_signup")))));
        assert!(!allows(Method::POST, AM_TOKENS_PATH, Some(&tokens(Some("something_new")))));
        assert!(!allows(Method::POST, AM_TOKENS_PATH, Some(&tokens(None))));
        assert!(!allows(Method::POST, AM_TOKENS_PATH, None));
        assert!(!allows(Method::POST, "/v2/accounts", None));
        assert!(!allows(Method::PUT, "/v2/settings/account-authentication", None));
        assert!(!allows(Method::DELETE, "/v2/accounts/a", None));
    }

    #[test]
    fn a_401_on_a_log_in_is_the_bearers_only_when_the_body_says_so() {
        let token = br#"{"errors":[{"status":"401","title":"Unable to validate access token"}]}"#;
        let creds = br#"{"errors":[{"status":"401","title":"Unauthorized","detail":"Invalid username or password"}]}"#;
        let am = br#"{"errors":[{"status":"401","title":"Unauthorized","detail":"Unable to validate account management authentication token"}]}"#;
        assert!(bearer_rejected(AM_TOKENS_PATH, token));
        assert!(!bearer_rejected(AM_TOKENS_PATH, creds));
        assert!(!bearer_rejected(AM_TOKENS_PATH, am));
        assert!(!bearer_rejected(AM_TOKENS_PATH, b""));
        // Anywhere else a 401 is the bearer's, whatever the body.
        assert!(bearer_rejected("/v2/accounts", creds));
        assert!(bearer_rejected("/v2/accounts", b""));
    }
}
