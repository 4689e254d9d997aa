//! Global keys: dialogs, overlays, panel switching, quit; everything else goes to the focused panel.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::*;
use crate::ui::{Bind, Keymap, Role};

/// What a global key does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Next,
    Prev,
    /// The panel whose number was pressed (plain or with Alt).
    Panel,
    Help,
    Log,
    Audit,
    Quit,
    /// Show or hide the "Next:" line / the sandbox tour.
    Hints,
    /// Dismiss the error line (after everything inside has had its Esc).
    Esc,
}

impl Global {
    /// Works while a field has the typing focus (no printable key).
    fn typing_safe(self) -> bool {
        matches!(self, Global::Help | Global::Panel | Global::Hints)
    }
}

/// The app's keymap table: the same on every panel. `typing`: only the keys
/// that are not text.
pub fn global_table(typing: bool) -> Vec<(Bind, Global)> {
    // While typing these are the way out, so the footer shows them; otherwise
    // the plain keys (`1`…, `?`) are shown and these only in help.
    let typing_only = |b: Bind| if typing { b } else { b.quiet() };
    let mut t = vec![
        (
            typing_only(
                Bind::global(PanelId::alt_digit_keys(), "panel")
                    .help("go to a panel, also while typing"),
            ),
            Global::Panel,
        ),
        (
            typing_only(Bind::global("F1", "help").help("this help, also while typing")),
            Global::Help,
        ),
        (
            Bind::global("Ctrl-T", "hints")
                .help(
                    "show or hide the Next: line (Tour: in the sandbox, which shows it by \
                     itself on the first start only: Ctrl-T shows it again)",
                )
                .quiet(),
            Global::Hints,
        ),
        (
            Bind::global("Tab", "next panel").help("next panel (in a form: next field)"),
            Global::Next,
        ),
        (Bind::global("Shift-Tab", "previous panel").quiet(), Global::Prev),
    ];
    if !typing {
        t.extend([
            (Bind::global(PanelId::digit_keys(), "panel").help("go to a panel"), Global::Panel),
            (Bind::global("?", "help"), Global::Help),
            (
                Bind::global("L", "log").help("API call inspector: details, copy as curl, filter"),
                Global::Log,
            ),
            (
                Bind::global("A", "audit").help("audit log of the writes, readable").quiet(),
                Global::Audit,
            ),
            (
                Bind::global("q", "quit").help("quit (asks while writes are in flight)"),
                Global::Quit,
            ),
            (
                Bind::global("Esc", "dismiss")
                    .help("dismiss the error line, once nothing inside is left to close")
                    .quiet(),
                Global::Esc,
            ),
        ]);
    }
    t
}

/// The global key `key` is, if any.
fn global_find(key: KeyEvent, typing: bool) -> Option<(Bind, Global)> {
    global_table(typing).into_iter().find(|(b, _)| b.matches(&key))
}

/// The global keys as a keymap (footer and help).
pub fn global_keymap(typing: bool) -> Keymap {
    let mut k = Keymap::new(global_table(typing).into_iter().map(|(b, _)| b).collect());
    k.push(Bind::global("Ctrl-C", "quit now").quiet());
    debug_assert!(k.binds.iter().all(|b| b.role == Role::Global));
    k
}

impl App {
    pub(super) fn on_paste(&mut self, text: &str) {
        // Nothing is visible to paste into below the minimum size.
        if self.too_small() || self.sh.confirm.is_some() || self.overlay.is_some() {
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
        if self.too_small() {
            self.too_small_key(key);
            return;
        }
        if let Some(mut pending) = self.sh.confirm.take() {
            if let ConfirmAction::Read { pass } = &pending.action {
                match key.code {
                    KeyCode::Esc | KeyCode::Enter => return,
                    KeyCode::Char('y' | 'Y' | 'n' | 'N' | 'q') => return,
                    // Closes it and acts on the panel below (its own keymap decides).
                    KeyCode::Char(c) if pass.contains(&c) => {}
                    code => {
                        let max = pending.dialog.max_scroll(self.screen(), &self.sh.theme);
                        pending.dialog.scroll_key(code, max);
                        self.sh.confirm = Some(pending);
                        return;
                    }
                }
            } else {
                self.confirm_key(pending, key);
                return;
            }
        }
        if let Some(overlay) = self.overlay {
            self.overlay_key(overlay, key);
            return;
        }
        let editing = self.editing();
        // Keys that work even while typing: help, panel switching.
        if let Some((_, g)) = global_find(key, true)
            && g.typing_safe()
        {
            self.run_global(g, key);
            return;
        }
        // The panel's table decides which keys reach it (all of them while typing).
        let km = {
            let (panel, sh) = self.split(self.focus);
            panel.keymap(sh)
        };
        let bind = km.find(&key).cloned();
        if let Some(Bind { off: Some(why), .. }) = &bind
            && !editing
        {
            self.sh.toast_error(*why);
            return;
        }
        if editing || bind.is_some() {
            let (panel, sh) = self.split(self.focus);
            if panel.on_key(key, sh) {
                return;
            }
        }
        if let Some((_, g)) = global_find(key, editing) {
            self.run_global(g, key);
        }
    }

    /// A key while a confirmation is open: `y` (and `Enter` unless it is
    /// destructive) runs it, `Esc`/`n`/`q` cancel, the rest scroll.
    fn confirm_key(&mut self, mut pending: crate::ui::PendingConfirm, key: KeyEvent) {
        // Destructive dialogs need an explicit `y`; the others also take Enter.
        let enter_ok = pending.dialog.enter_confirms();
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => self.run_confirmed(pending.action),
            KeyCode::Enter if enter_ok => self.run_confirmed(pending.action),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {}
            code => {
                let max = pending.dialog.max_scroll(self.screen(), &self.sh.theme);
                pending.dialog.scroll_key(code, max);
                self.sh.confirm = Some(pending);
            }
        }
    }

