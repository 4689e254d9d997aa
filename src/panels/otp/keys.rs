//! OTP panel keys: the event list, the follow-up forms, and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::ui::{Bind, Keymap};

impl Otp {
    pub(super) fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        if key.code == KeyCode::Esc {
            self.view = View::List;
            return true;
        }
        if matches!(key.code, KeyCode::Tab | KeyCode::BackTab) {
            return false;
        }
        let submit = (key.code == KeyCode::Char('s') && ctrl)
            || match &self.view {
                View::Form(Form::Request { row, .. }) => key.code == KeyCode::Enter && *row == 1,
                View::Form(Form::Exchange { row, .. }) => key.code == KeyCode::Enter && *row == 1,
                View::Form(Form::Reset { .. }) => key.code == KeyCode::Enter,
                _ => false,
            };
        if submit {
            self.submit_form(sh);
            return true;
        }
        let View::Form(form) = &mut self.view else { return false };
        match form {
            Form::Request { username, reset, row } => match key.code {
                KeyCode::Up => *row = 0,
                KeyCode::Down | KeyCode::Enter => *row = 1,
                KeyCode::Left | KeyCode::Right | KeyCode::Char(' ') if *row == 1 => {
                    *reset = !*reset
                }
                _ if *row == 0 => {
                    username.handle_key(key);
                }
                _ => {}
            },
            Form::Exchange { username, code, row } => match key.code {
                KeyCode::Up => *row = 0,
                KeyCode::Down | KeyCode::Enter => *row = 1,
                _ => {
                    if *row == 0 {
                        username.handle_key(key);
                    } else {
                        code.handle_key(key);
                    }
                }
            },
            Form::Reset { password, .. } => {
                if key.code == KeyCode::Char('r') && ctrl {
                    password.revealed = !password.revealed;
                } else {
                    password.handle_key(key);
                }
            }
        }
        true
    }

    pub(super) fn list_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.filtering {
            match crate::panels::filter_key(&mut self.filter, &mut self.filtering, key) {
                crate::panels::FilterKey::Pass => return false,
                crate::panels::FilterKey::Handled => {}
                crate::panels::FilterKey::Changed => self.refilter(),
            }
            return true;
        }
        if let Some(d) = row_delta(key.code) {
            self.selected = step(self.selected, d, self.visible.len());
            // Auto-scroll pauses when the user moves; it resumes at the bottom.
            self.follow = self.selected + 1 >= self.visible.len();
            return true;
        }
        let write = !sh.read_only;
        match key.code {
            KeyCode::End | KeyCode::Char('G') => {
                self.selected = self.visible.len().saturating_sub(1);
                self.follow = true;
            }
            KeyCode::Home | KeyCode::Char('g') => {
                self.selected = 0;
                self.follow = false;
            }
            KeyCode::Char('/') => self.filtering = true,
            KeyCode::Enter => {
                if let Some(e) = self.selected_event() {
                    self.view = View::Details(e.id.clone());
                    self.detail_scroll = 0;
                    self.refresh_detail();
                }
            }
            KeyCode::Char('r') => {
                if let Some(id) = self.selected_event().map(|e| e.id.clone())
                    && !self.revealed.remove(&id)
                {
                    self.revealed.insert(id);
                }
            }
            KeyCode::Char('c') => {
                if let Some(e) = self.selected_event() {
                    sh.effects.push(crate::ui::Effect::Copy(e.payload.code.clone()));
                    sh.toast(
                        "code copied through OSC 52 (your terminal's clipboard, also over SSH)",
                    );
                }
            }
            KeyCode::Char('l') => {
                if let Some(id) = self.integration(sh).map(|i| i.id.clone()) {
                    sh.call(
                        PanelId::Otp,
                        "loading delivery logs",
                        Call::Otp(OtpCall::LoadLogs { integration_id: id }),
                    );
                }
                sh.call(PanelId::Otp, "loading integrations", Call::LoadIntegrations);
            }
            KeyCode::Char('i') if write => self.setup_integration(sh),
            KeyCode::Char('o') if write => {
                let mut username = TextField::new("Username");
                if let Some(e) = self.selected_event() {
                    username.set(e.payload.username.clone());
                }
                self.view = View::Form(Form::Request { username, reset: false, row: 0 });
            }
            KeyCode::Char('x') => {
                let mut username = TextField::new("Username");
                let mut code = TextField::new("Code").masked();
                if let Some(e) = self.selected_event() {
                    username.set(e.payload.username.clone());
                    code.set(e.payload.code.expose().to_owned());
                }
                self.view = View::Form(Form::Exchange { username, code, row: 1 });
            }
            KeyCode::Char('p') if write => {
                let Some(e) = self.selected_event() else { return true };
                if e.payload.purpose != "reset_password" {
                    sh.toast_error("password reset needs a reset_password event");
                } else if !self.am_tokens.contains_key(&e.id) {
                    sh.toast_error("exchange this code first (x)");
                } else {
                    let mut password = TextField::new("New password").masked();
                    password.placeholder = "at least 8 characters";
                    self.view = View::Form(Form::Reset { event_id: e.id.clone(), password });
                }
            }
            KeyCode::Char('i' | 'o' | 'p') => sh.toast_error("read-only mode: disabled"),
            _ => return false,
        }
        true
    }
}

impl Otp {
    /// The keymap table: what reaches the key handlers, the footer and help.
    pub(super) fn keymap(&self, sh: &Shared) -> Keymap {
        match &self.view {
            View::Details(_) => {
                return Keymap::new(vec![
                    Bind::moves("↑↓/j k", "scroll"),
                    Bind::new("r", "reveal").help("show or hide the code"),
                    Bind::moves("Esc/Enter", "back"),
                ]);
            }
            View::Form(Form::Reset { .. }) => {
                return Keymap::from_pairs([
                    ("Enter", "save"),
                    ("Ctrl-R", "reveal"),
                    ("Esc", "cancel"),
                ]);
            }
            View::Form(_) => {
                return Keymap::from_pairs([
                    ("↑↓", "field"),
                    ("Enter", "next/send"),
                    ("Esc", "cancel"),
                ]);
            }
            View::List if self.filtering => {
                return Keymap::from_pairs([("Enter", "done"), ("Esc", "clear")]);
            }
            View::List => {}
        }
        const RO: &str = "read-only mode: disabled";
        let ro = sh.read_only;
        let mut k = vec![
            Bind::primary("o", "request OTP")
                .help("ask the store to send a one-time password")
                .off_if(ro, RO),
            Bind::primary("x", "exchange").help("exchange the selected code for account tokens"),
            Bind::primary("p", "reset pw")
                .help("set a new password (after x on a reset_password event)")
                .off_if(ro, RO),
            Bind::primary("r", "reveal").help("show or hide the selected code"),
            Bind::primary("c", "copy")
                .help("copy the code (OSC 52: your terminal's clipboard, also over SSH)"),
            Bind::new("Enter", "payload").help("the event's whole payload"),
            Bind::new("i", "integration")
                .help("create or repair the webhook integration (asks first)")
                .off_if(ro, RO),
            Bind::new("/", "filter").help("filter by username, purpose or profile"),
            Bind::new("l", "logs").help("the integration's delivery logs"),
            Bind::moves("↑↓/j k", "move"),
            Bind::moves("g/Home", "top").quiet(),
            Bind::moves("G/End", "newest").help("newest, and follow new events again"),
            Bind::moves("PgUp/PgDn", "page").quiet(),
        ];
        if !self.filter.value().is_empty() {
            k.push(Bind::moves("Esc", "clear filter"));
        }
        Keymap::new(k)
    }
}
