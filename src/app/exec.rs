//! The command executor: runs each API call on tokio and sends the result back
//! to the inbox tagged with its operation id. Never touches UI state.

use std::collections::HashMap;
use std::io::Write;
use std::sync::Arc;

use base64::Engine;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;
use tokio_util::sync::CancellationToken;

use serde_json::json;

use crate::api::{ApiError, BiClient, Client, TokenRequest};
use crate::audit::{AuditLog, result_text};
use crate::panels::approvals::jobs as approvals;
use crate::panels::members::jobs as members;
use crate::panels::otp::jobs::{self as otp, OtpContext};
use crate::ui::{Call, Msg, OpId, Reply};

pub struct Executor {
    tx: UnboundedSender<Msg>,
    client: Option<Client>,
    audit: Option<AuditLog>,
    otp: OtpContext,
    bi: Option<BiClient>,
    bi_map: Option<std::path::PathBuf>,
    queue_dir: Option<std::path::PathBuf>,
    tasks: HashMap<OpId, AbortHandle>,
    /// Cooperative stops of long jobs (a bulk run finishes what it started).
    stops: HashMap<OpId, CancellationToken>,
}

impl Executor {
    pub fn new(tx: UnboundedSender<Msg>) -> Self {
        Self {
            tx,
            client: None,
            audit: None,
            otp: OtpContext::default(),
            bi: None,
            bi_map: None,
            queue_dir: None,
            tasks: HashMap::new(),
            stops: HashMap::new(),
        }
    }

    pub fn attach(&mut self, client: Client, audit: Option<AuditLog>) {
        self.client = Some(client);
        self.audit = audit;
    }

    /// Beyond Identity, and where the member ↔ Beyond Identity mapping is kept.
    pub fn attach_bi(&mut self, bi: Option<BiClient>, map: std::path::PathBuf) {
        self.bi = bi;
        self.bi_map = Some(map);
    }

    /// Where the per-store queue cache lives (unset: no cache, as for the
    /// embedded sandbox).
    pub fn attach_queue_dir(&mut self, dir: Option<std::path::PathBuf>) {
        self.queue_dir = dir;
    }

    /// What the OTP jobs need: the listener (to change its secret) and the config file.
    pub fn set_otp_context(&mut self, ctx: OtpContext) {
        self.otp = ctx;
    }

    /// Forget a finished operation.
    pub fn finished(&mut self, op: OpId) {
        self.tasks.remove(&op);
        self.stops.remove(&op);
    }

    /// Asks a long job to stop starting new work; it still reports and ends.
    pub fn stop(&mut self, op: OpId) {
        if let Some(t) = self.stops.get(&op) {
            t.cancel();
        }
    }

    pub fn cancel(&mut self, op: OpId) {
        if let Some(h) = self.tasks.remove(&op) {
            h.abort();
        }
    }

    pub fn spawn_call(&mut self, op: OpId, call: Call) {
        let tx = self.tx.clone();
        let Some(client) = self.client.clone() else {
            let _ = tx.send(Msg::Done(op, Err(ApiError::Config("not connected".into()))));
            return;
        };
        let audit = self.audit.clone();
        let stop = CancellationToken::new();
        self.stops.insert(op, stop.clone());
        let ctx = Ctx {
            otp: self.otp.clone(),
            bi: self.bi.clone(),
            bi_map: self.bi_map.clone(),
            queue_dir: self.queue_dir.clone(),
            stop,
        };
        let handle = tokio::spawn(async move {
            let result = perform(&client, call, op, &tx, audit.as_ref(), &ctx).await;
            let _ = tx.send(Msg::Done(op, result));
        });
        self.tasks.insert(op, handle.abort_handle());
    }

    pub fn abort_all(&mut self) {
        for (_, h) in self.tasks.drain() {
            h.abort();
        }
    }
}

