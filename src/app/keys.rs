//! Global keys: dialogs, overlays, panel switching, quit; everything else goes to the focused panel.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;

impl App {
    pub(super) fn on_paste(&mut self, text: &str) {
        if self.sh.confirm.is_some() || self.overlay.is_some() {
            return;
        }
        let (panel, _) = self.split(self.focus);
        panel.on_paste(text);
    }

    pub(super) fn on_key(&mut self, key: KeyEvent) {
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
            KeyCode::Char(c @ '1'..='9') if !editing => {
                if let Some(p) = PanelId::nth(c as usize - '0' as usize) {
                    self.focus_panel(p)
                }
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

    pub(super) fn ask_quit(&mut self) {
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

    pub(super) fn run_confirmed(&mut self, action: ConfirmAction) {
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
}
