//! The async side of the OTP panel: integration set-up, OTP requests, code
//! exchange and password reset. API client and listener only; no UI state.

use std::sync::Arc;

use rand::Rng;
use serde_json::json;

use crate::api::{
    ApiError, Client, IntegrationConfiguration, IntegrationInput, IntegrationUpdate, ListParams,
    PasswordProfileInfoUpdate, TokenRequest,
};
use crate::audit::{AuditLog, result_text};
use crate::secret::Secret;
pub use crate::ui::ops::otp::{OtpCall, OtpReply, ResetRequest};
use crate::ui::store::SecretStore;
use crate::webhook::ListenerHandle;

/// The name of the integration the console creates (and may later repair).
pub const INTEGRATION_NAME: &str = "onboard OTP events";

/// What the OTP jobs need besides the client.
#[derive(Clone, Default)]
pub struct OtpContext {
    pub listener: Option<Arc<ListenerHandle>>,
    /// Where a new webhook secret is kept (the config file, mode 0600).
    pub secrets: Option<Arc<dyn SecretStore>>,
}

/// A fresh webhook secret: 40 random alphanumerics.
pub fn new_secret() -> Secret {
    let s: String =
        rand::rng().sample_iter(rand::distr::Alphanumeric).take(40).map(char::from).collect();
    Secret::new(s)
}

pub async fn perform(
    client: &Client,
    call: OtpCall,
    ctx: &OtpContext,
    audit: Option<&AuditLog>,
) -> Result<OtpReply, ApiError> {
    match call {
        OtpCall::SetupIntegration { url, existing } => {
            let secret = new_secret();
            let configuration = IntegrationConfiguration {
                url: Some(url.clone()),
                secret_key: Some(secret.clone()),
            };
            let r = match &existing {
                Some(id) => {
                    client
                        .update_integration(
                            id,
                            &IntegrationUpdate {
                                enabled: Some(true),
                                observes: Some(crate::readiness::console_events()),
                                configuration: Some(configuration),
                                ..Default::default()
                            },
                        )
                        .await
                }
                None => {
                    client
                        .create_integration(&IntegrationInput {
                            name: INTEGRATION_NAME.into(),
                            description: "OTP codes for the onboard console".into(),
                            enabled: true,
                            integration_type: "webhook".into(),
                            observes: crate::readiness::console_events(),
                            configuration,
                        })
                        .await
                }
            };
            if let Some(a) = audit {
                let action =
                    if existing.is_some() { "integration.update" } else { "integration.create" };
                a.record(
                    action,
                    json!({"integration_id": r.as_ref().ok().map(|i| i.id.clone()).or(existing),
                           "url": url}),
                    result_text(&r),
                );
            }
            let integration = r?;
            // Only once Commerce has the new secret does the listener expect it
            // (and the config keep it): a failed call changes nothing here.
            if let Some(l) = &ctx.listener {
                l.set_secret(Some(secret.clone()));
            }
            if let Some(store) = ctx.secrets.clone() {
                let s = secret.clone();
                let saved =
                    tokio::task::spawn_blocking(move || store.save_webhook_secret(&s)).await;
                if !matches!(saved, Ok(Ok(()))) {
                    tracing::warn!("could not save the webhook secret in the config file");
                }
            }
            Ok(OtpReply::Integration(Box::new(integration)))
        }
        OtpCall::LoadLogs { integration_id } => client
            .integration_logs(
                &integration_id,
                &ListParams { limit: Some(20), ..Default::default() },
            )
            .await
            .map(|p| OtpReply::Logs(p.data)),
        OtpCall::FindMembers { query } => {
            find_members(client, &query).await.map(|m| OtpReply::Members(query, m))
        }
        OtpCall::Request { profile_id, username, purpose } => {
            let realm = client.realm_id().await?;
            let r = client.request_otp(&realm, &profile_id, &username, purpose).await;
            if let Some(a) = audit {
                a.record(
                    "otp.request",
                    json!({"username": username, "purpose": purpose, "profile_id": profile_id}),
                    result_text(&r),
                );
            }
            r.map(OtpReply::Requested)
        }
        OtpCall::Exchange { profile_id, username, code } => client
            .account_member_tokens(&TokenRequest::Passwordless { profile_id, username, otp: code })
            .await
            .map(OtpReply::Exchanged),
        OtpCall::Reset(req) => reset(client, req, audit).await,
    }
}

async fn reset(
    client: &Client,
    req: ResetRequest,
    audit: Option<&AuditLog>,
) -> Result<OtpReply, ApiError> {
    let info_id = match req.profile_info_id.clone() {
        Some(id) => id,
        None => client
            .list_password_profile_infos(&req.realm, &req.user_id)
            .await?
            .into_iter()
            .find(|i| i.password_profile_id == req.profile_id)
            .map(|i| i.id)
            .ok_or_else(|| {
                ApiError::Config("the member has no credential on this profile".into())
            })?,
    };
    let r = client
        .update_password_profile_info(
            &req.realm,
            &req.user_id,
            &info_id,
            &PasswordProfileInfoUpdate {
                password_profile_id: req.profile_id.clone(),
                username: None,
                password: Some(req.new_password.clone()),
            },
            Some(&req.am_token),
        )
        .await;
    if let Some(a) = audit {
        a.record(
            "password.reset",
            json!({"member_id": req.user_id, "profile_info_id": info_id, "username": req.username}),
            result_text(&r),
        );
    }
    r?;
    client
        .account_member_tokens(&TokenRequest::Password {
            profile_id: req.profile_id,
            username: req.username,
            password: req.new_password,
        })
        .await
        .map(OtpReply::Reset)
}

/// Members matching a picker query: an exact e-mail first (`eq`, then
/// `ilike`: `find_member_by_email`), then e-mails containing the text
/// (`ilike(email,'*q*')`, or `like(email,*q*)` on stores whose parser only
/// knows `like`). A filter the store refuses (400) finds nothing rather than
/// failing the picker.
pub async fn find_members(
    client: &Client,
    query: &str,
) -> Result<Vec<crate::api::AccountMember>, ApiError> {
    let q = query.trim().to_lowercase();
    let mut out = Vec::new();
    if q.contains('@')
        && let Some(m) = client.find_member_by_email(&q).await?
    {
        out.push(m);
    }
    let clean: String = q.chars().filter(|c| !matches!(c, '\'' | '*' | ',' | '(' | ')')).collect();
    if clean.is_empty() {
        return Ok(out);
    }
    for filter in [format!("ilike(email,'*{clean}*')"), format!("like(email,*{clean}*)")] {
        let p = ListParams { filter: Some(filter), limit: Some(20), ..Default::default() };
        match client.list_account_members(&p).await {
            Ok(page) => {
                for m in page.data {
                    if !out.iter().any(|o: &crate::api::AccountMember| o.id == m.id) {
                        out.push(m);
                    }
                }
                return Ok(out);
            }
            Err(ApiError::Http { status: 400, .. }) => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