/// Copies text to the terminal's clipboard with OSC 52 (works over SSH).
pub fn osc52_copy(text: &str) -> std::io::Result<()> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    let mut out = std::io::stdout();
    write!(out, "\x1b]52;c;{b64}\x07")?;
    out.flush()
}

/// Runs one call with the client; writes are recorded in the audit log.
pub async fn perform(
    client: &Client,
    call: Call,
    op: OpId,
    tx: &UnboundedSender<Msg>,
    audit: Option<&AuditLog>,
    ctx: &Ctx,
) -> Result<Reply, ApiError> {
    let entry = audit_of(&call);
    let result = run(client, call, op, tx, audit, ctx).await;
    if let (Some(log), Some((action, target))) = (audit, entry) {
        let target = match &result {
            Ok(Reply::Profile(p)) => json!({"profile": target, "profile_id": p.id}),
            Ok(Reply::Tokens(t)) => json!({"member": target, "member_id": t.account_member_id}),
            _ => target,
        };
        log.record(action, target, result_text(&result));
    }
    result
}

/// The audit action and target of the writes made through `perform` (jobs
/// record their own writes). Never secrets.
fn audit_of(call: &Call) -> Option<(&'static str, serde_json::Value)> {
    Some(match call {
        Call::SaveSettings(u) => ("settings.update", serde_json::to_value(u).unwrap_or_default()),
        Call::CreateProfile(p) => ("password_profile.create", json!({"name": p.name})),
        Call::UpdateProfile(id, p) => {
            ("password_profile.update", json!({"profile_id": id, "name": p.name}))
        }
        Call::DeleteProfile(id) => ("password_profile.delete", json!({"profile_id": id})),
        Call::SelfSignup(r) => ("member.self_signup", json!({"username": r.username})),
        _ => return None,
    })
}

