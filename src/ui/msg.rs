//! The inbox type, the effects `update` asks for, and the API calls.

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::KeyEvent;

use crate::api::{
    AccountAuthSettings, AccountAuthSettingsUpdate, AmTokens, ApiError, ClientEvent, Integration,
    PasswordProfile, PasswordProfileInput,
};
use crate::secret::Secret;
use crate::ui::ops::{approvals, members, otp};

/// Terminal input as the app sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    Paste(String),
    Resize(u16, u16),
    Mouse(ratatui::crossterm::event::MouseEvent),
}

/// Identifies one in-flight operation; results for unknown ids are stale and dropped.
pub type OpId = u64;

/// Everything that reaches the app: terminal input, API results, timers.
#[derive(Debug)]
pub enum Msg {
    Input(Input),
    /// A timer tick (only sent while something visible animates).
    Tick(DateTime<Utc>),
    /// The store (or the embedded sandbox) is reachable through a client.
    Connected(ConnInfo),
    ConnectFailed(String),
    /// Request log and token state from the API client.
    Client(ClientEvent),
    /// The result of an API call.
    Done(OpId, Result<Reply, ApiError>),
    /// Progress of a long job (a scan, a bulk run) before its `Done`.
    Progress(OpId, Progress),
    /// A write was recorded in the audit log.
    Audited(crate::audit::AuditEntry),
    /// The OTP listener is up (its URL) or could not start.
    ListenerStarted(Result<String, String>),
    /// An OTP delivery reached the listener (or was refused).
    Listener(Box<crate::webhook::ListenerEvent>),
    /// Events persisted by earlier sessions, and warnings about corrupt lines.
    EventsLoaded(Vec<crate::webhook::OtpEvent>, Vec<String>),
    /// Entries of earlier sessions, read at start.
    AuditLoaded(Vec<crate::audit::AuditEntry>),
}

/// Progress reports of long jobs, one variant per panel that runs them.
#[derive(Debug, Clone)]
pub enum Progress {
    Approvals(approvals::ApProgress),
}

impl Msg {
    pub fn key(k: KeyEvent) -> Msg {
        Msg::Input(Input::Key(k))
    }
}

/// How the console is connected, for the header.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnInfo {
    pub sandbox: bool,
    pub base_url: String,
    /// Host of the base URL (or "sandbox").
    pub host: String,
    pub profile: String,
    /// Beyond Identity is configured (always in sandbox mode).
    pub bi: bool,
}

/// What `update` asks the executor to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Call(OpId, Call),
    /// Abort an in-flight read (its result would be dropped anyway).
    Cancel(OpId),
    /// Ask a long job to stop starting new work (it reports what it did, then ends).
    Stop(OpId),
    /// Copy to the clipboard through OSC 52.
    Copy(Secret),
    Quit,
}

/// The API calls the console makes. The executor runs them on tokio.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    LoadSettings,
    SaveSettings(AccountAuthSettingsUpdate),
    LoadProfiles,
    CreateProfile(PasswordProfileInput),
    UpdateProfile(String, PasswordProfileInput),
    DeleteProfile(String),
    LoadIntegrations,
    SelfSignup(SignupRequest),
    Login(LoginRequest),
    Approvals(approvals::ApCall),
    Otp(otp::OtpCall),
    /// The support desk (Members panel).
    Members(members::MemCall),
    /// Create a passwordless user in Beyond Identity.
    BiCreate(crate::api::BiUserInput),
    /// Re-send the enrolment email of a Beyond Identity user.
    BiRecover {
        external_id: String,
    },
}

impl Call {
    /// The kind of operation, without its arguments: `"LoadSettings"`,
    /// `"Approvals(Scan"`, `"DeleteProfile"`. Two calls of one kind answer the
    /// same question, so the success of one settles the other's error.
    pub fn kind(&self) -> String {
        // The Debug form up to its first argument (secrets are masked there anyway).
        let dbg = format!("{self:?}");
        let end = dbg.find([' ', '{', '"', ',']).unwrap_or(dbg.len());
        dbg[..end].trim_end_matches('(').to_owned()
    }

    /// Allowed in read-only mode: reads, and the password log-in check (a
    /// token request, which the client allows read-only too).
    pub fn allowed_read_only(&self) -> bool {
        !self.is_write() || matches!(self, Call::Login(_))
    }

    /// The membership this call deletes, if it deletes one.
    pub fn deletes_membership(&self) -> Option<&str> {
        match self {
            Call::Members(members::MemCall::RemoveMembership { membership_id, .. }) => {
                Some(membership_id)
            }
            _ => None,
        }
    }

    /// Writes change the store; reads may be cancelled when a panel is left.
    pub fn is_write(&self) -> bool {
        use approvals::ApCall;
        !matches!(
            self,
            Call::LoadSettings
                | Call::LoadProfiles
                | Call::LoadIntegrations
                | Call::Approvals(
                    ApCall::Scan { .. }
                        | ApCall::Details { .. }
                        | ApCall::LoadAccounts
                        | ApCall::LoadCache
                )
                | Call::Otp(otp::OtpCall::LoadLogs { .. } | otp::OtpCall::FindMembers { .. })
        ) && !matches!(self, Call::Members(c) if !c.is_write())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SignupRequest {
    pub profile_id: String,
    pub name: String,
    pub email: String,
    pub username: String,
    pub password: Secret,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoginRequest {
    pub profile_id: String,
    pub username: String,
    pub password: Secret,
}

/// Successful results.
#[derive(Debug, Clone)]
pub enum Reply {
    Settings(AccountAuthSettings),
    Profiles(Vec<PasswordProfile>),
    Profile(PasswordProfile),
    Deleted,
    Integrations(Vec<Integration>),
    Tokens(AmTokens),
    Approvals(approvals::ApReply),
    Otp(otp::OtpReply),
    Members(members::MemReply),
    BiUser(crate::api::BiUser),
}
