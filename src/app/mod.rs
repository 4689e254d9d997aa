//! The console: one owner of state (`App`), a pure `update` that returns
//! effects, a view drawn from owned state, and the loop that ties them to the
//! terminal, the API client and timers.

pub mod exec;
pub mod inspector;
pub mod keys;
pub mod run;
pub mod stores;
pub mod view;

use std::collections::{BTreeSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::api::{ApiError, ClientEvent};
use crate::panels::{
    approvals::Approvals, members::Members, otp::Otp, settings::Settings, signup::Signup,
};
use crate::ui::{
    Call, ConfirmAction, Connection, Effect, Input, Msg, OpId, Panel, PanelId, REQUEST_LOG_MAX,
    Reply, Shared, StepStatus,
};
use crate::widgets::{Dialog, Theme};

/// Full-screen overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Log,
    Audit,
}

/// The whole console state. Only `update` mutates it.
#[derive(Debug)]
pub struct App {
    pub sh: Shared,
    pub focus: PanelId,
    /// Panels the user has opened (the stepper marks only those).
    pub visited: BTreeSet<PanelId>,
    pub overlay: Option<Overlay>,
    /// The calls the `L` inspector shows (bounded in count and bytes).
    pub request_log: inspector::RequestLog,
    pub audit: VecDeque<crate::audit::AuditEntry>,
    /// First help row shown.
    pub help_scroll: u16,
    /// The "Next:" line (and in the sandbox the tour); Ctrl-T hides it.
    pub hints: bool,
    pub settings: Settings,
    pub signup: Signup,
    pub approvals: Approvals,
    pub otp: Otp,
    pub members: Members,
    /// The `L` overlay (API call inspector) and the `A` overlay (audit log).
    pub inspector: inspector::Inspector,
    pub audit_view: inspector::AuditView,
    /// Names learnt from audit entries (ids → e-mails and account names).
    pub audit_names: crate::audit::Names,
    pub size: (u16, u16),
    pub quit: bool,
    /// Set up the console's own integration (OTP and member events to its
    /// listener) without asking: the embedded sandbox's demo store (the run
    /// loop sets it in sandbox mode). `Some(true)` once tried.
    pub auto_integration: Option<bool>,
}

impl App {
    pub fn new(now: DateTime<Utc>, theme: Theme, read_only: bool, sandbox: bool) -> Self {
        Self {
            sh: Shared::new(now, theme, read_only, sandbox),
            focus: PanelId::Settings,
            visited: BTreeSet::from([PanelId::Settings]),
            overlay: None,
            request_log: inspector::RequestLog::default(),
            audit: VecDeque::new(),
            help_scroll: 0,
            hints: true,
            settings: Settings::default(),
            signup: Signup::default(),
            approvals: Approvals::default(),
            otp: Otp::default(),
            members: Members::default(),
            inspector: inspector::Inspector::new(),
            audit_view: inspector::AuditView::new(),
            audit_names: crate::audit::Names::default(),
            size: (80, 24),
            quit: false,
            auto_integration: None,
        }
    }

    /// At start: in the sandbox the tour shows by itself only until this
    /// user has seen it once (`seen`, kept in the data dir); later starts
    /// open with the line hidden and `Ctrl-T` shows it again. Returns whether
    /// the tour is being shown for the first time now (the caller records it).
    pub fn start_tour(&mut self, seen: bool) -> bool {
        if !self.sh.connection_is_sandbox() {
            return false;
        }
        self.hints = !seen;
        !seen
    }

    /// Whether a timer tick is needed: only while something visible animates
    /// or expires (spinner, toasts).
    pub fn needs_tick(&self) -> bool {
        !self.sh.inflight.is_empty()
            || !self.sh.toasts.is_empty()
            || self.panel(self.focus).needs_tick(&self.sh)
            || matches!(self.sh.connection, Connection::Connecting { .. })
    }