    /// Below the minimum size only "Terminal too small" shows: no key may act
    /// on what is hidden (a dialog, a panel). `q` asks to quit as usual, but
    /// only when no dialog is open (the quit question, if writes are in
    /// flight, shows once the screen is big enough); while a dialog is open
    /// `q` is refused and the screen says so. Ctrl-C (handled before) quits.
    fn too_small_key(&mut self, key: KeyEvent) {
        let plain = !key.modifiers.intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
        if plain && key.code == KeyCode::Char('q') && self.sh.confirm.is_none() {
            self.ask_quit();
        }
    }

    fn overlay_key(&mut self, overlay: Overlay, key: KeyEvent) {
        // The inspector and the audit overlay have their own keys (a filter
        // line, a detail view: Esc closes the innermost first).
        if overlay != Overlay::Help {
            use super::inspector::Outcome;
            let outcome = match overlay {
                Overlay::Log => self.inspector.on_key(key, &self.request_log, &mut self.sh),
                _ => self.audit_view.on_key(key, &self.audit, &self.audit_names),
            };
            if outcome == Outcome::Close {
                self.overlay = None;
            }
            return;
        }
        let close = matches!(key.code, KeyCode::Esc | KeyCode::Char('q') | KeyCode::F(1))
            || matches!(
                (overlay, key.code),
                (Overlay::Help, KeyCode::Char('?'))
                    | (Overlay::Log, KeyCode::Char('L'))
                    | (Overlay::Audit, KeyCode::Char('A'))
            );
        if close {
            self.overlay = None;
            return;
        }
        // Help scrolls.
        let max = view::help_max_scroll(self);
        let s = self.help_scroll.min(max);
        self.help_scroll = match key.code {
            KeyCode::Up | KeyCode::Char('k') => s.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => (s + 1).min(max),
            KeyCode::PageUp => s.saturating_sub(10),
            KeyCode::PageDown | KeyCode::Char(' ') => (s + 10).min(max),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => max,
            _ => s,
        };
    }

    fn run_global(&mut self, g: Global, key: KeyEvent) {
        match g {
            Global::Next => self.focus_panel(self.focus.next()),
            Global::Prev => self.focus_panel(self.focus.prev()),
            Global::Panel => {
                if let KeyCode::Char(c) = key.code
                    && let Some(p) = c.to_digit(10).and_then(|d| PanelId::nth(d as usize))
                {
                    self.focus_panel(p)
                }
            }
            Global::Help => {
                self.help_scroll = 0;
                self.overlay = Some(Overlay::Help)
            }
            Global::Log => {
                self.inspector.open(&self.request_log);
                self.overlay = Some(Overlay::Log)
            }
            Global::Audit => {
                self.audit_view.open(&self.audit, &self.audit_names);
                self.overlay = Some(Overlay::Audit)
            }
            Global::Quit => self.ask_quit(),
            Global::Hints => self.hints = !self.hints,
            Global::Esc => {
                if self.sh.error.is_some() {
                    self.sh.error = None;
                    self.sh.error_kind = None;
                } else {
                    self.sh.toasts.clear();
                }
            }
        }
    }

    pub(super) fn ask_quit(&mut self) {
        match self.quit_dialog() {
            None => {
                self.quit = true;
                self.sh.effects.push(Effect::Quit);
            }
            Some(d) => self.sh.ask(d, ConfirmAction::Quit),
        }
    }

    /// The quit dialog as of now: the writes in flight, or None when there are none.
    fn quit_dialog(&self) -> Option<Dialog> {
        let writes: Vec<String> =
            self.sh.inflight.values().filter(|f| f.write).map(|f| f.label.clone()).collect();
        (!writes.is_empty()).then(|| {
            writes.iter().fold(
                Dialog::destructive("Quit while work is in flight?", "quit")
                    .consequence("Quitting now may leave these calls half done on the store."),
                |d, w| d.item(format!("in flight: {w}")),
            )
        })
    }

    /// An open quit dialog follows the work in flight: finished calls leave it;
    /// when nothing is left it says so (and Enter quits).
    pub(super) fn refresh_quit_dialog(&mut self) {
        let Some(p) = &self.sh.confirm else { return };
        if p.action != ConfirmAction::Quit {
            return;
        }
        let scroll = p.dialog.scroll;
        let mut d = self.quit_dialog().unwrap_or_else(|| {
            Dialog::confirm("Quit?")
                .verb("quit")
                .consequence("Nothing is in flight any more: quitting loses nothing.")
        });
        d.scroll = scroll;
        if let Some(p) = &mut self.sh.confirm {
            p.dialog = d;
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
            ConfirmAction::Read { .. } => {}
        }
    }
}
