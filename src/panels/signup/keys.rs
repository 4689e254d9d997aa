//! Sign-up panel keys: the form's key handling and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::ui::{Bind, Keymap};

impl Signup {
    pub fn key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        self.follow_read_only(sh);
        self.sync_profiles(sh);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let ro = sh.read_only;
        match key.code {
            KeyCode::Char('l' | 'b' | 'e') if ctrl && ro => {
                sh.toast_error("read-only mode: sign-ups are disabled (they create members)");
                return true;
            }
            KeyCode::Char('l') if ctrl => {
                if self.pending.is_some() {
                    sh.toast_error("wait for the call in flight");
                } else {
                    self.switch_mode(sh);
                }
                return true;
            }
            KeyCode::Char('b') if ctrl => {
                self.bi_key(sh);
                return true;
            }
            KeyCode::Char('e') if ctrl => {
                self.resend(sh);
                return true;
            }
            _ => {}
        }
        let ev = self.current_mut().handle_key(key);
        match ev {
            FormEvent::Submit => {
                self.submit(sh);
                return true;
            }
            FormEvent::Changed(PROFILE) => {
                let i = self.current().choice_index(PROFILE);
                self.profile_id =
                    i.and_then(|i| sh.data.profiles.as_ref()?.get(i)).map(|p| p.id.clone());
                self.sync_profiles(sh);
                return true;
            }
            FormEvent::Changed(_) => {
                self.after_change(ev);
                return true;
            }
            FormEvent::Handled => {
                if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('r') {
                    self.reveal_tokens = self.current().revealed();
                }
                return true;
            }
            FormEvent::Ignored => {}
        }
        // Command mode: the panel's own keys.
        match key.code {
            KeyCode::Char('l') if ro => {
                sh.toast_error("read-only mode: sign-ups are disabled (they create members)");
                true
            }
            KeyCode::Char('l') => {
                if self.pending.is_some() {
                    sh.toast_error("wait for the call in flight");
                } else {
                    self.switch_mode(sh);
                }
                true
            }
            KeyCode::Char('w') => {
                self.show_results(sh);
                true
            }
            KeyCode::Char('c') if self.pending.is_none() => {
                // Clears the fields of the form shown; results stay.
                self.current_mut().clear();
                if self.mode == Mode::SignUp {
                    self.username_touched = false;
                }
                self.sync_profiles(sh);
                true
            }
            KeyCode::Esc if self.current().error.is_some() => {
                self.current_mut().error = None;
                true
            }
            _ => false,
        }
    }

    /// Ctrl-B: retry a failed Beyond Identity creation, else toggle the option.
    pub(super) fn bi_key(&mut self, sh: &mut Shared) {
        if !Self::bi_available(sh) {
            sh.toast_error("Beyond Identity is not configured (BI_API_TOKEN)");
            return;
        }
        if let Some(res) = self.newest_ok_mut()
            && let Some(BiState::Failed { input, .. }) = &res.bi
        {
            let input = input.clone();
            // Only the Beyond Identity call is retried: the member exists already.
            if let Some(op) = sh.call(
                PanelId::Signup,
                format!("creating Beyond Identity user {}", input.email),
                Call::BiCreate(input),
            ) {
                res.bi = Some(BiState::Creating(op));
            }
            return;
        }
        self.bi_on = !self.bi_on;
    }

    /// Ctrl-E: re-send the Beyond Identity enrolment email.
    pub(super) fn resend(&mut self, sh: &mut Shared) {
        let Some(res) = self.newest_ok_mut() else { return };
        let Some(BiState::Created(user)) = &res.bi else {
            sh.toast_error("no Beyond Identity user to re-send the enrolment email to");
            return;
        };
        let user = user.clone();
        if let Some(op) = sh.call(
            PanelId::Signup,
            format!("re-sending the enrolment email to {}", user.email),
            Call::BiRecover { external_id: user.external_id.clone() },
        ) {
            res.bi = Some(BiState::Resending(op, user));
        }
    }

    pub(super) fn switch_mode(&mut self, sh: &Shared) {
        self.mode = match self.mode {
            Mode::SignUp => Mode::LogIn,
            Mode::LogIn => Mode::SignUp,
        };
        // Arriving on the other form: command mode, like arriving on a panel.
        self.current_mut().stop_typing();
        self.sync_profiles(sh);
    }

    /// The keymap table: the form's keys, the panel's, and (quiet) the
    /// other keys the form takes in command mode.
    pub fn keymap(&self, sh: &Shared) -> Keymap {
        let mut k = Keymap::from_pairs(self.current().keys());
        if !self.is_editing() {
            k.push(Bind::new("c", "clear").help("empty the form (results stay)"));
            let none = self.results.is_empty() && self.login_result.is_none();
            k.push(
                Bind::new("w", "results")
                    .help("every result whole, newest first (a dialog that scrolls)")
                    .off_if(none, "no results yet: sign up or check a log-in first"),
            );
        }
        if sh.read_only {
            // Only the log-in check works: no sign-up, no Beyond Identity user.
            for (keys, help) in [
                ("i", "type in the focused field"),
                ("Shift-Tab", "previous field"),
                ("↑↓/j k", "previous / next field"),
                ("←→/Space", "change the profile (on its row)"),
            ] {
                k.push(Bind::moves(keys, "form").help(help).quiet());
            }
            if self.current().error.is_some() {
                k.push(Bind::moves("Esc", "dismiss").help("dismiss the form's error"));
            }
            const WHY: &str = "read-only mode: sign-ups are disabled (they create members)";
            for (keys, help) in [
                ("Ctrl-L", "switch to the sign-up form"),
                ("l", "switch to the sign-up form"),
                ("Ctrl-B", "create a Beyond Identity user"),
                ("Ctrl-E", "re-send the enrolment email"),
            ] {
                k.push(Bind::new(keys, "").help(help).off_if(true, WHY));
            }
            return k;
        }
        k.push(
            Bind::new("Ctrl-B", "Beyond Identity")
                .help("also create a passwordless Beyond Identity user (or retry a failed one)"),
        );
        k.push(match self.mode {
            Mode::SignUp => Bind::new("Ctrl-L", "try log-in").help("switch to the log-in check"),
            Mode::LogIn => Bind::new("Ctrl-L", "sign up").help("back to the sign-up form"),
        });
        k.push(
            Bind::new("Ctrl-E", "re-send")
                .help("re-send the Beyond Identity enrolment email")
                .quiet(),
        );
        for (keys, help) in [
            ("i", "type in the focused field"),
            ("Shift-Tab", "previous field"),
            ("↑↓/j k", "previous / next field"),
            ("←→/Space", "change the profile (on its row)"),
            ("l", "switch between sign-up and log-in check"),
        ] {
            k.push(Bind::moves(keys, "form").help(help).quiet());
        }
        if self.current().error.is_some() {
            k.push(Bind::moves("Esc", "dismiss").help("dismiss the form's error"));
        }
        k
    }
}
