//! Settings panel keys: key handling and the keys shown in the footer and help.

use ratatui::crossterm::event::{KeyCode, KeyEvent};

use super::*;
use crate::ui::{Bind, Keymap};

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
                let profiles = sh.data.profiles.clone().unwrap_or_default();
                let mut form = ProfileForm::new(&profiles);
                form.check_name(&profiles);
                self.form = Some(form);
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
            KeyCode::Char('w') => {
                self.show_readiness(sh);
                true
            }
            KeyCode::Char(c) if write_ok && view::fix_item(c).is_some() => {
                view::fix_item(c).is_some_and(|id| self.fix(id, sh))
            }
            KeyCode::Char(c) if !write_ok && view::fix_item(c).is_some() => {
                sh.toast_error("read-only mode: settings cannot be changed");
                true
            }
            KeyCode::Enter | KeyCode::Char(' ' | 'n' | 'e' | 'd') if !write_ok => {
                sh.toast_error("read-only mode: settings cannot be changed");
                true
            }
            _ => false,
        }
    }

    /// Keys of the profile form (modal): the form's own; `Esc` stops typing,
    /// then cancels.
    pub(super) fn form_key(&mut self, key: KeyEvent, sh: &mut Shared) -> bool {
        let Some(form) = &mut self.form else { return false };
        if !form.form.is_typing() && key.code == KeyCode::Esc {
            self.form = None;
            return true;
        }
        match form.form.handle_key(key) {
            FormEvent::Submit => {
                self.submit_form(sh);
            }
            FormEvent::Changed(P_NAME) => {
                form.check_name(sh.data.profiles.as_deref().unwrap_or_default());
            }
            _ => {}
        }
        true
    }

    /// The profile form's key row.
    pub fn form_keys(&self) -> Option<crate::ui::Keys> {
        let form = self.form.as_ref()?;
        let mut k = form.form.keys();
        if !form.form.is_typing() {
            k.push(("Esc", "cancel"));
        }
        Some(k)
    }

    /// The keymap table: what reaches `key`, the footer and help.
    pub fn keymap(&self, sh: &Shared) -> Keymap {
        if let Some(k) = self.form_keys() {
            return crate::panels::modal_keymap(k);
        }
        const RO: &str = "read-only mode: settings cannot be changed";
        let ro = sh.read_only;
        let on_profile = self.row >= SETTING_ROWS;
        let mut k = Vec::new();
        if on_profile {
            k.push(
                Bind::primary("Enter/e", "edit").help("edit the password profile").off_if(ro, RO),
            );
            k.push(
                Bind::primary("d/Del", "delete")
                    .help("delete the password profile (asks; deletes its credentials)")
                    .off_if(ro, RO),
            );
        } else {
            k.push(
                Bind::primary("Enter", "change")
                    .help("change the setting under the cursor (asks first)")
                    .off_if(ro, RO),
            );
            // Space too, in help only (the footer has no room to spare at 80 columns).
            k.push(
                Bind::primary("Space", "change")
                    .help("change the setting under the cursor, like Enter")
                    .off_if(ro, RO)
                    .quiet(),
            );
        }
        k.push(Bind::primary("n", "new profile").help("create a password profile").off_if(ro, RO));
        let unmet = |id: ItemId| sh.readiness().and_then(|r| r.get(id)).is_some_and(|i| !i.ready);
        // Every fix key the readiness box can show ("[l] fix"): offered in
        // the footer whenever its item is unmet, in help always.
        for (id, key, what) in view::FIXES {
            let b = Bind::primary(key, "fix").help(what).off_if(ro, RO);
            k.push(if unmet(id) { b } else { b.quiet() });
        }
        k.push(
            Bind::new("w", "why")
                .help(
                    "every readiness item whole: its reasons and fix key (a dialog; the fix \
                     keys work there too)",
                )
                .off_if(sh.readiness().is_none(), "the settings and profiles are not loaded yet"),
        );
        k.push(Bind::new("r", "reload").help("reload settings, profiles and integrations"));
        // `j k` in help only: at 80 columns the footer keeps `? help` that way.
        k.push(Bind::moves("↑↓", "move"));
        k.push(Bind::moves("j k", "move").quiet());
        k.push(Bind::moves("PgUp/PgDn", "page").quiet());
        Keymap::new(k)
    }
}
