//! Bearer tokens from `POST /oauth/access_token` (§2.1), cached process-wide
//! per (base URL, client id, grant).
//!
//! Every client of the same store and key shares one token. Renewal happens
//! 60 s before expiry (see [`AccessToken::is_fresh`]), or when a request got
//! a `401` that rejects the cached token (not one about a member's
//! credentials: see [`super::http::bearer_rejected`]). Each cache slot has an async lock, so
//! concurrent callers wait for one renewal instead of all fetching a token.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

use chrono::Utc;
use reqwest::Method;

use super::decode;
use super::error::ApiError;
use super::http::{Auth, Body, ClientEvent, Core, Req, Retry, TokenState};
use super::models::AccessToken;
use crate::secret::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Grant {
    ClientCredentials,
    Implicit,
}

impl Grant {
    fn as_str(self) -> &'static str {
        match self {
            Grant::ClientCredentials => "client_credentials",
            Grant::Implicit => "implicit",
        }
    }
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessToken>>>;
type Key = (String, String, Grant);

static CACHE: LazyLock<Mutex<HashMap<Key, Slot>>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn slot(key: Key) -> Slot {
    let mut map = match CACHE.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.entry(key).or_default().clone()
}

/// Forgets every cached token (e.g. after the credentials changed).
pub fn clear_token_cache() {
    let mut map = match CACHE.lock() {
        Ok(g) => g,
        Err(poisoned) => poisoned.into_inner(),
    };
    map.clear();
}

/// A usable token and whether it was fetched by this call. `failed` is a token
/// the server just refused: it is not handed out again.
pub(crate) async fn token(
    core: &Core,
    grant: Grant,
    failed: Option<&Secret>,
) -> Result<(AccessToken, bool), ApiError> {
    let slot = slot((core.base_url.clone(), core.client_id.clone(), grant));
    let mut cached = slot.lock().await;
    if let Some(t) = cached.as_ref()
        && t.is_fresh(Utc::now())
        && failed.is_none_or(|f| f != &t.access_token)
    {
        return Ok((t.clone(), false));
    }
    *cached = None;
    let admin = grant == Grant::ClientCredentials;
    if admin {
        core.emit(ClientEvent::Token(TokenState::Renewing));
    }
    match fetch(core, grant).await {
        Ok(t) => {
            if admin {
                core.emit(ClientEvent::Token(TokenState::Valid { expires_at: t.expires_at }));
            }
            *cached = Some(t.clone());
            Ok((t, true))
        }
        Err(e) => {
            if admin {
                core.emit(ClientEvent::Token(TokenState::Failed(e.summary())));
            }
            Err(e)
        }
    }
}

async fn fetch(core: &Core, grant: Grant) -> Result<AccessToken, ApiError> {
    if core.client_id.is_empty() {
        return Err(ApiError::Config("no client id configured".into()));
    }
    let mut form =
        vec![("grant_type", grant.as_str().to_owned()), ("client_id", core.client_id.clone())];
    if grant == Grant::ClientCredentials {
        let secret = core
            .client_secret
            .as_ref()
            .filter(|s| !s.is_empty())
            .ok_or_else(|| ApiError::Config("no client secret configured".into()))?;
        form.push(("client_secret", secret.expose().to_owned()));
    }
    let mut req = Req::new(Method::POST, "/oauth/access_token", Auth::None).retry(Retry::Checked);
    req.body = Body::Form(form);
    let resp = core.run(&req, None).await?;
    let parsed = decode::token_response(resp.status, &resp.body)?;
    if parsed.access_token.is_empty() {
        return Err(ApiError::Decode { status: resp.status, message: "empty access_token".into() });
    }
    Ok(AccessToken::from_response(parsed, Utc::now(), grant.as_str()))
}
