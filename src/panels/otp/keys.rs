//! OTP panel keys: the event list, the follow-up forms, and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::widgets::form::{Event as FormEvent, Form};
use crate::widgets::list::Event as ListEvent;

impl Otp {
    /// Keys of a follow-up form (modal): the form's own keys; `Esc` stops
    /// typing, then closes it.
    pub(super) fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let View::Form(of) = &mut self.view else { return false };
        if !of.form.is_typing() && key.code == KeyCode::Esc {
            self.view = View::List;
            return true;
        }
        // `/` searches in the request form, like in a list.
        if !of.form.is_typing() && key.code == KeyCode::Char('/') && of.kind == FormKind::Request {
            of.form.focus_key(MEMBER);
            of.form.start_typing();
            return true;
        }
        match of.form.handle_key(key) {
            FormEvent::Submit => self.submit_form(sh),
            FormEvent::Changed(MEMBER) => self.member_changed(sh),
            _ => {}
        }
        // Modal: no key reaches the app while the form is open.
        true
    }

    fn exchange_form(username: &str, code: &str) -> Form {
        let mut form = Form::new()
            .text(USERNAME, "Username", "the member's username")
            .secret(CODE, "Code", "the one-time password")
            .submit_label("exchange")
            .enter_submits()
            .without_hint();
        form.prefill(USERNAME, username.to_owned());
        form.set(CODE, code.to_owned());
        form.focus_key(CODE);
        form
    }

    pub(super) fn list_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        match self.list.handle_key(key, &self.events) {
            ListEvent::Ignored => {}
            _ => return true,
        }
        let write = !sh.read_only;
        match key.code {
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
            KeyCode::Char('o') if write => self.open_request(sh),
            KeyCode::Char('x') => {
                let (u, c) = self
                    .selected_event()
                    .map(|e| (e.payload.username.clone(), e.payload.code.expose().to_owned()))
                    .unwrap_or_default();
                self.view = View::Form(OtpForm {
                    kind: FormKind::Exchange,
                    form: Self::exchange_form(&u, &c),
                    profiles: Vec::new(),
                });
            }
            KeyCode::Char('p') if write => {
                let Some(e) = self.selected_event() else { return true };
                if e.payload.purpose != "reset_password" {
                    sh.toast_error("password reset needs a reset_password event");
                } else if !self.am_tokens.contains_key(&e.id) {
                    sh.toast_error("exchange this code first (x)");
                } else {
                    let form = Form::new()
                        .secret(PASSWORD, "New password", "at least 8 characters")
                        .submit_label("save")
                        .without_hint();
                    self.view = View::Form(OtpForm {
                        kind: FormKind::Reset { event_id: e.id.clone() },
                        form,
                        profiles: Vec::new(),
                    });
                }
            }
            KeyCode::Char('i' | 'o' | 'p') => sh.toast_error("read-only mode: disabled"),
            _ => return false,
        }
        true
    }
}

impl Otp {
    pub(super) fn key_help(&self, sh: &Shared) -> Keys {
        match &self.view {
            View::Details(_) => vec![("↑↓", "scroll"), ("r", "reveal"), ("Esc", "back")],
            View::Form(of) => {
                let mut k = of.form.keys();
                if !of.form.is_typing() {
                    k.push(("Esc", "cancel"));
                }
                k
            }
            View::List if self.list.is_filtering() => self.list.keys(),
            View::List => {
                let mut k =
                    vec![("↑↓", "move"), ("Enter", "payload"), ("r", "reveal"), ("c", "copy")];
                if !sh.read_only {
                    k.extend([
                        ("o", "request OTP"),
                        ("x", "exchange"),
                        ("p", "reset pw"),
                        ("i", "integration"),
                    ]);
                }
                k.extend([("/", "filter"), ("l", "logs")]);
                k
            }
        }
    }
}