    /// How often to tick: fast while a spinner turns, once a second for toasts
    /// and countdowns, never when idle.
    pub fn tick_interval(&self) -> Option<std::time::Duration> {
        if !self.sh.inflight.is_empty()
            || matches!(self.sh.connection, Connection::Connecting { .. })
        {
            Some(std::time::Duration::from_millis(250))
        } else if self.needs_tick() {
            Some(std::time::Duration::from_secs(1))
        } else {
            None
        }
    }

    /// The wall clock, set by the loop before each message (toasts measure from it).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.sh.now = now;
    }

    /// Takes the effects produced since the last call.
    pub fn take_effects(&mut self) -> Vec<Effect> {
        std::mem::take(&mut self.sh.effects)
    }

    /// The one entry point that changes state. Returns whether a redraw is needed.
    pub fn update(&mut self, msg: Msg) -> bool {
        let data_may_change =
            matches!(msg, Msg::Done(..) | Msg::Connected(_) | Msg::ListenerStarted(_));
        let redraw = self.handle(msg);
        if data_may_change {
            self.sh.refresh_readiness();
            self.auto_integration();
        }
        redraw
    }

    /// In sandbox mode the console points an integration at its own listener
    /// (once the listener and the integrations are known), so the OTP codes
    /// and the live queue work with no setup at all.
    fn auto_integration(&mut self) {
        if self.auto_integration != Some(false) || self.sh.read_only || !self.sh.connected() {
            return;
        }
        let Some(url) = self.sh.listener_url.clone() else { return };
        if self.sh.data.integrations.is_none() {
            return;
        }
        self.auto_integration = Some(true);
        let facts = self.sh.facts();
        if facts.live_integration().is_some() && facts.otp_integration().is_some() {
            return;
        }
        let existing = facts
            .otp_integration()
            .map(|i| i.id.clone())
            .or_else(|| crate::panels::otp::repair_candidate(&self.sh, &url).map(|i| i.id.clone()));
        self.sh.call(
            PanelId::Otp,
            "setting up the sandbox integration",
            Call::Otp(crate::panels::otp::OtpCall::SetupIntegration { url, existing }),
        );
    }

    fn handle(&mut self, msg: Msg) -> bool {
        match msg {
            Msg::Input(Input::Key(k)) => {
                self.on_key(k);
                true
            }
            Msg::Input(Input::Paste(text)) => {
                self.on_paste(&text);
                true
            }
            Msg::Input(Input::Resize(w, h)) => {
                self.size = (w, h);
                true
            }
            Msg::Input(Input::Mouse(_)) => false,
            Msg::Tick(now) => {
                self.sh.now = now;
                self.sh.spinner = self.sh.spinner.wrapping_add(1);
                self.sh.toasts.retain(|t| t.until > now);
                self.otp.on_tick(&mut self.sh);
                true
            }
            Msg::Connected(info) => {
                self.sh.connection = Connection::Connected(info);
                self.load_store_data();
                self.approvals.on_connected(&mut self.sh);
                self.on_enter(self.focus);
                true
            }
            Msg::ConnectFailed(e) => {
                self.sh.connection = Connection::Failed(e.clone());
                self.sh.error = Some(e);
                true
            }
            Msg::Client(ClientEvent::Request(r)) => {
                self.request_log.push(r);
                let open = self.overlay == Some(Overlay::Log);
                self.inspector.pushed_one(&self.request_log, open);
                open
            }
            Msg::Audited(e) => {
                self.audit_names.learn(&e);
                self.learn_member_names(&e);
                self.audit.push_back(e);
                while self.audit.len() > REQUEST_LOG_MAX {
                    self.audit.pop_front();
                }
                self.members.sync_audit(self.audit.iter(), &self.audit_names);
                if self.overlay == Some(Overlay::Audit) {
                    self.audit_view.refresh(&self.audit, &self.audit_names);
                }
                self.overlay == Some(Overlay::Audit) || self.focus == PanelId::Members
            }
            Msg::ListenerStarted(Ok(url)) => {
                self.sh.listener_url = Some(url);
                self.otp.listener.error = None;
                true
            }
            Msg::ListenerStarted(Err(e)) => {
                self.otp.listener.error = Some(e.clone());
                self.sh.error = Some(format!("OTP listener: {e}"));
                true
            }
            Msg::Listener(ev) if matches!(*ev, crate::webhook::ListenerEvent::Member(_)) => {
                if let crate::webhook::ListenerEvent::Member(e) = *ev {
                    self.approvals.on_member_event(e, &mut self.sh);
                }
                // A delivery all the same: the OTP panel's delivery line follows it.
                self.otp.delivered(&self.sh);
                // The stepper shows the pending count on every panel.
                true
            }
            Msg::Listener(ev) => {
                // A duplicate changes no row: only the delivery line follows it.
                let rows = !matches!(*ev, crate::webhook::ListenerEvent::Duplicate { .. });
                self.otp.on_listener(*ev, &mut self.sh);
                if rows {
                    self.members.sync_events(&self.otp.events);
                }
                matches!(self.focus, PanelId::Otp | PanelId::Members)
            }
            Msg::EventsLoaded(events, warnings) => {
                self.otp.load(events);
                if let Some(w) = warnings.first() {
                    self.sh.toast_error(format!("event log: {w} ({} skipped)", warnings.len()));
                }
                true
            }
            Msg::AuditLoaded(entries) => {
                let mut all: VecDeque<_> = entries.into();
                all.extend(self.audit.drain(..));
                self.audit = all;
                for e in &self.audit {
                    self.audit_names.learn(e);
                }
                false
            }
            Msg::Client(ClientEvent::Rate(r)) => {
                let r = r.slowed().then_some(r);
                let changed = self.sh.rate != r;
                self.sh.rate = r;
                changed
            }
            Msg::Client(ClientEvent::Token(t)) => {
                let changed = self.sh.token.as_ref() != Some(&t);
                self.sh.token = Some(t);
                changed
            }
            Msg::Done(op, result) => {
                let Some(flight) = self.sh.inflight.remove(&op) else {
                    return false; // stale: cancelled or superseded
                };
                self.absorb_shared(&result);
                let failed = result.as_ref().err().map(ApiError::summary);
                match flight.kind.as_str() {
                    "LoadSettings" => self.sh.data.settings_error = failed,
                    "LoadProfiles" => self.sh.data.profiles_error = failed,
                    _ => {}
                }
                let ok = result.is_ok();
                let before = self.sh.error.clone();
                let (panel, sh) = self.split(flight.owner);
                panel.on_done(op, result, sh);
                for note in std::mem::take(&mut self.sh.queue_notes) {
                    self.approvals.on_note(note);
                }
                if flight.owner == PanelId::Members {
                    self.members.sync_events(&self.otp.events);
                    self.members.sync_audit(self.audit.iter(), &self.audit_names);
                }
                if let Some(e) = self.sh.error.as_ref().filter(|_| self.sh.error != before) {
                    // This operation set the error line: remember which kind it
                    // was, and say which panel it is about (the line stays
                    // while the user moves on to other panels).
                    self.sh.error = Some(format!("{} · {e}", flight.owner.title()));
                    self.sh.error_kind = Some(flight.kind);
                } else if ok && self.sh.error_kind.as_deref() == Some(flight.kind.as_str()) {
                    // The same operation worked this time: its old error is stale.
                    self.sh.error = None;
                    self.sh.error_kind = None;
                }
                self.refresh_quit_dialog();
                true
            }
            Msg::Progress(op, progress) => {
                let Some(owner) = self.sh.inflight.get(&op).map(|f| f.owner) else {
                    return false;
                };
                let (panel, sh) = self.split(owner);
                panel.on_progress(op, progress, sh);
                true
            }
        }
    }

    /// Entries recorded with a member id only (an approval) read better with
    /// the member's e-mail, which the Approvals queue or the search results know.
    fn learn_member_names(&mut self, e: &crate::audit::AuditEntry) {
        let t = &e.target;
        for key in ["member_id", "for_member_id"] {
            let Some(id) = t.get(key).and_then(|v| v.as_str()) else { continue };
            if self.audit_names.members.contains_key(id) {
                continue;
            }
            let email = self.approvals.member(id).map(|m| m.email.clone()).or_else(|| {
                self.members.results.iter().find(|m| m.id == id).map(|m| m.email.clone())
            });
            if let Some(email) = email {
                self.audit_names.members.insert(id.to_owned(), email);
            }
        }
    }

    /// Store data any panel may have loaded updates the shared copy.
    fn absorb_shared(&mut self, result: &Result<Reply, ApiError>) {
        match result {
            Ok(Reply::Settings(s)) => self.sh.data.settings = Some(s.clone()),
            Ok(Reply::Profiles(p)) => self.sh.data.profiles = Some(p.clone()),
            Ok(Reply::Integrations(i)) => {
                self.sh.data.integrations = Some(i.clone());
                self.sh.data.integrations_error = None;
            }
            Ok(Reply::Otp(crate::ui::ops::otp::OtpReply::Integration(i))) => {
                let list = self.sh.data.integrations.get_or_insert_with(Vec::new);
                match list.iter_mut().find(|x| x.id == i.id) {
                    Some(x) => *x = (**i).clone(),
                    None => list.push((**i).clone()),
                }
            }
            _ => {}
        }
    }

    /// Loads settings, profiles and integrations (readiness needs all three).
    pub fn load_store_data(&mut self) {
        self.sh.call(PanelId::Settings, "loading settings", Call::LoadSettings);
        self.sh.call(PanelId::Settings, "loading password profiles", Call::LoadProfiles);
        self.sh.call(PanelId::Settings, "loading integrations", Call::LoadIntegrations);
    }

    fn on_enter(&mut self, id: PanelId) {
        let (panel, sh) = self.split(id);
        panel.on_enter(sh);
    }

    /// A panel and the shared state, borrowed together.
    pub fn split(&mut self, id: PanelId) -> (&mut dyn Panel, &mut Shared) {
        let panel: &mut dyn Panel = match id {
            PanelId::Settings => &mut self.settings,
            PanelId::Signup => &mut self.signup,
            PanelId::Approvals => &mut self.approvals,
            PanelId::Otp => &mut self.otp,
            PanelId::Members => &mut self.members,
        };
        (panel, &mut self.sh)
    }

    /// The panel with this id, read-only.
    pub fn panel(&self, id: PanelId) -> &dyn Panel {
        match id {
            PanelId::Settings => &self.settings,
            PanelId::Signup => &self.signup,
            PanelId::Approvals => &self.approvals,
            PanelId::Otp => &self.otp,
            PanelId::Members => &self.members,
        }
    }

    fn focus_panel(&mut self, panel: PanelId) {
        if panel == self.focus {
            return;
        }
        // Leaving a panel cancels its reads; writes run to completion.
        let leaving = self.focus;
        let cancel: Vec<OpId> = self
            .sh
            .inflight
            .iter()
            .filter(|(_, f)| f.owner == leaving && !f.write && leaving != PanelId::Settings)
            .map(|(id, _)| *id)
            .collect();
        for id in cancel {
            self.sh.inflight.remove(&id);
            self.sh.effects.push(Effect::Cancel(id));
            let (p, sh) = self.split(leaving);
            p.on_cancelled(id, sh);
        }
        self.focus = panel;
        self.visited.insert(panel);
        self.on_enter(panel);
    }

    /// The whole screen, as last resized (dialogs are laid out in it).
    pub fn screen(&self) -> ratatui::layout::Rect {
        ratatui::layout::Rect::new(0, 0, self.size.0, self.size.1)
    }

    /// Whether the screen is below the minimum size (then only "Terminal too
    /// small" is drawn and keys other than q and Ctrl-C are swallowed).
    pub fn too_small(&self) -> bool {
        self.size.0 < view::MIN_WIDTH || self.size.1 < view::MIN_HEIGHT
    }

    /// Whether the focused panel is editing text (then printable keys are text).
    pub fn editing(&self) -> bool {
        self.panel(self.focus).editing()
    }

    /// Members waiting for approval, once a scan has counted them.
    pub fn pending(&self) -> Option<usize> {
        let a = &self.approvals;
        (a.last_scan.is_some() || a.scan.is_some()).then(|| a.pending_count())
    }

    /// What to do next, one line (the guidance of the flow; more words in the
    /// sandbox, where demos and training happen). None when nothing is left.
    /// A step on another panel is named with it ("Next: 3 Approvals — …"),
    /// so its keys are never read as keys of the panel on screen.
    pub fn next_hint(&self) -> Option<String> {
        if !self.hints {
            return None;
        }
        let r = self.sh.readiness()?;
        let tour = self.sh.connection_is_sandbox();
        let hint = |target: PanelId, short: &str, long: &str| {
            // Off its panel the short words, so the panel's name fits too.
            let body = if self.focus == target {
                if tour { long } else { short }.to_owned()
            } else {
                format!("{} {} — {short}", target.index() + 1, target.title())
            };
            if tour { format!("Tour: {body}  (Ctrl-T hides)") } else { format!("Next: {body}") }
        };
        Some(if !r.all_ready() && self.sh.read_only {
            hint(
                PanelId::Settings,
                "the ✗ items need a store admin (read-only)",
                "read-only: the ✗ items need a store admin",
            )
        } else if !r.all_ready() {
            hint(
                PanelId::Settings,
                "fix the ✗ items (s, a, o, l)",
                "the key beside each ✗ item fixes it (s, a, o, l)",
            )
        } else if self.signup.last_ok().is_none() && !self.visited.contains(&PanelId::Approvals) {
            // Until a sign-up succeeds (filling the form is not yet it), or
            // the user moved on to the approvals by themselves.
            hint(
                PanelId::Signup,
                "sign up a test member",
                "the store is ready: sign up a test member",
            )
        } else if !self.visited.contains(&PanelId::Approvals) {
            hint(PanelId::Approvals, "approve the member", "lists the members waiting for approval")
        } else if self.pending().is_some_and(|n| n > 0) {
            let n = self.pending().unwrap_or_default();
            hint(
                PanelId::Approvals,
                &format!("approve {n} pending (a)"),
                &format!("{n} waiting: a approves the selected one, y confirms"),
            )
        } else if !self.visited.contains(&PanelId::Otp) {
            hint(
                PanelId::Otp,
                "request an OTP and watch it arrive",
                "o requests a code, it arrives live",
            )
        } else {
            return None;
        })
    }

    /// The stepper status of each panel.
    pub fn step_status(&self, panel: PanelId) -> StepStatus {
        if !self.visited.contains(&panel) {
            return StepStatus::NotVisited;
        }
        if panel == PanelId::Approvals && self.approvals.scan.is_some() {
            // The count is not known until the scan is done: claim nothing.
            return StepStatus::Working;
        }
        let Some(r) = self.sh.readiness() else {
            return StepStatus::Attention;
        };
        use crate::readiness::ItemId;
        let ok = match panel {
            PanelId::Settings => r.all_ready(),
            PanelId::Signup => r.get(ItemId::SelfSignup).is_some_and(|i| i.ready),
            // Members waiting for approval need attention.
            PanelId::Approvals => self.pending().is_none_or(|n| n == 0),
            PanelId::Otp => r.get(ItemId::Otp).is_some_and(|i| i.ready),
            PanelId::Members => true,
        };
        if ok { StepStatus::Ready } else { StepStatus::Attention }
    }
}

#[cfg(test)]
mod tests;
