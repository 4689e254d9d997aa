//! The console: one owner of state (`App`), a pure `update` that returns
//! effects, a view drawn from owned state, and the loop that ties them to the
//! terminal, the API client and timers.

pub mod exec;
pub mod msg;
pub mod run;
pub mod view;

use std::collections::{BTreeMap, VecDeque};

use chrono::{DateTime, Utc};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

pub use msg::{Call, ConnInfo, Effect, Msg, OpId, Progress, Reply};

use crate::api::{
    AccountAuthSettings, ApiError, ClientEvent, Integration, PasswordProfile, RequestRecord,
    TokenState,
};
use crate::panels::{Panel, approvals::Approvals, otp::Otp, settings::Settings, signup::Signup};
use crate::readiness::{Facts, Readiness};
use crate::tui::Input;
use crate::widgets::{Confirm, Theme};

/// The four steps of the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PanelId {
    Settings,
    Signup,
    Approvals,
    Otp,
}

impl PanelId {
    pub const ALL: [PanelId; 4] =
        [PanelId::Settings, PanelId::Signup, PanelId::Approvals, PanelId::Otp];

    pub fn title(self) -> &'static str {
        match self {
            PanelId::Settings => "Settings",
            PanelId::Signup => "Sign up",
            PanelId::Approvals => "Approvals",
            PanelId::Otp => "OTP events",
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }

    fn next(self) -> Self {
        Self::ALL[(self.index() + 1) % 4]
    }

    fn prev(self) -> Self {
        Self::ALL[(self.index() + 3) % 4]
    }
}

/// How a step looks in the stepper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepStatus {
    NotVisited,
    Ready,
    Attention,
}

