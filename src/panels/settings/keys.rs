//! Settings panel keys: key handling and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

impl Settings {
    pub fn key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        if self.form.is_some() {
            return self.form_key(key, sh);
        }
        let rows = SETTING_ROWS + Self::profile_count(sh);
        if let Some(d) = row_delta(key.code) {
            self.row = step(self.row, d, rows);
            return true;
        }
        let write_ok = !sh.read_only;
        match key.code {
            KeyCode::Enter | KeyCode::Char(' ') if self.row < SETTING_ROWS && write_ok => {
                self.toggle_setting(sh);
                true
            }
            KeyCode::Enter | KeyCode::Char('e') if self.row >= SETTING_ROWS && write_ok => {
                self.edit_profile(sh);
                true
            }
            KeyCode::Char('n') if write_ok => {
                self.form = Some(ProfileForm::new());
                true
            }
            KeyCode::Char('d') | KeyCode::Delete if self.row >= SETTING_ROWS && write_ok => {
                self.delete_profile(sh);
                true
            }
            KeyCode::Char('r') => {
                sh.call(PanelId::Settings, "loading settings", Call::LoadSettings);
                sh.call(PanelId::Settings, "loading password profiles", Call::LoadProfiles);
                sh.call(PanelId::Settings, "loading integrations", Call::LoadIntegrations);
                true
            }
            KeyCode::Char('s') if write_ok => self.fix(ItemId::SelfSignup, sh),
            KeyCode::Char('a') if write_ok => self.fix(ItemId::Approvals, sh),
            KeyCode::Char('o') if write_ok => self.fix(ItemId::Otp, sh),
            KeyCode::Char('l') if write_ok => self.fix(ItemId::LiveQueue, sh),
            KeyCode::Enter | KeyCode::Char(' ' | 'n' | 'e' | 'd' | 's' | 'a' | 'o' | 'l')
                if !write_ok =>
            {
                sh.toast_error("read-only mode: settings cannot be changed");
                true
            }
            _ => false,
        }
    }

    pub(super) fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let Some(form) = &mut self.form else { return false };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Esc => {
                self.form = None;
                return true;
            }
            KeyCode::Up => form.row = form.row.saturating_sub(1),
            KeyCode::Down => form.row = (form.row + 1).min(3),
            KeyCode::Char('s') if ctrl => return self.submit_form(sh),
            KeyCode::Enter if form.row == 3 => return self.submit_form(sh),
            KeyCode::Enter if form.row == 0 => form.row = 1,
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if form.row == 1 =>
            {
                form.email_format = !form.email_format
            }
            KeyCode::Enter | KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right
                if form.row == 2 =>
            {
                form.otp = !form.otp
            }
            KeyCode::Tab | KeyCode::BackTab => return false,
            _ if form.row == 0 => {
                form.name.handle_key(key);
                form.error = None;
            }
            KeyCode::Char('k') => form.row = form.row.saturating_sub(1),
            KeyCode::Char('j') => form.row = (form.row + 1).min(3),
            _ => {}
        }
        true
    }

    pub fn key_help(&self, sh: &Shared) -> Keys {
        if self.form.is_some() {
            return vec![
                ("↑↓", "field"),
                ("Space", "toggle"),
                ("Ctrl-S", "save"),
                ("Esc", "cancel"),
            ];
        }
        let mut k = vec![("↑↓", "move")];
        if !sh.read_only {
            k.extend([("Enter", "change"), ("n", "new profile"), ("d", "delete")]);
            k.extend([("s/a/o/l", "fix")]);
        }
        k.push(("r", "reload"));
        k
    }
}
