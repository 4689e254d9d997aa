//! `POST /oauth/access_token` and bearer / account-management token checks.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use rand::Rng;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::Shared;
use super::error::{ApiError, ApiResult};
use super::list::parse_params;
use super::state::AmSession;

pub const AM_HEADER: &str = "ep-account-management-authentication-token";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    ClientCredentials,
    Implicit,
}

#[derive(Debug, Clone)]
pub struct Token {
    pub grant: Grant,
    pub expires: DateTime<Utc>,
}

/// A random URL-safe string of `n` random bytes.
pub fn random_token(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    rand::rng().fill(&mut bytes[..]);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A JWT-looking account-management token (the signature is random: it is only
/// ever checked by looking it up).
pub fn am_jwt(member: &str, account: &str, expires: &DateTime<Utc>) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = json!({
        "exp": expires.timestamp(), "iat": Utc::now().timestamp(),
        "scope": account, "sub": member, "jti": random_token(8),
    });
    let payload = URL_SAFE_NO_PAD.encode(payload.to_string());
    format!("{header}.{payload}.{}", random_token(32))
}

fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

pub async fn access_token(State(app): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    let text = String::from_utf8_lossy(&body);
    let json_fields = || -> Option<std::collections::HashMap<String, String>> {
        let v: Value = serde_json::from_slice(&body).ok()?;
        let obj = v.get("data").filter(|d| d.is_object()).unwrap_or(&v).as_object()?;
        Some(
            obj.iter().filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_owned()))).collect(),
        )
    };
    // Form first (what every client sends), JSON as a fallback; the docs' curl
    // examples send form fields with a JSON content type.
    let form = parse_params(Some(&text));
    let fields = if form.contains_key("grant_type") {
        form
    } else if let Some(j) = json_fields() {
        j
    } else if is_json {
        return ApiError::bad_request("Request body is not valid JSON").into_response();
    } else {
        form
    };
    let unauthorized = || {
        ApiError::new(StatusCode::UNAUTHORIZED, "Unauthorized")
            .detail("invalid client credentials")
            .into_response()
    };
    let Some(grant) = fields.get("grant_type") else {
        return ApiError::bad_request("grant_type is required")
            .source("grant_type")
            .into_response();
    };
    let grant = match grant.as_str() {
        "client_credentials" => Grant::ClientCredentials,
        "implicit" => Grant::Implicit,
        other => {
            return ApiError::bad_request(format!(
                "unsupported grant_type '{other}' (use client_credentials or implicit)"
            ))
            .source("grant_type")
            .into_response();
        }
    };
    let Some(id) = fields.get("client_id") else {
        return ApiError::bad_request("client_id is required").source("client_id").into_response();
    };
    if !ct_eq(id, &app.client_id) {
        return unauthorized();
    }
    if grant == Grant::ClientCredentials {
        let Some(secret) = fields.get("client_secret") else {
            return ApiError::bad_request("client_secret is required for client_credentials")
                .source("client_secret")
                .into_response();
        };
        if !ct_eq(secret, app.client_secret.expose()) {
            return unauthorized();
        }
    }
    let ttl = chrono::Duration::from_std(app.token_ttl).unwrap_or(chrono::Duration::hours(1));
    let expires = Utc::now() + ttl;
    let token = random_token(30);
    {
        let mut tokens = app.tokens();
        let now = Utc::now();
        if tokens.len() > 10_000 {
            tokens.retain(|_, t| t.expires > now);
        }
        tokens.insert(token.clone(), Token { grant, expires });
    }
    let identifier = match grant {
        Grant::ClientCredentials => "client_credentials",
        Grant::Implicit => "implicit",
    };
    Json(json!({
        "access_token": token, "token_type": "Bearer",
        "expires_in": app.token_ttl.as_secs(), "expires": expires.timestamp(),
        "identifier": identifier,
    }))
    .into_response()
}

/// Who is calling a `/v2` route.
#[derive(Debug, Clone)]
pub struct Caller {
    pub grant: Grant,
    /// The AM token header, when sent (validated for implicit callers).
    pub am: Option<AmSession>,
}

impl Caller {
    pub fn is_admin(&self) -> bool {
        self.grant == Grant::ClientCredentials
    }
    /// Admin-only routes: implicit tokens get 403.
    pub fn admin(&self) -> ApiResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "This resource requires a client_credentials token; an implicit token cannot access it",
            ))
        }
    }
    /// For self-service routes: `None` for admins, the member session for implicit
    /// callers with a valid AM token, 403 otherwise.
    pub fn member_scope(&self) -> ApiResult<Option<&AmSession>> {
        if self.is_admin() {
            return Ok(None);
        }
        match &self.am {
            Some(s) => Ok(Some(s)),
            None => Err(ApiError::forbidden(
                "An implicit token needs an EP-Account-Management-Authentication-Token header for this resource",
            )),
        }
    }
}

impl FromRequestParts<Shared> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, app: &Shared) -> Result<Self, Self::Rejection> {
        let bearer =
            parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| {
                let (scheme, tok) = v.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| tok.trim().to_owned())
            });
        let Some(bearer) = bearer else {
            return Err(ApiError::unauthorized()
                .detail("An Authorization: Bearer <access token> header is required"));
        };
        let now = Utc::now();
        let grant = {
            let tokens = app.tokens();
            match tokens.get(&bearer) {
                Some(t) if t.expires > now => t.grant,
                Some(_) => {
                    return Err(ApiError::unauthorized().detail("The access token has expired"));
                }
                None => {
                    return Err(ApiError::unauthorized().detail("The access token is not valid"));
                }
            }
        };
        let am_token = parts
            .headers
            .get(AM_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let am = match &am_token {
            None => None,
            Some(t) => {
                let store = app.store();
                match store.am_tokens.get(t) {
                    Some(s) if s.expires > now => Some(s.clone()),
                    _ if grant == Grant::ClientCredentials => None,
                    _ => {
                        return Err(ApiError::new(
                            StatusCode::UNAUTHORIZED,
                            "Unable to validate account management authentication token",
                        )
                        .detail(
                            "The EP-Account-Management-Authentication-Token is invalid or expired",
                        ));
                    }
                }
            }
        };
        Ok(Caller { grant, am })
    }
}
