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

use crate::api::{
    AmTokens, ApiError, Integration, IntegrationLog, OtpPurpose, PasswordProfile, UsernameFormat,
};
use crate::readiness::OTP_EVENT;
use crate::secret::Secret;
use crate::ui::{Call, ConfirmAction, OpId, PanelId, Reply, Shared};
use crate::webhook::{ListenerEvent, OtpEvent};
use crate::widgets::form::{Event as FormEvent, Form, Suggestion};
use crate::widgets::list::{Item, List};

pub use jobs::{OtpCall, OtpContext, OtpReply, ResetRequest};

use super::Panel;

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

/// Which follow-up a form sends.
#[derive(Debug, Clone, PartialEq)]
pub enum FormKind {
    /// Request an OTP: purpose, password profile (when several have OTP on), member.
    Request,
    /// Exchange a code for tokens (prefilled from the selected event, whose
    /// purpose titles the dialog).
    Exchange { purpose: String },
    /// New password for a reset_password event already exchanged.
    Reset { event_id: String },
}

/// A follow-up form, drawn in a dialog.
#[derive(Debug, Clone)]
pub struct OtpForm {
    pub kind: FormKind,
    pub form: Form,
    /// Ids of the profiles the request form's profile choice offers, in order.
    pub profiles: Vec<String>,
}

/// Field keys of the follow-up forms.
pub const PURPOSE: &str = "purpose";
pub const PROFILE: &str = "profile";
pub const MEMBER: &str = "member";
pub const USERNAME: &str = "username";
pub const CODE: &str = "code";
pub const PASSWORD: &str = "password";

/// How long after a delivery the logs are reloaded: the store logs a delivery
/// once the listener has answered it, so an immediate reload would miss it
/// (and a burst of deliveries costs one reload).
pub const LOGS_AFTER_SECS: i64 = 2;

/// How long after a 202 the panel waits for the event before saying so.
pub const NO_EVENT_AFTER_SECS: i64 = 15;

/// An OTP request answered 202: the event should come to the listener.
#[derive(Debug, Clone, PartialEq)]
pub struct Awaiting {
    pub username: String,
    pub profile: String,
    pub since: DateTime<Utc>,
    /// Delivery logs were reloaded once the wait ran out.
    pub logs_asked: bool,
}

// One per panel: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum View {
    List,
    Details(String),
    Form(OtpForm),
}

#[derive(Debug)]
pub struct Otp {
    pub events: Vec<OtpEvent>,
    index: HashMap<String, usize>,
    per_integration: HashMap<String, usize>,
    /// Cursor and filter by event id; follows new events while the cursor
    /// is on the newest (moving up pauses it, End resumes).
    pub list: List,
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
    /// How far the payload view can scroll, as last drawn.
    pub detail_max: std::cell::Cell<u16>,
    /// The payload view's text, formatted when it opens or changes (not per frame).
    pub detail_text: String,
    /// The purpose of the last request (the next request form starts with it).
    pub last_reset: bool,
    /// The member lookup in flight for the picker: its op and query.
    pub lookup: Option<(OpId, String)>,
    /// Members the store returned for the last query.
    pub found: Vec<crate::api::AccountMember>,
    /// A request answered 202 whose event has not arrived yet.
    pub awaiting: Option<Awaiting>,
    /// The request in flight: its username and profile name.
    pub requested: Option<(String, String)>,
    /// When the delivery logs are reloaded after a delivery (see `delivered`).
    pub logs_due: Option<DateTime<Utc>>,
}

impl Default for Otp {
    fn default() -> Self {
        Self {
            events: Vec::new(),
            index: HashMap::new(),
            per_integration: HashMap::new(),
            list: List::following(),
            revealed: HashSet::new(),
            used: HashSet::new(),
            am_tokens: HashMap::new(),
            listener: ListenerInfo::default(),
            logs: None,
            view: View::List,
            result: Vec::new(),
            pending: None,
            detail_scroll: 0,
            detail_max: std::cell::Cell::new(0),
            detail_text: String::new(),
            last_reset: false,
            lookup: None,
            found: Vec::new(),
            awaiting: None,
            requested: None,
            logs_due: None,
        }
    }
}

