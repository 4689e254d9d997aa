//! OTP events: the webhook listener's live event list, the integration that
//! points at it, and the follow-ups (request a code, exchange it, reset a
//! password).

pub mod jobs;
mod keys;
mod view;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::api::{AmTokens, ApiError, Integration, IntegrationLog, OtpPurpose, UsernameFormat};
use crate::readiness::OTP_EVENT;
use crate::secret::Secret;
use crate::ui::{Call, ConfirmAction, OpId, PanelId, Reply, Shared};
use crate::webhook::{ListenerEvent, OtpEvent};
use crate::widgets::TextField;

pub use jobs::{OtpCall, OtpContext, OtpReply, ResetRequest};

use super::{Panel, row_delta, step};

/// What the console knows about its listener.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ListenerInfo {
    pub error: Option<String>,
    pub rejected: u64,
    pub last_rejection: Option<String>,
    /// Refusals by cause, as the listener counts them.
    pub refusals: crate::webhook::Refusals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    New,
    Used,
    Expired,
}

#[derive(Debug, Clone)]
pub enum Form {
    /// Request an OTP: username, purpose, profile.
    Request { username: TextField, reset: bool, row: usize },
    /// Exchange a code for tokens (prefilled from the selected event).
    Exchange { username: TextField, code: TextField, row: usize },
    /// New password for a reset_password event already exchanged.
    Reset { event_id: String, password: TextField },
}

// One per panel: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum View {
    List,
    Details(String),
    Form(Form),
}

#[derive(Debug)]
pub struct Otp {
    pub events: Vec<OtpEvent>,
    index: HashMap<String, usize>,
    per_integration: HashMap<String, usize>,
    pub visible: Vec<usize>,
    pub selected: usize,
    /// Follow new events (paused when the user moves up).
    pub follow: bool,
    pub filter: TextField,
    pub filtering: bool,
    pub revealed: HashSet<String>,
    pub used: HashSet<String>,
    /// Account management tokens from exchanges, by event id.
    pub am_tokens: HashMap<String, Secret>,
    pub listener: ListenerInfo,
    pub logs: Option<Vec<IntegrationLog>>,
    pub view: View,
    /// Last follow-up result, one line each.
    pub result: Vec<String>,
    /// The follow-up in flight: its op, label, and the event it is about.
    pub pending: Option<(OpId, String, Option<String>)>,
    /// Scroll offset of the payload view.
    pub detail_scroll: u16,
    /// The payload view's text, formatted when it opens or changes (not per frame).
    pub detail_text: String,
}

impl Default for Otp {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            index: HashMap::new(),
            per_integration: HashMap::new(),
            visible: Vec::new(),
            selected: 0,
            follow: true,
            filter: TextField::new("Filter"),
            filtering: false,
            revealed: HashSet::new(),
            used: HashSet::new(),
            am_tokens: HashMap::new(),
            listener: ListenerInfo::default(),
            logs: None,
            view: View::List,
            result: Vec::new(),
            pending: None,
            detail_scroll: 0,
            detail_text: String::new(),
        }
    }
}

fn purpose_of(e: &OtpEvent) -> &str {
    &e.payload.purpose
}

impl Otp {
    pub fn status(&self, e: &OtpEvent, now: DateTime<Utc>) -> Status {
        if self.used.contains(&e.id) {
            Status::Used
        } else if now >= e.expires_at() {
            Status::Expired
        } else {
            Status::New
        }
    }

    /// Adds or updates (higher attempt) an event; keeps the list ordered by
    /// `created_at` even when deliveries arrive out of order.
    pub fn upsert(&mut self, e: OtpEvent) {
        let keep = self.selected_id();
        match self.index.get(&e.id) {
            Some(&i) => {
                if e.attempt >= self.events[i].attempt {
                    self.events[i] = e;
                }
            }
            None => {
                let pos =
                    self.events.partition_point(|x| x.payload.created_at <= e.payload.created_at);
                self.events.insert(pos, e);
                if pos + 1 != self.events.len() {
                    self.reindex();
                } else if let Some(last) = self.events.last() {
                    self.index.insert(last.id.clone(), pos);
                    if let Some(i) = &last.integration_id {
                        *self.per_integration.entry(i.clone()).or_default() += 1;
                    }
                }
            }
        }
        self.refilter_keeping(keep);
    }

    fn reindex(&mut self) {
        self.index = self.events.iter().enumerate().map(|(i, e)| (e.id.clone(), i)).collect();
        self.per_integration.clear();
        for e in &self.events {
            if let Some(i) = &e.integration_id {
                *self.per_integration.entry(i.clone()).or_default() += 1;
            }
        }
    }

