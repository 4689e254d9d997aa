//! The Members panel's async side: search, the member card, and the actions
//! taken from it. Every write is recorded in the audit log with the member's
//! e-mail and the account's name (never a secret).

use chrono::Utc;
use serde_json::json;

use crate::api::{
    AccountInput, ApiError, Client, ListParams, MembershipOutcome, OtpPurpose, TokenRequest,
};
use crate::audit::{AuditLog, result_text};
use crate::ui::ops::members::{Delivery, MemCall, MemReply, MemberCard, Who};
use crate::webhook::OTP_EVENT;

/// Results per searched field and page.
pub const SEARCH_PAGE: u32 = 25;

fn about(who: &Who) -> serde_json::Value {
    json!({"member_id": who.member_id, "member_email": who.email, "member_name": who.name})
}

fn record(
    audit: Option<&AuditLog>,
    action: &str,
    mut target: serde_json::Value,
    who: &Who,
    result: String,
) {
    if let Some(a) = audit {
        if let (Some(t), serde_json::Value::Object(w)) = (target.as_object_mut(), about(who)) {
            for (k, v) in w {
                t.entry(k).or_insert(v);
            }
        }
        a.record(action, target, result);
    }
}

pub async fn perform(
    client: &Client,
    call: MemCall,
    audit: Option<&AuditLog>,
) -> Result<MemReply, ApiError> {
    match call {
        MemCall::Search { query, cursor } => {
            let append = cursor.is_some();
            let page = client.search_members(&query, cursor.as_ref(), SEARCH_PAGE).await?;
            Ok(MemReply::Found { query, append, page })
        }
        MemCall::Card { member } => Ok(MemReply::Card(Box::new(card(client, member).await))),
        MemCall::LoadAccounts => client
            .list_all_accounts(&ListParams { sort: Some("name".into()), ..Default::default() })
            .await
            .map(MemReply::Accounts),
        MemCall::AddToAccount { who, account_id, account_name } => {
            let r = client.create_membership(&account_id, &who.member_id).await;
            let result = match &r {
                Ok(MembershipOutcome::AlreadyExists) => "already exists".to_owned(),
                other => result_text(other),
            };
            record(
                audit,
                "membership.create",
                json!({"kind": "add", "account_id": account_id, "account_name": account_name}),
                &who,
                result,
            );
            let message = match r? {
                MembershipOutcome::Created(_) => format!("{} added to {account_name}", who.email),
                MembershipOutcome::AlreadyExists => {
                    format!("{} was already in {account_name}", who.email)
                }
            };
            Ok(MemReply::Done { member_id: who.member_id, message })
        }
        MemCall::NewAccount { who, name, legal_name } => {
            let r = client
                .create_account(&AccountInput {
                    name: name.clone(),
                    legal_name: Some(legal_name.clone()),
                    ..Default::default()
                })
                .await;
            record(
                audit,
                "account.create",
                json!({"account_id": r.as_ref().ok().map(|a| a.id.clone()), "name": name,
                       "for_member_id": who.member_id}),
                &who,
                result_text(&r),
            );
            let account = r?;
            let r = client.create_membership(&account.id, &who.member_id).await;
            let result = match &r {
                Ok(MembershipOutcome::AlreadyExists) => "already exists".to_owned(),
                other => result_text(other),
            };
            record(
                audit,
                "membership.create",
                json!({"account_id": account.id, "account_name": account.name}),
                &who,
                result,
            );
            r?;
            Ok(MemReply::Done {
                member_id: who.member_id.clone(),
                message: format!("{} approved into {}", who.email, account.name),
            })
        }
        MemCall::RemoveMembership { who, account_id, account_name, membership_id } => {
            let r = client.delete_membership(&account_id, &membership_id).await;
            record(
                audit,
                "membership.delete",
                json!({"account_id": account_id, "account_name": account_name,
                       "membership_id": membership_id}),
                &who,
                result_text(&r),
            );
            r?;
            Ok(MemReply::Done {
                member_id: who.member_id.clone(),
                message: format!("{} removed from {account_name}", who.email),
            })
        }
        MemCall::SendOtp { who, profile_id, username, purpose } => {
            let realm = client.realm_id().await?;
            let r = client.request_otp(&realm, &profile_id, &username, purpose).await;
            record(
                audit,
                "otp.request",
                json!({"username": username, "purpose": purpose, "profile_id": profile_id}),
                &who,
                result_text(&r),
            );
            Ok(MemReply::OtpSent { member_id: who.member_id, outcome: r? })
        }
        MemCall::LoginCheck { who, profile_id, username, password } => {
            let r = client
                .account_member_tokens(&TokenRequest::Password {
                    profile_id: profile_id.clone(),
                    username: username.clone(),
                    password,
                })
                .await;
            let result = match &r {
                Ok(t) if t.tokens.is_empty() => "ok: no account (pending)".to_owned(),
                Ok(t) => format!("ok: {} account(s)", t.tokens.len()),
                Err(e) => format!("error: {}", e.summary()),
            };
            record(
                audit,
                "member.login_check",
                json!({"username": username, "profile_id": profile_id}),
                &who,
                result,
            );
            Ok(MemReply::LoginOk { member_id: who.member_id, tokens: r? })
        }
        MemCall::Reject { who } => {
            let realm = client.realm_id().await?;
            let r = client.delete_user_auth_info(&realm, &who.member_id).await;
            record(
                audit,
                "member.reject",
                json!({"name": who.name, "realm_id": realm}),
                &who,
                result_text(&r),
            );
            r?;
            Ok(MemReply::Rejected { member_id: who.member_id })
        }
    }
}