impl Item for OtpEvent {
    fn key(&self) -> &str {
        &self.id
    }
    fn matches(&self, needle: &str) -> bool {
        self.payload.username.to_lowercase().contains(needle)
            || self.payload.email.as_deref().unwrap_or("").to_lowercase().contains(needle)
            || self.payload.purpose.contains(needle)
    }
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
        self.refilter();
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
        self.refilter();
    }

    /// How many events each integration delivered (kept on insert, not counted per frame).
    pub fn from_integration(&self, id: &str) -> usize {
        self.per_integration.get(id).copied().unwrap_or(0)
    }

    /// Refilters after the events changed: the cursor stays on its event
    /// (or follows the newest while it was on the last row).
    pub fn refilter(&mut self) {
        self.list.sync(&self.events);
    }

    /// The cursor is on the newest event: new ones are followed.
    pub fn following(&self) -> bool {
        self.list.cursor() + 1 >= self.list.len()
    }

    /// The payload view's code is shown.
    pub fn detail_revealed(&self) -> bool {
        matches!(&self.view, View::Details(id) if self.revealed.contains(id))
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

    pub fn selected_event(&self) -> Option<&OtpEvent> {
        self.list.cursor_index().and_then(|i| self.events.get(i))
    }

    /// The integration delivering to this console's listener, if any.
    pub fn integration<'a>(&self, sh: &'a Shared) -> Option<&'a Integration> {
        let url = sh.listener_url.as_deref()?;
        sh.data.integrations.as_ref()?.iter().find(|i| i.configuration.url.as_deref() == Some(url))
    }

    pub fn on_listener(&mut self, ev: ListenerEvent, sh: &mut Shared) {
        match ev {
            ListenerEvent::Received(e) => {
                if self.awaiting.as_ref().is_some_and(|a| a.username == e.payload.username) {
                    self.awaiting = None;
                }
                self.upsert(e);
                self.delivered(sh);
            }
            ListenerEvent::Rejected { status, reason } => {
                self.listener.rejected += 1;
                self.listener.last_rejection = Some(format!("{status}: {reason}"));
                // The store logs a refused delivery too (as failed).
                self.delivered(sh);
            }
            // The Approvals panel's (the app routes them there, and calls `delivered`).
            ListenerEvent::Member(_) => self.delivered(sh),
            // Already listed; but the store logged this delivery as well.
            ListenerEvent::Duplicate { .. } => self.delivered(sh),
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

    /// A delivery reached the listener (an OTP or a member event, a duplicate
    /// of one, or one it refused): the delivery line follows it. The logs are reloaded
    /// `LOGS_AFTER_SECS` later, once for a burst of deliveries.
    pub fn delivered(&mut self, sh: &Shared) {
        if self.logs_due.is_none() {
            self.logs_due = Some(sh.now + chrono::Duration::seconds(LOGS_AFTER_SECS));
        }
    }

    pub(super) fn reload_logs(&mut self, sh: &mut Shared) {
        if let Some(id) = self.integration(sh).map(|i| i.id.clone()) {
            sh.call(
                PanelId::Otp,
                "loading delivery logs",
                Call::Otp(OtpCall::LoadLogs { integration_id: id }),
            );
        }
    }

    /// The profiles with OTP on, e-mail usernames first.
    pub fn otp_profiles(sh: &Shared) -> Vec<&PasswordProfile> {
        let mut ps: Vec<&PasswordProfile> = sh
            .data
            .profiles
            .iter()
            .flatten()
            .filter(|p| p.enable_one_time_password_token)
            .collect();
        ps.sort_by_key(|p| p.username_format != UsernameFormat::Email);
        ps
    }

    /// `o`: the request form: purpose (remembered), profile (a choice when
    /// several have OTP on), member (searches as you type; the selected
    /// event's username pre-filled and selected, so typing replaces it).
    pub(super) fn open_request(&mut self, sh: &mut Shared) {
        let profiles = Self::otp_profiles(sh);
        if profiles.is_empty() {
            sh.toast_error("no password profile with OTP on: fix it on Settings (o)");
            return;
        }
        let mut form = Form::new().choice(
            PURPOSE,
            "Purpose",
            vec![
                "passwordless log-in (passwordless_authentication)".into(),
                "password reset (reset_password)".into(),
            ],
        );
        let ids: Vec<String> = profiles.iter().map(|p| p.id.clone()).collect();
        let labels: Vec<String> = profiles
            .iter()
            .map(|p| {
                format!(
                    "{} ({})",
                    crate::widgets::ellipsize(&p.name, 40),
                    crate::panels::username_format_str(p.username_format)
                )
            })
            .collect();
        form = if labels.len() > 1 {
            form.choice(PROFILE, "Profile", labels)
        } else {
            form.read_only(PROFILE, "Profile", labels.concat())
        };
        form = form
            .search(MEMBER, "Member", "type a name or e-mail: known and store members")
            .submit_label("request")
            .without_hint();
        form.choose(PURPOSE, usize::from(self.last_reset));
        if let Some(e) = self.selected_event() {
            form.prefill(MEMBER, e.payload.username.clone());
            if let Some(i) = ids.iter().position(|id| *id == e.payload.password_profile_id) {
                form.choose(PROFILE, i);
            }
        }
        form.focus_key(MEMBER);
        self.found.clear();
        self.view = View::Form(OtpForm { kind: FormKind::Request, form, profiles: ids });
        self.refresh_suggestions();
    }

    /// Suggestions for the member field: members the console knows (from
    /// events, newest first), then the store's answers to the last lookup.
    pub fn member_suggestions(&self, query: &str) -> Vec<Suggestion> {
        let q = query.trim().to_lowercase();
        let mut out: Vec<Suggestion> = Vec::new();
        let push = |label: String, value: String, out: &mut Vec<Suggestion>| {
            if !out.iter().any(|s| s.value == value) {
                out.push(Suggestion { label, value });
            }
        };
        let looks_complete =
            q.contains('@') && q.rsplit('@').next().is_some_and(|d| d.contains('.'));
        if looks_complete {
            push(format!("{q}  (as typed)"), q.clone(), &mut out);
        }
        for e in self.events.iter().rev() {
            let u = e.payload.username.to_lowercase();
            let email = e.payload.email.as_deref().unwrap_or("").to_lowercase();
            if q.is_empty() || u.contains(&q) || email.contains(&q) {
                let label = match e.payload.email.as_deref() {
                    Some(m) if !m.eq_ignore_ascii_case(&u) => {
                        format!("{u}  <{m}> · seen in an event")
                    }
                    _ => format!("{u}  · seen in an event"),
                };
                push(label, u, &mut out);
            }
            if out.len() >= 20 {
                return out;
            }
        }
        for m in &self.found {
            let email = m.email.to_lowercase();
            if q.is_empty() || email.contains(&q) || m.name.to_lowercase().contains(&q) {
                push(format!("{}  <{}> · store member", m.name, m.email), email, &mut out);
            }
        }
        out.truncate(20);
        out
    }

    fn refresh_suggestions(&mut self) {
        let View::Form(of) = &self.view else { return };
        if of.kind != FormKind::Request {
            return;
        }
        let q = of.form.value(MEMBER).to_owned();
        let list = self.member_suggestions(&q);
        if let View::Form(of) = &mut self.view {
            of.form.set_suggestions(MEMBER, list);
        }
    }

    /// The member field changed: new suggestions, and a store lookup for
    /// three characters or more (the previous lookup is cancelled).
    pub(super) fn member_changed(&mut self, sh: &mut Shared) {
        self.refresh_suggestions();
        let View::Form(of) = &self.view else { return };
        let q = of.form.value(MEMBER).trim().to_lowercase();
        if let Some((op, _)) = self.lookup.take() {
            sh.cancel(op);
        }
        if q.chars().count() >= 3
            && let Some(op) = sh.call(
                PanelId::Otp,
                format!("looking up members matching {q}"),
                Call::Otp(OtpCall::FindMembers { query: q.clone() }),
            )
        {
            self.lookup = Some((op, q));
        }
    }

    fn submit_form(&mut self, sh: &mut Shared) {
        if self.pending.is_some() {
            // The form stays open with what was typed.
            sh.toast_error("a follow-up is already running: wait for it");
            return;
        }
        let View::Form(of) = &mut self.view else { return };
        match of.kind.clone() {
            FormKind::Request => {
                let u = of.form.value(MEMBER).trim().to_lowercase();
                if u.is_empty() {
                    of.form.invalid(MEMBER, "required: type a name or e-mail and pick a member");
                    return;
                }
                let i = of.form.choice_index(PROFILE).unwrap_or(0);
                let Some(profile_id) = of.profiles.get(i).cloned() else {
                    sh.toast_error("no password profile with OTP on: fix it on Settings (o)");
                    return;
                };
                let reset = of.form.choice_index(PURPOSE) == Some(1);
                self.last_reset = reset;
                let purpose = if reset {
                    OtpPurpose::ResetPassword
                } else {
                    OtpPurpose::PasswordlessAuthentication
                };
                let profile_name = sh
                    .data
                    .profiles
                    .iter()
                    .flatten()
                    .find(|p| p.id == profile_id)
                    .map_or(profile_id.clone(), |p| p.name.clone());
                self.requested = Some((u.clone(), profile_name));
                self.view = View::List;
                // Follow: the event of this request will be the newest.
                let last = self.events.len().saturating_sub(1);
                if let Some(e) = self.events.get(last).map(|e| e.id.clone()) {
                    self.list.select_key(&e, &self.events);
                }
                self.awaiting = None;
                self.start(
                    sh,
                    format!("requesting an OTP for {u}"),
                    OtpCall::Request { profile_id, username: u, purpose },
                    None,
                );
            }
            FormKind::Exchange { .. } => {
                let u = of.form.value(USERNAME).trim().to_lowercase();
                let c = of.form.value(CODE).trim().to_owned();
                if u.is_empty() || c.is_empty() {
                    if c.is_empty() {
                        of.form.invalid(CODE, "required");
                    }
                    if u.is_empty() {
                        of.form.invalid(USERNAME, "required");
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
            FormKind::Reset { event_id } => {
                if of.form.value(PASSWORD).chars().count() < 8 {
                    of.form.invalid(PASSWORD, "at least 8 characters");
                    return;
                }
                let new_password = Secret::new(of.form.value(PASSWORD).to_owned());
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

    /// After a 202, no event for the member within 15 s: what to tell the user.
    pub fn no_event_notice(&self, sh: &Shared) -> Option<Vec<String>> {
        let a = self.awaiting.as_ref()?;
        if (sh.now - a.since).num_seconds() < NO_EVENT_AFTER_SECS {
            return None;
        }
        let mut out = vec![
            format!(
                "No event for {} {NO_EVENT_AFTER_SECS} s after the 202. It may be that:",
                a.username
            ),
            format!(
                "  · the username is unknown in the profile {} (the API answers 202 either way);",
                a.profile
            ),
        ];
        match self.integration(sh) {
            None => out.push("  · no integration points at this listener (i sets one up);".into()),
            Some(i) if !i.enabled || !i.observes.iter().any(|o| o == OTP_EVENT) => {
                out.push(format!(
                    "  · the integration {} is disabled or does not observe OTP events (i);",
                    i.id
                ))
            }
            Some(_) => {
                let last_ok = self
                    .logs
                    .iter()
                    .flatten()
                    .max_by(|a, b| a.meta.created_at.cmp(&b.meta.created_at))
                    .map(|l| l.succeeded);
                out.push(match last_ok {
                    Some(true) => "  · the integration works (its last delivery succeeded), so \
                                   the username is the likely cause;"
                        .into(),
                    Some(false) => "  · deliveries are failing (see the last one below);".into(),
                    None => "  · the integration is enabled but nothing was delivered yet;".into(),
                });
            }
        }
        out.push(match self.last_delivery() {
            Some(line) => format!("  last delivery: {line}"),
            None => "  no delivery logged for the integration (l reloads)".into(),
        });
        Some(out)
    }

    /// "200 · 12:01:03 · attempt 1" for the newest delivery log.
    pub fn last_delivery(&self) -> Option<String> {
        let logs = self.logs.as_ref()?;
        let log = logs.iter().max_by(|a, b| a.meta.created_at.cmp(&b.meta.created_at))?;
        let code = log.status_code.map_or("no answer".to_owned(), |c| c.to_string());
        let when = log
            .meta
            .created_at
            .as_deref()
            .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
            .map(|t| t.with_timezone(&Utc).format("%H:%M:%S").to_string())
            .unwrap_or_else(|| "time unknown".into());
        let mut s = format!("{code} · {when}");
        if let Some(n) = log.attempt {
            s.push_str(&format!(" · attempt {n}"));
        }
        if !log.succeeded
            && let Some(d) = log.error_detail.as_deref().filter(|d| !d.trim().is_empty())
        {
            s.push_str(&format!(" · {d}"));
        }
        Some(s)
    }

    /// Called on each timer tick: once the wait for an event runs out, the
    /// delivery logs are reloaded so the notice shows the newest one.
    pub fn on_tick(&mut self, sh: &mut Shared) {
        if self.logs_due.is_some_and(|t| sh.now >= t) {
            self.logs_due = None;
            self.reload_logs(sh);
        }
        let due = self.awaiting.as_ref().is_some_and(|a| {
            !a.logs_asked && (sh.now - a.since).num_seconds() >= NO_EVENT_AFTER_SECS
        });
        if due {
            if let Some(a) = &mut self.awaiting {
                a.logs_asked = true;
            }
            self.reload_logs(sh);
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
        match &self.view {
            View::Form(of) => of.form.is_typing(),
            _ => self.list.is_filtering(),
        }
    }

    fn on_enter(&mut self, sh: &mut Shared) {
        // Not loaded yet, or a delivery came while the panel was not shown.
        if let Some(id) = self.integration(sh).map(|i| i.id.clone())
            && (self.logs.is_none() || self.logs_due.is_some())
        {
            self.logs_due = None;
            sh.call(
                PanelId::Otp,
                "loading delivery logs",
                Call::Otp(OtpCall::LoadLogs { integration_id: id }),
            );
        }
    }

    fn on_paste(&mut self, text: &str) {
        match &mut self.view {
            View::Form(of) => {
                let member = of.form.paste(text) == FormEvent::Changed(MEMBER);
                if member {
                    self.refresh_suggestions();
                }
            }
            View::List => {
                self.list.paste(text, &self.events);
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
                code if crate::widgets::dialog::scroll_by_key(
                    &mut self.detail_scroll,
                    code,
                    self.detail_max.get(),
                ) =>
                {
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
            Ok(Reply::Otp(OtpReply::Members(query, members))) => {
                if self.lookup.as_ref().is_some_and(|(o, _)| *o == op) {
                    self.lookup = None;
                    // Only the answer to what the field holds now.
                    let now = match &self.view {
                        View::Form(of) => of.form.value(MEMBER).trim().to_lowercase(),
                        _ => String::new(),
                    };
                    if now == query {
                        self.found = members;
                    }
                    self.refresh_suggestions();
                }
            }
            Ok(Reply::Otp(OtpReply::Requested(outcome))) => {
                if let (crate::api::OtpRequestOutcome::Accepted, Some((username, profile))) =
                    (&outcome, self.requested.take())
                {
                    self.awaiting =
                        Some(Awaiting { username, profile, since: sh.now, logs_asked: false });
                }
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
        // Waiting for the event of a 202: tick until the notice is due.
        if self.awaiting.as_ref().is_some_and(|a| !a.logs_asked) || self.logs_due.is_some() {
            return true;
        }
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