    /// Adds many events at once (a reload): one sort, one index, one filter.
    pub fn load(&mut self, events: Vec<OtpEvent>) {
        let keep = self.selected_id();
        for e in events {
            match self.index.get(&e.id) {
                Some(&i) if e.attempt >= self.events[i].attempt => self.events[i] = e,
                Some(_) => {}
                None => {
                    self.index.insert(e.id.clone(), self.events.len());
                    self.events.push(e);
                }
            }
        }
        self.events.sort_by_key(|e| e.payload.created_at);
        self.reindex();
        self.refilter_keeping(keep);
    }

    /// How many events each integration delivered (kept on insert, not counted per frame).
    pub fn from_integration(&self, id: &str) -> usize {
        self.per_integration.get(id).copied().unwrap_or(0)
    }

    pub fn refilter(&mut self) {
        let needle = self.filter.value().trim().to_lowercase();
        self.visible = self
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                needle.is_empty()
                    || e.payload.username.to_lowercase().contains(&needle)
                    || e.payload.email.as_deref().unwrap_or("").to_lowercase().contains(&needle)
                    || purpose_of(e).contains(&needle)
            })
            .map(|(i, _)| i)
            .collect();
        if self.follow || self.selected >= self.visible.len() {
            self.selected = self.visible.len().saturating_sub(1);
        }
    }

    /// Formats the payload view (pretty JSON, code masked unless revealed).
    fn refresh_detail(&mut self) {
        if let View::Details(id) = &self.view {
            self.detail_text = self
                .events
                .iter()
                .find(|e| &e.id == id)
                .map(|e| view::pretty_payload(&e.raw, self.revealed.contains(id)))
                .unwrap_or_default();
        }
    }

    fn selected_id(&self) -> Option<String> {
        self.selected_event().map(|e| e.id.clone())
    }

    /// Refilters; unless following new events, the cursor stays on the same
    /// event even when an older one arrives late and shifts the rows.
    fn refilter_keeping(&mut self, keep: Option<String>) {
        self.refilter();
        if !self.follow
            && let Some(id) = keep
            && let Some(pos) = self.visible.iter().position(|i| self.events[*i].id == id)
        {
            self.selected = pos;
        }
    }

    pub fn selected_event(&self) -> Option<&OtpEvent> {
        self.visible.get(self.selected).and_then(|i| self.events.get(*i))
    }

    /// The integration delivering to this console's listener, if any.
    pub fn integration<'a>(&self, sh: &'a Shared) -> Option<&'a Integration> {
        let url = sh.listener_url.as_deref()?;
        sh.data.integrations.as_ref()?.iter().find(|i| i.configuration.url.as_deref() == Some(url))
    }

    pub fn on_listener(&mut self, ev: ListenerEvent) {
        match ev {
            ListenerEvent::Received(e) => self.upsert(e),
            ListenerEvent::Rejected { status, reason } => {
                self.listener.rejected += 1;
                self.listener.last_rejection = Some(format!("{status}: {reason}"));
            }
            // The Approvals panel's (the app routes them there).
            ListenerEvent::Member(_) => {}
            ListenerEvent::Refusals(r) => self.listener.refusals = r,
        }
    }

    fn otp_profile(sh: &Shared) -> Option<String> {
        let ps = sh.data.profiles.as_ref()?;
        ps.iter()
            .find(|p| {
                p.enable_one_time_password_token && p.username_format == UsernameFormat::Email
            })
            .or_else(|| ps.iter().find(|p| p.enable_one_time_password_token))
            .map(|p| p.id.clone())
    }

    fn setup_integration(&mut self, sh: &mut Shared) {
        let Some(url) = sh.listener_url.clone() else {
            sh.toast_error("the listener is not running");
            return;
        };
        let existing = repair_candidate(sh, &url)
            .map(|i| (i.id.clone(), i.configuration.url.clone().unwrap_or_default()));
        let (consequence, calls, changes) = match &existing {
            Some((id, old)) => (
                "Repoints the existing integration at this console's listener with a fresh \
                 secret: whatever received its events before stops getting them.",
                vec![format!("PUT /v2/integrations/{id}")],
                vec![
                    format!("enabled: true, observes {OTP_EVENT} and the member events"),
                    format!("url: {old} → {url}"),
                    "secret_key: a fresh secret (kept in the config file, mode 0600)".into(),
                ],
            ),
            None => (
                "Creates a webhook integration in the store: Commerce will send every OTP \
                 it issues to this console's listener.",
                vec!["POST /v2/integrations".into()],
                vec![
                    format!("new webhook integration observing {OTP_EVENT} and the member events"),
                    format!("url: {url}"),
                    "secret_key: a fresh secret (kept in the config file, mode 0600)".into(),
                ],
            ),
        };
        sh.ask(
            crate::panels::confirm_dialog("Set up the OTP webhook", consequence, changes, calls),
            ConfirmAction::Calls(
                PanelId::Otp,
                vec![(
                    "setting up the OTP integration".into(),
                    Call::Otp(OtpCall::SetupIntegration { url, existing: existing.map(|e| e.0) }),
                )],
            ),
        );
    }

    fn start(&mut self, sh: &mut Shared, label: String, call: OtpCall, event: Option<String>) {
        if let Some(op) = sh.call(PanelId::Otp, label.clone(), Call::Otp(call)) {
            self.pending = Some((op, label, event));
        }
    }

    fn submit_form(&mut self, sh: &mut Shared) {
        if self.pending.is_some() {
            // The form stays open with what was typed.
            sh.toast_error("a follow-up is already running: wait for it");
            return;
        }
        let View::Form(form) = &mut self.view else { return };
        match form {
            Form::Request { username, reset, .. } => {
                let u = username.value().trim().to_lowercase();
                if u.is_empty() {
                    username.error = Some("required".into());
                    return;
                }
                let Some(profile_id) = Self::otp_profile(sh) else {
                    sh.toast_error("no password profile with OTP on: fix it on Settings (o)");
                    return;
                };
                let purpose = if *reset {
                    OtpPurpose::ResetPassword
                } else {
                    OtpPurpose::PasswordlessAuthentication
                };
                self.view = View::List;
                self.follow = true;
                self.start(
                    sh,
                    format!("requesting an OTP for {u}"),
                    OtpCall::Request { profile_id, username: u, purpose },
                    None,
                );
            }
            Form::Exchange { username, code, .. } => {
                let u = username.value().trim().to_lowercase();
                let c = code.value().trim().to_owned();
                if u.is_empty() || c.is_empty() {
                    if u.is_empty() {
                        username.error = Some("required".into());
                    }
                    if c.is_empty() {
                        code.error = Some("required".into());
                    }
                    return;
                }
                let profile_id = self
                    .selected_event()
                    .filter(|e| e.payload.username == u)
                    .map(|e| e.payload.password_profile_id.clone())
                    .or_else(|| Self::otp_profile(sh));
                let Some(profile_id) = profile_id else {
                    sh.toast_error("no password profile with OTP on");
                    return;
                };
                // The event this code came from (by username and code, not by
                // whichever row is selected when the answer arrives).
                let event = self
                    .events
                    .iter()
                    .find(|e| e.payload.username == u && e.payload.code.expose() == c)
                    .map(|e| e.id.clone());
                self.view = View::List;
                self.start(
                    sh,
                    format!("exchanging the code of {u}"),
                    OtpCall::Exchange { profile_id, username: u, code: Secret::new(c) },
                    event,
                );
            }
            Form::Reset { event_id, password } => {
                if password.value().chars().count() < 8 {
                    password.error = Some("at least 8 characters".into());
                    return;
                }
                let event_id = event_id.clone();
                let new_password = Secret::new(password.value().to_owned());
                let Some(e) = self.events.iter().find(|e| e.id == event_id).cloned() else {
                    return;
                };
                let Some(am_token) = self.am_tokens.get(&event_id).cloned() else {
                    sh.toast_error("exchange the code first (x)");
                    return;
                };
                self.view = View::List;
                self.start(
                    sh,
                    format!("resetting the password of {}", e.payload.username),
                    OtpCall::Reset(ResetRequest {
                        realm: e.payload.authentication_realm_id.clone(),
                        user_id: e.payload.user_id.clone(),
                        profile_info_id: e.payload.profile_info_id.clone(),
                        profile_id: e.payload.password_profile_id.clone(),
                        username: e.payload.username.clone(),
                        new_password,
                        am_token,
                    }),
                    Some(event_id),
                );
            }
        }
    }

    fn done_tokens(&mut self, t: &AmTokens, what: &str) {
        self.result.push(match &t.account_member_id {
            Some(m) => format!("{what}: member {m}"),
            None => what.to_owned(),
        });
        if t.tokens.is_empty() {
            self.result.push("  no account: the member is pending approval".into());
        }
        for tok in &t.tokens {
            self.result.push(format!(
                "  token for {} ({}) {}",
                tok.account_name,
                tok.account_id,
                tok.token.masked()
            ));
        }
    }
}

