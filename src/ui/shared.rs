//! The state every panel may read and change besides its own: operations in
//! flight, toasts, the error line, the pending dialog, store data.

use std::collections::{BTreeMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};

use super::{Call, ConnInfo, Effect, OpId, PanelId};
use crate::api::{AccountAuthSettings, ApiError, Integration, PasswordProfile, TokenState};
use crate::readiness::{Facts, Readiness};
use crate::ui::ops::approvals::ApproveItem;
use crate::widgets::{Dialog, Theme};

/// An in-flight API call, shown with a spinner and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight {
    pub label: String,
    pub owner: PanelId,
    pub write: bool,
    /// The kind of operation (`Call::kind`): a later success of the same kind
    /// clears the error line this one left.
    pub kind: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
    pub until: DateTime<Utc>,
}

/// What a confirmed dialog does.
#[derive(Debug, Clone, PartialEq)]
pub enum ConfirmAction {
    /// Run these calls on behalf of a panel.
    Calls(PanelId, Vec<(String, Call)>),
    /// Approve these members (the Approvals panel tracks the run).
    Approvals(Vec<ApproveItem>),
    Quit,
    /// Nothing to confirm: a dialog to read whole (it scrolls). `Esc`,
    /// `Enter`, `y`, `n` and `q` close it; the keys in `pass` close it and
    /// then act on the panel as if pressed there (the readiness dialog's fix
    /// keys), so a key its key row offers does what it says.
    Read {
        pass: Vec<char>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingConfirm {
    pub dialog: Dialog,
    pub action: ConfirmAction,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting { sandbox: bool },
    Connected(ConnInfo),
    Failed(String),
}

/// Store data several panels read (settings, profiles, integrations).
#[derive(Debug, Clone, Default)]
pub struct StoreData {
    pub settings: Option<AccountAuthSettings>,
    pub profiles: Option<Vec<PasswordProfile>>,
    pub integrations: Option<Vec<Integration>>,
    /// Why integrations could not be read (e.g. a role without access).
    pub integrations_error: Option<String>,
    /// Why the last load of settings / profiles failed (shown instead of "loading…").
    pub settings_error: Option<String>,
    pub profiles_error: Option<String>,
}

/// State shared by the panels: operations, toasts, dialogs, store data.
#[derive(Debug)]
pub struct Shared {
    pub now: DateTime<Utc>,
    pub theme: Theme,
    pub read_only: bool,
    pub connection: Connection,
    pub token: Option<TokenState>,
    pub data: StoreData,
    next_op: OpId,
    pub inflight: BTreeMap<OpId, InFlight>,
    pub effects: Vec<Effect>,
    pub toasts: VecDeque<Toast>,
    /// A sticky error line, until dismissed with Esc or until the operation
    /// that caused it (`error_kind`) later succeeds.
    pub error: Option<String>,
    pub error_kind: Option<String>,
    pub confirm: Option<PendingConfirm>,
    pub spinner: usize,
    /// Where this console's OTP listener is reachable (the integration's URL).
    pub listener_url: Option<String>,
    readiness: Option<Readiness>,
    /// The client's effective rate while a `429` has slowed it down.
    pub rate: Option<crate::api::RateState>,
    /// Memberships this console asked to delete: their `….deleted` events
    /// are its own doing, not news from elsewhere.
    pub own_membership_deletes: HashSet<String>,
    /// What this console's own writes outside the Approvals queue (the
    /// member card) tell the queue; the app hands them on after each reply.
    pub queue_notes: Vec<QueueNote>,
}

/// A member's status learnt from this console's own work, for the queue.
#[derive(Debug, Clone, PartialEq)]
pub enum QueueNote {
    /// The member's accounts were just read: `pending` when in none.
    Status { member: crate::api::AccountMember, pending: bool },
    /// The member was rejected (no longer exists).
    Removed(String),
}

pub const REQUEST_LOG_MAX: usize = 2000;
const TOAST_SECS: i64 = 4;

impl Shared {
    pub fn new(now: DateTime<Utc>, theme: Theme, read_only: bool, sandbox: bool) -> Self {
        Self {
            now,
            theme,
            read_only,
            connection: Connection::Connecting { sandbox },
            token: None,
            data: StoreData::default(),
            next_op: 1,
            inflight: BTreeMap::new(),
            effects: Vec::new(),
            toasts: VecDeque::new(),
            error: None,
            error_kind: None,
            confirm: None,
            spinner: 0,
            listener_url: None,
            readiness: None,
            rate: None,
            own_membership_deletes: HashSet::new(),
            queue_notes: Vec::new(),
        }
    }

    /// Running on the embedded sandbox (or about to).
    pub fn connection_is_sandbox(&self) -> bool {
        match &self.connection {
            Connection::Connecting { sandbox } => *sandbox,
            Connection::Connected(c) => c.sandbox,
            Connection::Failed(_) => false,
        }
    }

    pub fn connected(&self) -> bool {
        matches!(self.connection, Connection::Connected(_))
    }

    /// Starts an API call on behalf of `owner`; returns its id. Writes are
    /// refused here in read-only mode (the client refuses them as well).
    pub fn call(&mut self, owner: PanelId, label: impl Into<String>, call: Call) -> Option<OpId> {
        if self.read_only && !call.allowed_read_only() {
            self.toast_error("read-only mode: writes are disabled");
            return None;
        }
        if !self.connected() {
            self.toast_error("not connected yet");
            return None;
        }
        if let Some(ms) = call.deletes_membership() {
            self.own_membership_deletes.insert(ms.to_owned());
        }
        let id = self.next_op;
        self.next_op += 1;
        self.inflight.insert(
            id,
            InFlight { label: label.into(), owner, write: call.is_write(), kind: call.kind() },
        );
        self.effects.push(Effect::Call(id, call));
        Some(id)
    }

    /// Stops an operation: its result will be dropped and its task aborted.
    pub fn cancel(&mut self, op: OpId) {
        if self.inflight.remove(&op).is_some() {
            self.effects.push(Effect::Cancel(op));
        }
    }

    pub fn toast(&mut self, text: impl Into<String>) {
        self.push_toast(text.into(), false);
    }

    pub fn toast_error(&mut self, text: impl Into<String>) {
        self.push_toast(text.into(), true);
    }

    fn push_toast(&mut self, text: String, error: bool) {
        let until = self.now + chrono::Duration::seconds(TOAST_SECS);
        self.toasts.push_back(Toast { text, error, until });
        // One at a time: the newest replaces the one showing.
        while self.toasts.len() > 1 {
            self.toasts.pop_front();
        }
    }

    /// Shows an API error as the sticky error line.
    pub fn api_error(&mut self, what: &str, err: &ApiError) {
        self.error = Some(format!("{what}: {}", err.summary()));
    }

    pub fn ask(&mut self, dialog: Dialog, action: ConfirmAction) {
        self.confirm = Some(PendingConfirm { dialog, action });
    }

    /// Shows a dialog to read (nothing runs when it closes); `pass`: keys
    /// that close it and go on to the panel (see [`ConfirmAction::Read`]).
    pub fn show(&mut self, dialog: Dialog, pass: Vec<char>) {
        self.ask(dialog, ConfirmAction::Read { pass });
    }

    /// The facts the readiness check is computed from.
    pub fn facts(&self) -> Facts {
        Facts::from_store(
            self.data.settings.as_ref(),
            self.data.profiles.as_deref().unwrap_or_default(),
            self.data.integrations.as_deref().unwrap_or_default(),
            self.listener_url.clone(),
        )
    }

    /// The readiness check, as of the last change of store data (computed
    /// once per change, never per frame).
    pub fn readiness(&self) -> Option<&Readiness> {
        self.readiness.as_ref()
    }

    /// Recomputes the readiness check after store data changed.
    pub fn refresh_readiness(&mut self) {
        self.readiness = if self.data.settings.is_none() || self.data.profiles.is_none() {
            None
        } else {
            Some(self.facts().readiness())
        };
    }
}
