//! The command executor: runs each API call on tokio and sends the result back
//! to the inbox tagged with its operation id. Never touches UI state.

use std::collections::HashMap;
use std::io::Write;

use base64::Engine;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::AbortHandle;

use super::msg::{Call, Msg, OpId, Reply};
use crate::api::{ApiError, Client, TokenRequest};

pub struct Executor {
    tx: UnboundedSender<Msg>,
    client: Option<Client>,
    tasks: HashMap<OpId, AbortHandle>,
}

impl Executor {
    pub fn new(tx: UnboundedSender<Msg>) -> Self {
        Self { tx, client: None, tasks: HashMap::new() }
    }

    pub fn attach(&mut self, client: Client) {
        self.client = Some(client);
    }

    pub fn client(&self) -> Option<&Client> {
        self.client.as_ref()
    }

    /// Forget a finished operation.
    pub fn finished(&mut self, op: OpId) {
        self.tasks.remove(&op);
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
        let handle = tokio::spawn(async move {
            let result = perform(&client, call).await;
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

/// Runs one call with the client.
pub async fn perform(client: &Client, call: Call) -> Result<Reply, ApiError> {
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
        Call::SelfSignup(r) => client
            .account_member_tokens(&TokenRequest::SelfSignup {
                profile_id: r.profile_id,
                username: r.username,
                password: r.password,
                name: r.name,
                email: r.email,
            })
            .await
            .map(Reply::Tokens),
        Call::Login(r) => client
            .account_member_tokens(&TokenRequest::Password {
                profile_id: r.profile_id,
                username: r.username,
                password: r.password,
            })
            .await
            .map(Reply::Tokens),
    }
}