async fn run(
    client: &Client,
    call: Call,
    op: OpId,
    tx: &UnboundedSender<Msg>,
    audit: Option<&AuditLog>,
    ctx: &Ctx,
) -> Result<Reply, ApiError> {
    match call {
        Call::LoadSettings => client.get_account_auth_settings().await.map(Reply::Settings),
        Call::SaveSettings(u) => client.update_account_auth_settings(&u).await.map(Reply::Settings),
        Call::LoadProfiles => {
            let realm = client.realm_id().await?;
            client.list_password_profiles(&realm).await.map(Reply::Profiles)
        }
        Call::CreateProfile(input) => {
            let realm = client.realm_id().await?;
            client.create_password_profile(&realm, &input).await.map(Reply::Profile)
        }
        Call::UpdateProfile(id, input) => {
            let realm = client.realm_id().await?;
            client.update_password_profile(&realm, &id, &input).await.map(Reply::Profile)
        }
        Call::DeleteProfile(id) => {
            let realm = client.realm_id().await?;
            client.delete_password_profile(&realm, &id).await.map(|_| Reply::Deleted)
        }
        Call::LoadIntegrations => client.list_integrations().await.map(Reply::Integrations),
        Call::SelfSignup(r) => {
            let email = r.email.clone();
            let mut tokens = client
                .account_member_tokens(&TokenRequest::SelfSignup {
                    profile_id: r.profile_id,
                    username: r.username,
                    password: r.password,
                    name: r.name,
                    email: r.email,
                })
                .await?;
            // Older stores do not return meta.account_member_id: look it up.
            if tokens.account_member_id.is_none()
                && let Ok(Some(m)) = client.find_member_by_email(&email).await
            {
                tokens.account_member_id = Some(m.id);
            }
            Ok(Reply::Tokens(tokens))
        }
        Call::Login(r) => client
            .account_member_tokens(&TokenRequest::Password {
                profile_id: r.profile_id,
                username: r.username,
                password: r.password,
            })
            .await
            .map(Reply::Tokens),
        Call::Approvals(approvals::ApCall::LoadCache) => {
            let Some(dir) = ctx.queue_dir.clone() else {
                return Ok(Reply::Approvals(approvals::ApReply::CacheLoaded(None)));
            };
            let key = crate::store::queue::StoreKey::new(client.base_url(), client.client_id());
            let load = tokio::task::spawn_blocking(move || approvals::load_cache(&dir, key))
                .await
                .map_err(|e| ApiError::Config(format!("queue cache: {e}")))?;
            Ok(Reply::Approvals(approvals::ApReply::CacheLoaded(Some(Box::new(load)))))
        }
        Call::Approvals(c) => {
            let tx = tx.clone();
            let progress: approvals::ProgressFn = Arc::new(move |p| {
                let _ = tx.send(Msg::Progress(op, p));
            });
            let mut reply = approvals::perform(client, c, progress, audit, &ctx.stop).await?;
            if let (approvals::ApReply::Details(d), Some(path)) = (&mut reply, &ctx.bi_map) {
                let path = path.clone();
                let id = d.member_id.clone();
                d.bi = tokio::task::spawn_blocking(move || {
                    crate::bi_map::try_load(&path).map(|mut m| m.remove(&id))
                })
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            }
            Ok(Reply::Approvals(reply))
        }
        Call::Members(c) => {
            let mut reply = members::perform(client, c, audit).await?;
            if let (crate::ui::ops::members::MemReply::Card(card), Some(path)) =
                (&mut reply, &ctx.bi_map)
            {
                let path = path.clone();
                let id = card.member.id.clone();
                card.bi =
                    tokio::task::spawn_blocking(move || crate::bi_map::load(&path).remove(&id))
                        .await
                        .unwrap_or_default();
            }
            Ok(Reply::Members(reply))
        }
        Call::Otp(c) => otp::perform(client, c, &ctx.otp, audit).await.map(Reply::Otp),
        Call::BiCreate(input) => {
            let bi = ctx
                .bi
                .as_ref()
                .ok_or_else(|| ApiError::Config("Beyond Identity is not configured".into()))?;
            let r = bi.create_user(&input).await;
            if let Some(a) = audit {
                a.record(
                    "bi_user.create",
                    json!({"external_id": input.external_id, "internal_id": r.as_ref().ok().map(|u| u.internal_id.clone())}),
                    result_text(&r),
                );
            }
            let user = r?;
            remember_bi(ctx, &user).await;
            Ok(Reply::BiUser(user))
        }
        Call::BiRecover { external_id } => {
            let bi = ctx
                .bi
                .as_ref()
                .ok_or_else(|| ApiError::Config("Beyond Identity is not configured".into()))?;
            let r = bi.recover_user(&external_id).await;
            if let Some(a) = audit {
                a.record("bi_user.recover", json!({"external_id": external_id}), result_text(&r));
            }
            let user = r?;
            remember_bi(ctx, &user).await;
            Ok(Reply::BiUser(user))
        }
    }
}

/// What the jobs need besides the client and the audit log.
pub struct Ctx {
    pub otp: OtpContext,
    pub bi: Option<BiClient>,
    pub bi_map: Option<std::path::PathBuf>,
    /// The data dir for the queue cache (`None`: no cache).
    pub queue_dir: Option<std::path::PathBuf>,
    /// Set when the user stops this operation (`Esc` on a bulk run).
    pub stop: CancellationToken,
}

async fn remember_bi(ctx: &Ctx, user: &crate::api::BiUser) {
    let Some(path) = ctx.bi_map.clone() else { return };
    let link = crate::bi_map::BiLink {
        internal_id: user.internal_id.clone(),
        external_id: user.external_id.clone(),
        email: user.email.clone(),
        user_name: user.user_name.clone(),
        date_created: user.date_created.clone(),
    };
    match tokio::task::spawn_blocking(move || crate::bi_map::record(&path, link)).await {
        Ok(Ok(())) => {}
        _ => tracing::warn!("could not save the Beyond Identity mapping"),
    }
}