impl Panel for Otp {
    fn editing(&self) -> bool {
        self.filtering || matches!(self.view, View::Form(_))
    }

    fn on_enter(&mut self, sh: &mut Shared) {
        if let Some(id) = self.integration(sh).map(|i| i.id.clone())
            && self.logs.is_none()
        {
            sh.call(
                PanelId::Otp,
                "loading delivery logs",
                Call::Otp(OtpCall::LoadLogs { integration_id: id }),
            );
        }
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.view {
            View::Form(Form::Request { username, row: 0, .. }) => username.paste(text),
            View::Form(Form::Exchange { username, row: 0, .. }) => username.paste(text),
            View::Form(Form::Exchange { code, .. }) => code.paste(text),
            View::Form(Form::Reset { password, .. }) => password.paste(text),
            View::List if self.filtering => {
                self.filter.paste(text);
                self.refilter();
            }
            _ => {}
        }
    }

    fn on_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        match &self.view {
            View::List => self.list_key(key, sh),
            View::Form(_) => self.form_key(key, sh),
            View::Details(_) => match key.code {
                KeyCode::Esc | KeyCode::Enter => {
                    self.view = View::List;
                    true
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    self.detail_scroll = self.detail_scroll.saturating_add(1).min(200);
                    true
                }
                KeyCode::Up | KeyCode::Char('k') => {
                    self.detail_scroll = self.detail_scroll.saturating_sub(1);
                    true
                }
                KeyCode::Char('r') => {
                    if let View::Details(id) = &self.view
                        && !self.revealed.remove(id)
                    {
                        self.revealed.insert(id.clone());
                    }
                    self.refresh_detail();
                    true
                }
                _ => false,
            },
        }
    }

    fn on_done(&mut self, op: OpId, result: Result<Reply, ApiError>, sh: &mut Shared) {
        let (label, event) = match self.pending.take_if(|(p, _, _)| *p == op) {
            Some((_, l, e)) => (Some(l), e),
            None => (None, None),
        };
        match result {
            Ok(Reply::Otp(OtpReply::Integration(i))) => {
                sh.toast(format!("integration {} points at the listener", i.id));
            }
            Ok(Reply::Otp(OtpReply::Logs(l))) => self.logs = Some(l),
            Ok(Reply::Otp(OtpReply::Requested(outcome))) => {
                self.result = vec![match outcome {
                    crate::api::OtpRequestOutcome::Accepted => {
                        "OTP requested (202): the event goes to the webhook".to_owned()
                    }
                    crate::api::OtpRequestOutcome::Issued { .. } => {
                        "OTP requested (201, code returned by the API)".to_owned()
                    }
                }];
            }
            Ok(Reply::Otp(OtpReply::Exchanged(t))) => {
                self.result.clear();
                // That event's code is now used (single use).
                let reset = event.as_ref().is_some_and(|id| {
                    self.events.iter().any(|e| &e.id == id && e.payload.purpose == "reset_password")
                });
                if let Some(e) = event {
                    if let Some(tok) = t.tokens.first() {
                        self.am_tokens.insert(e.clone(), tok.token.clone());
                    }
                    self.used.insert(e);
                }
                self.done_tokens(&t, "code exchanged");
                if !t.tokens.is_empty() && reset {
                    self.result.push("  press p to set a new password".into());
                }
            }
            Ok(Reply::Otp(OtpReply::Reset(t))) => {
                self.result.clear();
                self.done_tokens(&t, "password changed; log-in with it succeeded");
                sh.toast("password reset and verified");
            }
            Ok(_) => {}
            Err(e) => {
                let what = label.unwrap_or_else(|| "OTP".into());
                if e.status() == Some(403) && what.contains("resetting") {
                    self.result = vec![
                        format!("{what}: {}", e.summary()),
                        "  account_member_self_management must be update_only (Settings, o)".into(),
                    ];
                } else {
                    self.result = vec![format!("{what}: {}", e.summary())];
                }
            }
        }
    }

    fn needs_tick(&self, sh: &Shared) -> bool {
        // A countdown is visible while an unexpired, unused event is listed
        // (events are ordered by creation, so the newest are at the end).
        self.events
            .iter()
            .rev()
            .take(50)
            .any(|e| !self.used.contains(&e.id) && sh.now < e.expires_at())
    }

    fn keymap(&self, sh: &Shared) -> crate::ui::Keymap {
        Otp::keymap(self, sh)
    }

    fn view(&self, f: &mut Frame, area: Rect, sh: &Shared) {
        view::draw(self, f, area, sh);
    }
}

/// The integration the console may repair: one pointing at this listener, or
/// one it created itself (by name). Never another OTP webhook of the store
/// (its real e-mail sender, say): then a new integration is created instead.
pub fn repair_candidate<'a>(sh: &'a Shared, listener_url: &str) -> Option<&'a Integration> {
    let all = sh.data.integrations.as_ref()?;
    all.iter()
        .find(|i| i.configuration.url.as_deref() == Some(listener_url))
        .or_else(|| all.iter().find(|i| i.name == jobs::INTEGRATION_NAME))
}
