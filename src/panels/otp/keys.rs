//! OTP panel keys: the event list, the follow-up forms, and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::ui::{Bind, Keymap};
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
                if let Some(why) = self.exchange_off(sh) {
                    sh.toast_error(why);
                    return true;
                }
                let (u, c, purpose) = self
                    .selected_event()
                    .map(|e| {
                        let code = e.payload.code.expose().to_owned();
                        (e.payload.username.clone(), code, e.payload.purpose.clone())
                    })
                    .unwrap_or_default();
                self.view = View::Form(OtpForm {
                    kind: FormKind::Exchange { purpose },
                    form: Self::exchange_form(&u, &c),
                    profiles: Vec::new(),
                });
            }
            KeyCode::Char('p') if write => {
                if let Some(why) = self.reset_off() {
                    sh.toast_error(why);
                    return true;
                }
                let Some(e) = self.selected_event() else { return true };
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
            KeyCode::Char('i' | 'o' | 'p') => sh.toast_error("read-only mode: disabled"),
            _ => return false,
        }
        true
    }
}

impl Otp {
    /// Why `x` cannot exchange the selected event's code now, if it cannot.
    pub(super) fn exchange_off(&self, sh: &Shared) -> Option<&'static str> {
        let Some(e) = self.selected_event() else { return Some("no event selected") };
        match self.status(e, sh.now) {
            Status::New => None,
            Status::Used => Some("this code was already exchanged (single use)"),
            Status::Expired => Some("this code has expired"),
        }
    }

    /// Why `p` cannot reset a password now, if it cannot (read-only aside).
    pub(super) fn reset_off(&self) -> Option<&'static str> {
        let Some(e) = self.selected_event() else { return Some("no event selected") };
        if e.payload.purpose != "reset_password" {
            Some("password reset needs a reset_password event")
        } else if !self.am_tokens.contains_key(&e.id) {
            Some("exchange this reset_password code first (x)")
        } else {
            None
        }
    }

    /// The keymap table: what reaches the key handlers, the footer and help.
    pub(super) fn keymap(&self, sh: &Shared) -> Keymap {
        match &self.view {
            View::Details(_) => {
                return Keymap::new(vec![
                    Bind::moves("↑↓ PgUp/PgDn g/G", "scroll"),
                    Bind::new("r", if self.detail_revealed() { "hide" } else { "reveal" })
                        .help("show or hide the code"),
                    Bind::moves("Esc/Enter", "back"),
                ]);
            }
            View::Form(of) => {
                let mut k = of.form.keys();
                if !of.form.is_typing() {
                    k.push(("Esc", "cancel"));
                }
                return crate::panels::modal_keymap(k);
            }
            View::List if self.list.is_filtering() => return Keymap::from_pairs(self.list.keys()),
            View::List => {}
        }
        const RO: &str = "read-only mode: disabled";
        let ro = sh.read_only;
        let mut k = vec![
            Bind::primary("o", "request OTP")
                .help("ask the store for a one-time password: pick the member as you type")
                .off_if(ro, RO),
            Bind {
                off: self.exchange_off(sh),
                ..Bind::primary("x", "exchange").help(
                    "exchange the selected code for account tokens (an unused, unexpired one)",
                )
            },
            Bind {
                off: if ro { Some(RO) } else { self.reset_off() },
                ..Bind::primary("p", "reset pw")
                    .help("set a new password (after x on a reset_password event)")
            },
            Bind::primary("r", "reveal").help("show or hide the selected code"),
            Bind::primary("c", "copy")
                .help("copy the code (OSC 52: your terminal's clipboard, also over SSH)"),
            Bind::new("Enter", "payload").help("the event's whole payload"),
            Bind::new("i", "integration")
                .help("create or repair the webhook integration (asks first)")
                .off_if(ro, RO),
            Bind::new("/", "filter").help("filter by username, e-mail or purpose"),
            Bind::new("l", "logs").help("reload the integration's delivery logs"),
            Bind::moves("↑↓/j k", "move"),
            Bind::moves("g/Home", "top").quiet(),
            Bind::moves("G/End", "newest").help("newest, and follow new events again"),
            Bind::moves("PgUp/PgDn", "page").quiet(),
        ];
        if !self.list.filter_text().is_empty() {
            k.push(Bind::moves("Esc", "clear filter"));
        }
        Keymap::new(k)
    }
}
