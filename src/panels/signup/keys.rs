//! Sign-up panel keys: the form's key handling and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

impl Signup {
    pub fn key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        self.ensure_profile(sh);
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Char('r') if ctrl => {
                let pw = match self.mode {
                    Mode::SignUp => &mut self.fields[S_PASSWORD],
                    Mode::LogIn => &mut self.login[1],
                };
                pw.revealed = !pw.revealed;
                self.reveal_tokens = pw.revealed;
                return true;
            }
            KeyCode::Char('s') if ctrl => {
                self.submit(sh);
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
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ => {}
        }
        if self.editing && !self.text_row() {
            match key.code {
                KeyCode::Esc => self.editing = false,
                KeyCode::Up => self.row = self.row.saturating_sub(1),
                KeyCode::Down => self.row = (self.row + 1).min(self.rows() - 1),
                KeyCode::Enter if self.row == self.submit_row() => self.submit(sh),
                KeyCode::Enter => self.row += 1,
                KeyCode::Left if self.row == self.profile_row() => self.cycle_profile(sh, -1),
                KeyCode::Right | KeyCode::Char(' ') if self.row == self.profile_row() => {
                    self.cycle_profile(sh, 1)
                }
                _ => {}
            }
            return true;
        }
        if self.editing && self.text_row() {
            match key.code {
                KeyCode::Esc => self.editing = false,
                KeyCode::Up => self.row = self.row.saturating_sub(1),
                KeyCode::Down | KeyCode::Enter => self.row = (self.row + 1).min(self.rows() - 1),
                _ => {
                    let (mode, row) = (self.mode, self.row);
                    let changed = self.field_mut().is_some_and(|f| f.handle_key(key));
                    if changed && mode == Mode::SignUp {
                        if row == S_USERNAME {
                            self.username_touched = !self.fields[S_USERNAME].value().is_empty();
                        }
                        if row == S_EMAIL {
                            self.mirror_username();
                        }
                    }
                    if changed {
                        self.error = None;
                    }
                }
            }
            return true;
        }
        match key.code {
            KeyCode::Up | KeyCode::Char('k') => {
                self.row = self.row.saturating_sub(1);
                true
            }
            KeyCode::Down | KeyCode::Char('j') => {
                self.row = (self.row + 1).min(self.rows() - 1);
                true
            }
            KeyCode::Left | KeyCode::Char('h') if self.row == self.profile_row() => {
                self.cycle_profile(sh, -1);
                true
            }
            KeyCode::Right | KeyCode::Char(' ') if self.row == self.profile_row() => {
                self.cycle_profile(sh, 1);
                true
            }
            KeyCode::Enter if self.row == self.submit_row() => {
                self.submit(sh);
                true
            }
            KeyCode::Enter if self.row == self.profile_row() => {
                self.row += 1;
                true
            }
            KeyCode::Enter | KeyCode::Char('i') if self.text_row() => {
                self.editing = true;
                true
            }
            KeyCode::Char('l') => {
                self.switch_mode(sh);
                true
            }
            KeyCode::Char('c') if self.pending.is_none() => {
                // Clears the fields of the form shown; results stay.
                match self.mode {
                    Mode::SignUp => {
                        for f in &mut self.fields {
                            f.set("");
                            f.error = None;
                        }
                        self.username_touched = false;
                    }
                    Mode::LogIn => {
                        for f in &mut self.login {
                            f.set("");
                            f.error = None;
                        }
                    }
                }
                self.row = 0;
                self.editing = true;
                true
            }
            KeyCode::Esc if self.error.is_some() => {
                self.error = None;
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
        if let Some(res) = &mut self.result
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
        let Some(res) = &mut self.result else { return };
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
        self.row = 0;
        self.editing = true;
        self.error = None;
        self.ensure_profile(sh);
    }

    pub fn key_help(&self) -> Keys {
        let mut k = if self.is_editing() {
            vec![("Ctrl-S", "submit"), ("↑↓", "field"), ("Esc", "stop typing")]
        } else {
            vec![("Ctrl-S", "submit"), ("↑↓", "move"), ("Enter", "edit"), ("←→", "profile")]
        };
        k.push(("Ctrl-R", "reveal"));
        k.push(("Ctrl-B", "Beyond Identity"));
        k.push(match self.mode {
            Mode::SignUp => ("Ctrl-L", "try log-in"),
            Mode::LogIn => ("Ctrl-L", "sign up"),
        });
        k
    }
}