/// An in-flight API call, shown with a spinner and its label.
#[derive(Debug, Clone, PartialEq)]
pub struct InFlight {
    pub label: String,
    pub owner: PanelId,
    pub write: bool,
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
    Approvals(Vec<crate::panels::approvals::ApproveItem>),
    Quit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PendingConfirm {
    pub dialog: Confirm,
    pub action: ConfirmAction,
}

/// Full-screen overlays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overlay {
    Help,
    Log,
    Audit,
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
    /// A sticky error line, until dismissed with Esc.
    pub error: Option<String>,
    pub confirm: Option<PendingConfirm>,
    pub spinner: usize,
    /// Where this console's OTP listener is reachable (the integration's URL).
    pub listener_url: Option<String>,
    readiness: Option<Readiness>,
    /// The client's effective rate while a `429` has slowed it down.
    pub rate: Option<crate::api::RateState>,
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
            confirm: None,
            spinner: 0,
            listener_url: None,
            readiness: None,
            rate: None,
        }
    }

    pub fn connected(&self) -> bool {
        matches!(self.connection, Connection::Connected(_))
    }

    /// Starts an API call on behalf of `owner`; returns its id. Writes are
    /// refused here in read-only mode (the client refuses them as well).
    pub fn call(&mut self, owner: PanelId, label: impl Into<String>, call: Call) -> Option<OpId> {
        if self.read_only && call.is_write() {
            self.toast_error("read-only mode: writes are disabled");
            return None;
        }
        if !self.connected() {
            self.toast_error("not connected yet");
            return None;
        }
        let id = self.next_op;
        self.next_op += 1;
        self.inflight.insert(id, InFlight { label: label.into(), owner, write: call.is_write() });
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
        while self.toasts.len() > 3 {
            self.toasts.pop_front();
        }
    }

    /// Shows an API error as the sticky error line.
    pub fn api_error(&mut self, what: &str, err: &ApiError) {
        self.error = Some(format!("{what}: {}", err.summary()));
    }

    pub fn ask(&mut self, dialog: Confirm, action: ConfirmAction) {
        self.confirm = Some(PendingConfirm { dialog, action });
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

/// The whole console state. Only `update` mutates it.
#[derive(Debug)]
pub struct App {
    pub sh: Shared,
    pub focus: PanelId,
    pub visited: [bool; 4],
    pub overlay: Option<Overlay>,
    pub request_log: VecDeque<RequestRecord>,
    pub audit: VecDeque<crate::audit::AuditEntry>,
    pub log_scroll: usize,
    pub settings: Settings,
    pub signup: Signup,
    pub approvals: Approvals,
    pub otp: Otp,
    pub size: (u16, u16),
    pub quit: bool,
}

impl App {
    pub fn new(now: DateTime<Utc>, theme: Theme, read_only: bool, sandbox: bool) -> Self {
        let mut app = Self {
            sh: Shared::new(now, theme, read_only, sandbox),
            focus: PanelId::Settings,
            visited: [false; 4],
            overlay: None,
            request_log: VecDeque::new(),
            audit: VecDeque::new(),
            log_scroll: 0,
            settings: Settings::default(),
            signup: Signup::default(),
            approvals: Approvals::default(),
            otp: Otp::default(),
            size: (80, 24),
            quit: false,
        };
        app.visited[0] = true;
        app
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
        }
        redraw
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
                true
            }
            Msg::Connected(info) => {
                self.sh.connection = Connection::Connected(info);
                self.load_store_data();
                self.on_enter(self.focus);
                true
            }
            Msg::ConnectFailed(e) => {
                self.sh.connection = Connection::Failed(e.clone());
                self.sh.error = Some(e);
                true
            }
            Msg::Client(ClientEvent::Request(r)) => {
                self.request_log.push_back(r);
                while self.request_log.len() > REQUEST_LOG_MAX {
                    self.request_log.pop_front();
                }
                self.overlay == Some(Overlay::Log)
            }
            Msg::Audited(e) => {
                self.audit.push_back(e);
                while self.audit.len() > REQUEST_LOG_MAX {
                    self.audit.pop_front();
                }
                self.overlay == Some(Overlay::Audit)
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
            Msg::Listener(ev) => {
                self.otp.on_listener(*ev);
                self.focus == PanelId::Otp
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
                let (panel, sh) = self.split(flight.owner);
                panel.on_done(op, result, sh);
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

    /// Store data any panel may have loaded updates the shared copy.
    fn absorb_shared(&mut self, result: &Result<Reply, ApiError>) {
        match result {
            Ok(Reply::Settings(s)) => self.sh.data.settings = Some(s.clone()),
            Ok(Reply::Profiles(p)) => self.sh.data.profiles = Some(p.clone()),
            Ok(Reply::Integrations(i)) => {
                self.sh.data.integrations = Some(i.clone());
                self.sh.data.integrations_error = None;
            }
            Ok(Reply::Otp(crate::panels::otp::OtpReply::Integration(i))) => {
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
        self.visited[panel.index()] = true;
        self.on_enter(panel);
    }

    /// Whether the focused panel is editing text (then printable keys are text).
    fn editing(&self) -> bool {
        self.panel(self.focus).editing()
    }

    fn on_paste(&mut self, text: &str) {
        if self.sh.confirm.is_some() || self.overlay.is_some() {
            return;
        }
        let (panel, _) = self.split(self.focus);
        panel.on_paste(text);
    }

    fn on_key(&mut self, key: KeyEvent) {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if ctrl && matches!(key.code, KeyCode::Char('c')) {
            self.quit = true;
            self.sh.effects.push(Effect::Quit);
            return;
        }
        if let Some(pending) = self.sh.confirm.take() {
            // Destructive dialogs (with a warning) need an explicit `y`.
            let enter_ok = pending.dialog.warning.is_none();
            match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => self.run_confirmed(pending.action),
                KeyCode::Enter if enter_ok => self.run_confirmed(pending.action),
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {}
                _ => self.sh.confirm = Some(pending),
            }
            return;
        }
        if let Some(overlay) = self.overlay {
            match (overlay, key.code) {
                (_, KeyCode::Esc) | (_, KeyCode::Char('q')) => self.overlay = None,
                (Overlay::Help, KeyCode::Char('?')) => self.overlay = None,
                (Overlay::Log, KeyCode::Char('L')) | (Overlay::Audit, KeyCode::Char('A')) => {
                    self.overlay = None
                }
                (Overlay::Log | Overlay::Audit, KeyCode::Up | KeyCode::Char('k')) => {
                    let len = if overlay == Overlay::Log {
                        self.request_log.len()
                    } else {
                        self.audit.len()
                    };
                    self.log_scroll = (self.log_scroll + 1).min(len)
                }
                (Overlay::Log | Overlay::Audit, KeyCode::Down | KeyCode::Char('j')) => {
                    self.log_scroll = self.log_scroll.saturating_sub(1)
                }
                (Overlay::Log | Overlay::Audit, KeyCode::End | KeyCode::Char('G')) => {
                    self.log_scroll = 0
                }
                _ => {}
            }
            return;
        }
        // Esc dismisses the sticky error line before anything else.
        if key.code == KeyCode::Esc && self.sh.error.is_some() {
            self.sh.error = None;
            return;
        }
        // Panel first: a panel editing text or showing a sub-view consumes keys.
        let (panel, sh) = self.split(self.focus);
        let handled = panel.on_key(key, sh);
        if handled {
            return;
        }
        let editing = self.editing();
        match key.code {
            KeyCode::Tab => self.focus_panel(self.focus.next()),
            KeyCode::BackTab => self.focus_panel(self.focus.prev()),
            KeyCode::Char(c @ '1'..='4') if !editing => {
                self.focus_panel(PanelId::ALL[(c as u8 - b'1') as usize])
            }
            KeyCode::Char('?') if !editing => self.overlay = Some(Overlay::Help),
            KeyCode::Char('L') if !editing => {
                self.log_scroll = 0;
                self.overlay = Some(Overlay::Log)
            }
            KeyCode::Char('A') if !editing => {
                self.log_scroll = 0;
                self.overlay = Some(Overlay::Audit)
            }
            KeyCode::Char('q') if !editing => self.ask_quit(),
            KeyCode::Esc => {
                if self.sh.error.is_some() {
                    self.sh.error = None;
                } else {
                    self.sh.toasts.clear();
                }
            }
            _ => {}
        }
    }

    fn ask_quit(&mut self) {
        let writes: Vec<String> =
            self.sh.inflight.values().filter(|f| f.write).map(|f| f.label.clone()).collect();
        if writes.is_empty() {
            self.quit = true;
            self.sh.effects.push(Effect::Quit);
        } else {
            self.sh.ask(
                Confirm {
                    title: "Quit while work is in flight?".into(),
                    calls: vec![],
                    changes: writes.iter().map(|w| format!("in flight: {w}")).collect(),
                    warning: Some(
                        "Quitting now may leave these calls half done on the store.".into(),
                    ),
                },
                ConfirmAction::Quit,
            );
        }
    }

    fn run_confirmed(&mut self, action: ConfirmAction) {
        match action {
            ConfirmAction::Quit => {
                self.quit = true;
                self.sh.effects.push(Effect::Quit);
            }
            ConfirmAction::Calls(owner, calls) => {
                for (label, call) in calls {
                    self.sh.call(owner, label, call);
                }
            }
            ConfirmAction::Approvals(items) => self.approvals.run_confirmed(items, &mut self.sh),
        }
    }

    /// The stepper status of each panel.
    pub fn step_status(&self, panel: PanelId) -> StepStatus {
        if !self.visited[panel.index()] {
            return StepStatus::NotVisited;
        }
        let Some(r) = self.sh.readiness() else {
            return StepStatus::Attention;
        };
        use crate::readiness::ItemId;
        let ok = match panel {
            PanelId::Settings => r.all_ready(),
            PanelId::Signup => r.get(ItemId::SelfSignup).is_some_and(|i| i.ready),
            PanelId::Approvals => true,
            PanelId::Otp => r.get(ItemId::Otp).is_some_and(|i| i.ready),
        };
        if ok { StepStatus::Ready } else { StepStatus::Attention }
    }
}

#[cfg(test)]
mod tests;