/// Loads everything the card shows. Parts that fail are left `None` with a
/// line in `errors` (a role without access to integrations still gets the rest).
pub async fn card(client: &Client, member: crate::api::AccountMember) -> MemberCard {
    let mut errors: Vec<String> = Vec::new();
    let mut note = |what: &str, e: ApiError| errors.push(format!("{what}: {}", e.summary()));
    let realm = client.realm_id().await;
    let (accounts, settings, integrations) = tokio::join!(
        client.member_accounts(&member.id),
        client.get_account_auth_settings(),
        client.list_integrations(),
    );
    let (credentials, profiles) = match &realm {
        Ok(realm) => {
            let (c, p) = tokio::join!(
                client.list_password_profile_infos(realm, &member.id),
                client.list_password_profiles(realm),
            );
            (
                c.map_err(|e| note("credentials", e)).ok(),
                p.map_err(|e| note("password profiles", e)).ok(),
            )
        }
        Err(_) => (None, None),
    };
    if let Err(e) = realm {
        note("realm", e);
    }
    let accounts = accounts.map_err(|e| note("memberships", e)).ok();
    let settings = settings.map_err(|e| note("settings", e)).ok();
    let integrations = integrations.map_err(|e| note("integrations", e)).ok();
    let mut deliveries = Vec::new();
    for i in integrations.iter().flatten() {
        if !(i.enabled && i.observes.iter().any(|o| o == OTP_EVENT)) {
            continue;
        }
        let logs = client
            .integration_logs(&i.id, &ListParams { limit: Some(5), ..Default::default() })
            .await;
        deliveries.push(match logs {
            Ok(p) => Delivery {
                integration_id: i.id.clone(),
                last: p
                    .data
                    .into_iter()
                    .max_by_key(|l| l.meta.created_at.clone().unwrap_or_default()),
                error: None,
            },
            Err(e) => {
                Delivery { integration_id: i.id.clone(), last: None, error: Some(e.summary()) }
            }
        });
    }
    MemberCard {
        member,
        accounts,
        credentials,
        profiles,
        settings,
        integrations,
        deliveries,
        bi: None,
        errors,
        loaded_at: Utc::now(),
    }
}

/// The purpose of a code sent from the card.
pub fn purpose_label(p: OtpPurpose) -> &'static str {
    match p {
        OtpPurpose::ResetPassword => "reset",
        OtpPurpose::PasswordlessAuthentication => "passwordless",
    }
}
