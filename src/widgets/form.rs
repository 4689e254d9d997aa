//! A form: labelled fields the focus moves through, with an explicit typing
//! mode. Generic: it knows no panel and no API; the panel that owns it reads
//! the values, validates them and sends the call.
//!
//! # Keys
//! | key | command mode (the start) | typing mode |
//! | --- | --- | --- |
//! | `Tab` `↓` (`j`) | next field | next field (still typing) |
//! | `Shift-Tab` `↑` (`k`) | previous field | previous field (in a search field with suggestions `↑↓` pick one) |
//! | `Enter` | on a text field: start typing; on the last field: submit | last field: submit; else next field |
//! | `i` | start typing in the focused text field | (a letter) |
//! | `Esc` | not handled (the owner closes its dialog…) | stop typing |
//! | `Ctrl-S` | submit | submit |
//! | `Ctrl-R` | reveal / hide the secret fields | same |
//! | `←` `→` `Space` | on a choice: previous / next option | same (on a text field: edit) |
//!
//! A form never starts in typing mode, and submitting leaves typing, so the
//! next key after a successful submit is a command. A validation error sent
//! back with [`Form::invalid`] focuses its field and resumes typing there; a
//! server error arriving later ([`Form::server_error`]) only shows, so it never
//! turns the user's next command into text.
//!
//! Forms of a confirmation dialog ([`Form::enter_submits`]) take `Enter` in
//! command mode as "confirm" whatever the focus, and `i` to edit.
//!
//! Placeholders are drawn dim, in italics and between `‹ ›`, so they differ
//! from typed values even without colour. A pre-filled value — any value
//! the owner put there ([`Form::prefill`], or [`Form::set`] for a remembered
//! or derived one) that the user has not edited since — is selected when
//! typing reaches it: the first typed character replaces it, `Backspace`
//! clears it, an arrow keeps it and moves the cursor.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::list::{str_width, truncate_width};
use super::{TextField, Theme};

/// One suggestion of a search field: what the list shows and what the field
/// takes when it is chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub label: String,
    pub value: String,
}

/// What a field holds and how it is edited.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// One line of text.
    Text,
    /// Masked text (passwords, secrets): bullets unless revealed with `Ctrl-R`.
    Secret,
    /// One of a fixed set of options, changed with `←` `→` `Space`.
    Choice { options: Vec<String>, index: usize },
    /// Text with suggestions the owner computes as the value changes
    /// ([`Form::set_suggestions`]); `↑` `↓` pick one while typing, `Enter`
    /// takes it.
    Search { suggestions: Vec<Suggestion>, cursor: Option<usize> },
    /// Shown, never focused nor edited.
    ReadOnly,
}

impl Kind {
    fn is_text(&self) -> bool {
        matches!(self, Kind::Text | Kind::Secret | Kind::Search { .. })
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    /// How the owner names the field (`form.value("email")`).
    pub key: &'static str,
    pub kind: Kind,
    /// Value, label, placeholder, mask, error.
    pub input: TextField,
    /// A pre-filled value is selected: typing replaces it.
    pub selected: bool,
    /// The value is the owner's (pre-filled, remembered or derived), not
    /// edited by the user since: typing mode arriving on it selects it.
    pub owned: bool,
    /// A dim line under the field (what it defaults to, what follows it).
    pub note: Option<String>,
}

impl Field {
    fn new(key: &'static str, label: &'static str, kind: Kind) -> Self {
        let mut input = TextField::new(label);
        input.masked = kind == Kind::Secret;
        Self { key, kind, input, selected: false, owned: false, note: None }
    }
    fn focusable(&self) -> bool {
        self.kind != Kind::ReadOnly
    }
}

/// What a key did to the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// Not a key for the form: the owner (or the app) handles it.
    Ignored,
    /// Handled; nothing the owner needs to act on (focus moved, mode changed…).
    Handled,
    /// The value of this field changed (its error was cleared).
    Changed(&'static str),
    /// Submit asked: validate and send. The form has left typing mode.
    Submit,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub fields: Vec<Field>,
    focus: usize,
    typing: bool,
    /// A message about the whole form (a server error that names no field),
    /// shown whole, wrapped, under the fields; cleared when a value changes.
    pub error: Option<String>,
    /// What submitting does, for the key hints ("sign up", "approve").
    pub submit_label: &'static str,
    /// `Enter` in command mode submits (confirmation dialogs).
    pub enter_submits: bool,
    /// Draw the one-line key hint under the fields.
    pub show_hint: bool,
}

/// Lines of a form laid out at a width, and where the cursor goes.
pub struct Layout {
    pub lines: Vec<Line<'static>>,
    /// (column, row) of the text cursor relative to the form, when typing.
    pub cursor: Option<(u16, u16)>,
    /// The row of the focused field (so a scrolled view keeps it visible).
    pub focus_row: u16,
}

/// Key/label pairs.
pub type Keys = Vec<(&'static str, &'static str)>;

impl Default for Form {
    fn default() -> Self {
        Self::new()
    }
}

impl Form {
    pub fn new() -> Self {
        Self {
            fields: Vec::new(),
            focus: 0,
            typing: false,
            error: None,
            submit_label: "submit",
            enter_submits: false,
            show_hint: true,
        }
    }

    fn push(
        mut self,
        key: &'static str,
        label: &'static str,
        kind: Kind,
        ph: &'static str,
    ) -> Self {
        let mut f = Field::new(key, label, kind);
        f.input.placeholder = ph;
        self.fields.push(f);
        self.focus = self.first_focusable().unwrap_or(0);
        self
    }

    pub fn text(self, key: &'static str, label: &'static str, placeholder: &'static str) -> Self {
        self.push(key, label, Kind::Text, placeholder)
    }

    pub fn secret(self, key: &'static str, label: &'static str, placeholder: &'static str) -> Self {
        self.push(key, label, Kind::Secret, placeholder)
    }

    pub fn search(self, key: &'static str, label: &'static str, placeholder: &'static str) -> Self {
        self.push(key, label, Kind::Search { suggestions: Vec::new(), cursor: None }, placeholder)
    }

    pub fn choice(self, key: &'static str, label: &'static str, options: Vec<String>) -> Self {
        self.push(key, label, Kind::Choice { options, index: 0 }, "none")
    }

    pub fn read_only(self, key: &'static str, label: &'static str, value: String) -> Self {
        let mut s = self.push(key, label, Kind::ReadOnly, "");
        if let Some(f) = s.fields.last_mut() {
            f.input.set(value);
        }
        s
    }

    pub fn submit_label(mut self, label: &'static str) -> Self {
        self.submit_label = label;
        self
    }

    pub fn enter_submits(mut self) -> Self {
        self.enter_submits = true;
        self
    }

    pub fn without_hint(mut self) -> Self {
        self.show_hint = false;
        self
    }

    // ---- reading and writing values -------------------------------------

    pub fn index_of(&self, key: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.key == key)
    }

    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }

    pub fn field_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }

    /// The text of a field ("" for an unknown key). For a choice, the option.
    pub fn value(&self, key: &str) -> &str {
        match self.field(key) {
            Some(Field { kind: Kind::Choice { options, index }, .. }) => {
                options.get(*index).map_or("", String::as_str)
            }
            Some(f) => f.input.value(),
            None => "",
        }
    }

    /// The chosen option's index of a choice field.
    pub fn choice_index(&self, key: &str) -> Option<usize> {
        match self.field(key)?.kind {
            Kind::Choice { index, ref options } if index < options.len() => Some(index),
            _ => None,
        }
    }

    /// Sets a value from the owner (remembered or derived), not selected
    /// now: typing mode arriving on it selects it, so the first typed
    /// character replaces it. Its error goes (it is a new value). Set on the
    /// field being typed in, it is the user's to edit on.
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let Some(i) = self.index_of(key) else { return };
        let typing_here = self.typing && self.focus == i;
        let f = &mut self.fields[i];
        let v = value.into();
        if f.input.value() != v {
            f.input.error = None;
        }
        f.input.set(v);
        f.selected = false;
        f.owned = !typing_here;
    }

    /// Pre-fills a value and selects it: the first typed character replaces it.
    pub fn prefill(&mut self, key: &str, value: impl Into<String>) {
        if let Some(f) = self.field_mut(key) {
            let v = value.into();
            if f.input.value() != v {
                f.input.error = None;
            }
            f.selected = !v.is_empty();
            f.owned = true;
            f.input.set(v);
        }
    }

    /// Typing mode is on the focused field now (it started there, or the
    /// focus moved while typing): an owner's value there is selected.
    fn arrive(&mut self) {
        if !self.typing {
            return;
        }
        if let Some(f) = self.fields.get_mut(self.focus)
            && f.owned
            && f.kind.is_text()
            && !f.input.value().is_empty()
        {
            f.selected = true;
        }
    }

    /// Replaces the options of a choice, keeping the chosen one when it is still offered.
    pub fn set_options(&mut self, key: &str, new: Vec<String>) {
        if let Some(Field { kind: Kind::Choice { options, index }, .. }) = self.field_mut(key) {
            let cur = options.get(*index).cloned();
            *index = cur.and_then(|c| new.iter().position(|o| *o == c)).unwrap_or(0);
            *options = new;
        }
    }

    /// Chooses an option (by the owner); a changed choice loses its error.
    pub fn choose(&mut self, key: &str, index: usize) {
        if let Some(Field { kind: Kind::Choice { options, index: i }, input, .. }) =
            self.field_mut(key)
            && index < options.len()
        {
            if *i != index {
                input.error = None;
            }
            *i = index;
        }
    }

    /// Offers suggestions under a search field (the owner recomputes them on
    /// [`Event::Changed`]). The first one is highlighted.
    pub fn set_suggestions(&mut self, key: &str, list: Vec<Suggestion>) {
        if let Some(Field { kind: Kind::Search { suggestions, cursor }, .. }) = self.field_mut(key)
        {
            *cursor = if list.is_empty() { None } else { Some(0) };
            *suggestions = list;
        }
    }

    /// The highlighted suggestion of a search field.
    pub fn suggestion(&self, key: &str) -> Option<&Suggestion> {
        match &self.field(key)?.kind {
            Kind::Search { suggestions, cursor } => suggestions.get((*cursor)?),
            _ => None,
        }
    }

    pub fn set_note(&mut self, key: &str, note: Option<String>) {
        if let Some(f) = self.field_mut(key) {
            f.note = note;
        }
    }

    /// Empties every editable value, error and reveal, for the next entry;
    /// back to command mode on the first field.
    pub fn clear(&mut self) {
        for f in &mut self.fields {
            if f.kind.is_text() {
                f.input.set("");
            }
            f.input.error = None;
            f.input.revealed = false;
            f.selected = false;
            f.owned = false;
            if let Kind::Search { suggestions, cursor } = &mut f.kind {
                suggestions.clear();
                *cursor = None;
            }
        }
        self.error = None;
        self.typing = false;
        self.focus = self.first_focusable().unwrap_or(0);
    }

    // ---- errors ------------------------------------------------------------

    /// A validation error found before sending: shown under the field, which
    /// gets the focus, in typing mode so the user can fix it at once.
    pub fn invalid(&mut self, key: &str, msg: impl Into<String>) {
        if let Some(i) = self.index_of(key) {
            self.fields[i].input.error = Some(msg.into());
            self.focus = i;
            self.typing = self.fields[i].kind.is_text();
            self.arrive();
        }
    }

    /// An error the server gave about a field, after the submit: shown under
    /// it and focused, but the mode is left as it is.
    pub fn server_error(&mut self, key: &str, msg: impl Into<String>) {
        if let Some(i) = self.index_of(key) {
            self.fields[i].input.error = Some(msg.into());
            self.focus = i;
        }
    }

    pub fn clear_errors(&mut self) {
        for f in &mut self.fields {
            f.input.error = None;
        }
        self.error = None;
    }

    pub fn has_errors(&self) -> bool {
        self.error.is_some() || self.fields.iter().any(|f| f.input.error.is_some())
    }

    // ---- focus and mode ----------------------------------------------------

    /// Printable keys are text for a field (so they are not commands).
    pub fn is_typing(&self) -> bool {
        self.typing
    }

    pub fn stop_typing(&mut self) {
        self.typing = false;
    }

    /// Starts typing in the focused field (when it takes text).
    pub fn start_typing(&mut self) {
        self.typing = self.fields.get(self.focus).is_some_and(|f| f.kind.is_text());
        self.arrive();
    }

    pub fn focus(&self) -> usize {
        self.focus
    }

    pub fn focused_key(&self) -> Option<&'static str> {
        self.fields.get(self.focus).map(|f| f.key)
    }

    pub fn focus_key(&mut self, key: &str) {
        if let Some(i) = self.index_of(key).filter(|i| self.fields[*i].focusable()) {
            self.focus = i;
        }
    }

    fn first_focusable(&self) -> Option<usize> {
        self.fields.iter().position(Field::focusable)
    }

    fn last_focusable(&self) -> Option<usize> {
        self.fields.iter().rposition(Field::focusable)
    }

    fn on_last(&self) -> bool {
        self.last_focusable() == Some(self.focus)
    }

    fn move_focus(&mut self, forward: bool) {
        let n = self.fields.len();
        if n == 0 {
            return;
        }
        let mut i = self.focus;
        for _ in 0..n {
            i = if forward { (i + 1) % n } else { (i + n - 1) % n };
            if self.fields[i].focusable() {
                self.focus = i;
                self.arrive();
                return;
            }
        }
    }

    fn has_secret(&self) -> bool {
        self.fields.iter().any(|f| f.kind == Kind::Secret)
    }

    /// Whether a secret field shows its value.
    pub fn revealed(&self) -> bool {
        self.fields.iter().any(|f| f.kind == Kind::Secret && f.input.revealed)
    }

    fn toggle_reveal(&mut self) {
        let on = !self.revealed();
        for f in &mut self.fields {
            if f.kind == Kind::Secret {
                f.input.revealed = on;
            }
        }
    }

    // ---- keys --------------------------------------------------------------

    /// Leaves typing and tells the owner to submit.
    fn submit(&mut self) -> Event {
        self.typing = false;
        Event::Submit
    }

    pub fn handle_key(&mut self, key: KeyEvent) -> Event {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        if self.fields.is_empty() {
            return Event::Ignored;
        }
        match key.code {
            KeyCode::Char('s') if ctrl => return self.submit(),
            KeyCode::Char('r') if ctrl && self.has_secret() => {
                self.toggle_reveal();
                return Event::Handled;
            }
            _ if alt => return Event::Ignored,
            _ => {}
        }
        let in_suggestions = self.typing
            && matches!(
                &self.fields[self.focus].kind,
                Kind::Search { suggestions, .. } if !suggestions.is_empty()
            );
        match key.code {
            KeyCode::Tab => {
                self.move_focus(true);
                return Event::Handled;
            }
            KeyCode::BackTab => {
                self.move_focus(false);
                return Event::Handled;
            }
            KeyCode::Up | KeyCode::Down if in_suggestions => {
                if let Kind::Search { suggestions, cursor } = &mut self.fields[self.focus].kind {
                    let n = suggestions.len();
                    let c = cursor.unwrap_or(0);
                    *cursor = Some(if key.code == KeyCode::Down {
                        (c + 1).min(n - 1)
                    } else {
                        c.saturating_sub(1)
                    });
                }
                return Event::Handled;
            }
            KeyCode::Down => {
                self.move_focus(true);
                return Event::Handled;
            }
            KeyCode::Up => {
                self.move_focus(false);
                return Event::Handled;
            }
            _ => {}
        }
        let focused_text = self.fields[self.focus].kind.is_text();
        if let Kind::Choice { options, index } = &mut self.fields[self.focus].kind {
            let n = options.len();
            let step = match key.code {
                KeyCode::Left if n > 0 => Some(n - 1),
                KeyCode::Right | KeyCode::Char(' ') if n > 0 => Some(1),
                _ => None,
            };
            if let Some(s) = step {
                *index = (*index + s) % n;
                let k = self.fields[self.focus].key;
                self.error = None;
                self.fields[self.focus].input.error = None;
                return Event::Changed(k);
            }
        }
        if !self.typing {
            return match key.code {
                KeyCode::Enter if self.enter_submits => self.submit(),
                KeyCode::Enter | KeyCode::Char('i') if focused_text && !ctrl => {
                    self.typing = true;
                    self.arrive();
                    Event::Handled
                }
                KeyCode::Enter if self.on_last() => self.submit(),
                KeyCode::Enter => {
                    self.move_focus(true);
                    Event::Handled
                }
                KeyCode::Char('j') if !ctrl => {
                    self.move_focus(true);
                    Event::Handled
                }
                KeyCode::Char('k') if !ctrl => {
                    self.move_focus(false);
                    Event::Handled
                }
                _ => Event::Ignored,
            };
        }
        // Typing.
        match key.code {
            KeyCode::Esc => {
                self.typing = false;
                Event::Handled
            }
            KeyCode::Enter => {
                let mut changed = None;
                let f = &mut self.fields[self.focus];
                if let Kind::Search { suggestions, cursor } = &mut f.kind
                    && let Some(s) = cursor.and_then(|c| suggestions.get(c))
                    && s.value != f.input.value()
                {
                    f.input.set(s.value.clone());
                    f.input.error = None;
                    f.selected = false;
                    f.owned = false;
                    changed = Some(f.key);
                }
                if self.on_last() {
                    return self.submit();
                }
                self.move_focus(true);
                changed.map_or(Event::Handled, Event::Changed)
            }
            _ if focused_text => self.edit(key),
            // A printable key on a choice while typing: swallowed, it is not a command.
            KeyCode::Char(_) => Event::Handled,
            _ => Event::Ignored,
        }
    }

    /// An editing key in the focused text field.
    fn edit(&mut self, key: KeyEvent) -> Event {
        let f = &mut self.fields[self.focus];
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        // Any key reaching the field makes the value the user's.
        f.owned = false;
        if f.selected {
            f.selected = false;
            match key.code {
                KeyCode::Char(_) if !ctrl => f.input.set(""),
                KeyCode::Backspace | KeyCode::Delete => {
                    f.input.set("");
                    f.input.error = None;
                    self.error = None;
                    return Event::Changed(f.key);
                }
                _ => {}
            }
        }
        let before = f.input.value().to_owned();
        f.input.handle_key(key);
        if f.input.value() != before {
            f.input.error = None;
            self.error = None;
            Event::Changed(f.key)
        } else {
            Event::Handled
        }
    }

    /// Pasted text goes into the focused text field (newlines dropped),
    /// replacing a selected pre-fill; it starts typing there.
    pub fn paste(&mut self, text: &str) -> Event {
        let Some(f) = self.fields.get_mut(self.focus).filter(|f| f.kind.is_text()) else {
            return Event::Ignored;
        };
        // Arriving by paste on an owner's value: the paste replaces it.
        if f.selected || (!self.typing && f.owned) {
            f.input.set("");
        }
        f.selected = false;
        f.owned = false;
        f.input.paste(text);
        self.error = None;
        self.typing = true;
        Event::Changed(f.key)
    }

    /// The keys that matter now, for the footer and help.
    pub fn keys(&self) -> Keys {
        let mut k: Keys = Vec::new();
        let focused = self.fields.get(self.focus).map(|f| &f.kind);
        let text = focused.is_some_and(Kind::is_text);
        let choice = matches!(focused, Some(Kind::Choice { .. }));
        let picking = self.typing
            && matches!(focused, Some(Kind::Search { suggestions, .. }) if !suggestions.is_empty());
        let enter_submits = if self.typing {
            k.push(("Esc", "stop typing"));
            k.push(("Enter", if self.on_last() { self.submit_label } else { "next field" }));
            self.on_last()
        } else if self.enter_submits {
            k.push(("Enter", self.submit_label));
            if text {
                k.push(("i", "edit"));
            }
            true
        } else if text {
            k.push(("Enter", "type"));
            false
        } else if self.on_last() {
            k.push(("Enter", self.submit_label));
            true
        } else {
            false
        };
        if !enter_submits {
            k.push(("Ctrl-S", self.submit_label));
        }
        if picking {
            k.push(("↑↓", "pick"));
            k.push(("Tab", "field"));
        } else {
            k.push(("Tab ↑↓", "field"));
        }
        if choice {
            k.push(("←→", "choose"));
        }
        if self.has_secret() {
            k.push(("Ctrl-R", if self.revealed() { "hide" } else { "reveal" }));
        }
        k
    }

    /// The one-line hint drawn under the fields.
    pub fn hint(&self) -> String {
        let keys = self.keys();
        let body: Vec<String> = keys.iter().map(|(k, l)| format!("{k} {l}")).collect();
        if self.typing { format!("typing · {}", body.join(" · ")) } else { body.join(" · ") }
    }

    // ---- drawing -----------------------------------------------------------

    fn label_width(&self) -> usize {
        self.fields.iter().map(|f| str_width(f.input.label)).max().unwrap_or(0)
    }

    /// Lays the form out at `width`: one line per field, then its error and
    /// note wrapped under the value (never cut), suggestions of the focused
    /// search field, the form error and the hint.
    pub fn layout(&self, width: u16, theme: &Theme) -> Layout {
        let width = width as usize;
        let lw = self.label_width();
        let vx = 2 + lw + 2; // marker, label, gap
        let vw = width.saturating_sub(vx).max(1);
        let mut lines: Vec<Line<'static>> = Vec::new();
        let mut cursor = None;
        let mut focus_row = 0;
        let placeholder = theme.dim().add_modifier(Modifier::ITALIC | Modifier::DIM);
        for (i, f) in self.fields.iter().enumerate() {
            let focused = i == self.focus && f.focusable();
            let typing_here = focused && self.typing;
            if focused {
                focus_row = lines.len() as u16;
            }
            let marker = if focused { "▸ " } else { "  " };
            let label_style = if focused { theme.key() } else { theme.base() };
            let mut spans = vec![
                Span::styled(marker, theme.key()),
                Span::styled(format!("{:<lw$}  ", f.input.label), label_style),
            ];
            match &f.kind {
                Kind::Choice { options, index } => {
                    let shown = match options.get(*index) {
                        Some(o) if options.len() > 1 => {
                            format!("◂ {o} ▸ ({}/{})", index + 1, options.len())
                        }
                        Some(o) => o.clone(),
                        None => format!("‹{}›", f.input.placeholder),
                    };
                    let style = if options.is_empty() {
                        placeholder
                    } else if focused {
                        theme.selected()
                    } else {
                        theme.base()
                    };
                    spans.push(Span::styled(truncate_width(&shown, vw), style));
                }
                _ if f.input.value().is_empty() => {
                    if typing_here {
                        cursor = Some((vx as u16, lines.len() as u16));
                    }
                    if !f.input.placeholder.is_empty() {
                        let ph = format!("‹{}›", f.input.placeholder);
                        // While typing, the placeholder sits one cell right of the cursor.
                        let ph = if typing_here { format!(" {ph}") } else { ph };
                        spans.push(Span::styled(truncate_width(&ph, vw), placeholder));
                    }
                }
                _ => {
                    let shown = f.input.display();
                    let style = if f.selected && focused {
                        theme.base().add_modifier(Modifier::REVERSED)
                    } else if typing_here {
                        theme.base().add_modifier(Modifier::UNDERLINED)
                    } else {
                        theme.base()
                    };
                    if typing_here {
                        let scroll = f.input.input.visual_scroll(vw.saturating_sub(1));
                        let visible = skip_width(&shown, scroll);
                        spans.push(Span::styled(truncate_plain(&visible, vw), style));
                        let cur = f.input.input.visual_cursor().saturating_sub(scroll);
                        cursor = Some(((vx + cur.min(vw - 1)) as u16, lines.len() as u16));
                    } else {
                        spans.push(Span::styled(truncate_width(&shown, vw), style));
                    }
                }
            }
            lines.push(Line::from(spans));
            let indent = " ".repeat(vx);
            if let Some(err) = &f.input.error {
                push_wrapped(&mut lines, &indent, "✗ ", err, vw, theme.error());
            }
            if let Some(note) = &f.note {
                push_wrapped(&mut lines, &indent, "", note, vw, theme.dim());
            }
            if typing_here && let Kind::Search { suggestions, cursor: sc } = &f.kind {
                const SHOWN: usize = 6;
                let c = sc.unwrap_or(0);
                let start = c.saturating_sub(SHOWN - 1);
                for (j, s) in suggestions.iter().enumerate().skip(start).take(SHOWN) {
                    let sel = Some(j) == *sc;
                    let text = format!("{}{}", if sel { "▸ " } else { "  " }, s.label);
                    lines.push(Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(
                            truncate_width(&text, vw),
                            if sel { theme.selected() } else { theme.base() },
                        ),
                    ]));
                }
                if suggestions.len() > start + SHOWN {
                    lines.push(Line::from(vec![
                        Span::raw(indent.clone()),
                        Span::styled(
                            format!("  … {} more: keep typing", suggestions.len() - start - SHOWN),
                            theme.dim(),
                        ),
                    ]));
                }
            }
        }
        if let Some(e) = &self.error {
            push_wrapped(&mut lines, "", "✗ ", e, width.max(1), theme.error());
        }
        if self.show_hint {
            let hint = self.hint();
            let style = if self.typing { theme.warn() } else { theme.dim() };
            push_wrapped(&mut lines, "", "", &hint, width.max(1), style);
        }
        Layout { lines, cursor, focus_row }
    }

    /// Rows the form needs at `width`.
    pub fn height(&self, width: u16, theme: &Theme) -> u16 {
        self.layout(width, theme).lines.len() as u16
    }

    /// Draws the form into `area`, scrolled so the focused field shows, and
    /// places the terminal cursor when typing.
    pub fn render(&self, f: &mut Frame, area: Rect, theme: &Theme) {
        if area.width == 0 || area.height == 0 {
            return;
        }
        let l = self.layout(area.width, theme);
        let top = (l.focus_row + 1).saturating_sub(area.height);
        f.render_widget(Paragraph::new(l.lines).scroll((top, 0)), area);
        if let Some((x, y)) = l.cursor
            && y >= top
            && y - top < area.height
            && x < area.width
        {
            f.set_cursor_position((area.x + x, area.y + y - top));
        }
    }
}

/// Appends `text` word-wrapped to `width` columns after `indent`; the first
/// line starts with `lead`, the next ones line up under the text.
fn push_wrapped(
    lines: &mut Vec<Line<'static>>,
    indent: &str,
    lead: &str,
    text: &str,
    width: usize,
    style: Style,
) {
    let lead_w = str_width(lead);
    let body = width.saturating_sub(lead_w).max(1);
    for (n, part) in wrap(text, body).into_iter().enumerate() {
        let prefix = if n == 0 { lead.to_owned() } else { " ".repeat(lead_w) };
        lines.push(Line::from(vec![
            Span::raw(indent.to_owned()),
            Span::styled(format!("{prefix}{part}"), style),
        ]));
    }
}

/// Word-wraps to `width` columns; a word longer than a line is split.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut out = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        let mut lw = 0;
        for word in para.split(' ') {
            let ww = str_width(word);
            if lw > 0 && lw + 1 + ww <= width {
                line.push(' ');
                line.push_str(word);
                lw += 1 + ww;
                continue;
            }
            if lw > 0 {
                out.push(std::mem::take(&mut line));
            }
            // Split a word too long for a line.
            let mut rest = word;
            while str_width(rest) > width {
                let cut = prefix_within(rest, width);
                out.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line.push_str(rest);
            lw = str_width(rest);
        }
        out.push(line);
    }
    out
}

/// The byte length of the longest prefix of `s` at most `width` columns wide
/// (at least one character, so splitting always progresses).
fn prefix_within(s: &str, width: usize) -> usize {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        let cw = str_width(c.encode_utf8(&mut [0; 4]));
        if w + cw > width {
            return if i == 0 { c.len_utf8() } else { i };
        }
        w += cw;
    }
    s.len()
}

/// `s` without its first `cols` columns.
fn skip_width(s: &str, cols: usize) -> String {
    let mut w = 0;
    for (i, c) in s.char_indices() {
        if w >= cols {
            return s[i..].to_owned();
        }
        w += str_width(c.encode_utf8(&mut [0; 4]));
    }
    String::new()
}

/// The first `width` columns of `s`, without an ellipsis (a scrolled input).
fn truncate_plain(s: &str, width: usize) -> String {
    s[..prefix_within(s, width).min(s.len())].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }
    fn ch(c: char) -> KeyEvent {
        key(KeyCode::Char(c))
    }
    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }
    fn typed(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.handle_key(ch(c));
        }
    }

    fn signup() -> Form {
        Form::new()
            .text("name", "Name", "Ron Swanson")
            .text("email", "Email", "ron@swanson.com")
            .secret("password", "Password", "at least 8 characters")
            .choice("profile", "Profile", vec!["Default".into(), "Staff".into()])
            .submit_label("sign up")
    }

    const NO_COLOR: Theme = Theme { color: false };

    fn screen(form: &Form, w: u16, h: u16) -> String {
        let mut t = Terminal::new(TestBackend::new(w, h)).expect("backend");
        t.draw(|f| form.render(f, f.area(), &NO_COLOR)).expect("draw");
        let buf = t.backend().buffer().clone();
        (0..h)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_owned()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn starts_in_command_mode_on_the_first_field() {
        let mut f = signup();
        assert!(!f.is_typing());
        assert_eq!(f.focused_key(), Some("name"));
        // A printable key is a command, not text.
        assert_eq!(f.handle_key(ch('3')), Event::Ignored);
        assert_eq!(f.value("name"), "");
    }

    #[test]
    fn tab_shift_tab_and_arrows_move_between_fields_in_both_modes() {
        let mut f = signup();
        assert_eq!(f.handle_key(key(KeyCode::Tab)), Event::Handled);
        assert_eq!(f.focused_key(), Some("email"));
        f.handle_key(key(KeyCode::Down));
        assert_eq!(f.focused_key(), Some("password"));
        f.handle_key(key(KeyCode::BackTab));
        assert_eq!(f.focused_key(), Some("email"));
        f.handle_key(key(KeyCode::Up));
        assert_eq!(f.focused_key(), Some("name"));
        // Wraps around.
        f.handle_key(key(KeyCode::BackTab));
        assert_eq!(f.focused_key(), Some("profile"));
        // While typing too, and typing goes on in the next field.
        let mut f = signup();
        f.handle_key(key(KeyCode::Enter));
        assert!(f.is_typing());
        f.handle_key(key(KeyCode::Tab));
        assert!(f.is_typing());
        typed(&mut f, "a@b.co");
        assert_eq!(f.value("email"), "a@b.co");
    }

    #[test]
    fn read_only_fields_are_skipped() {
        let mut f = Form::new()
            .read_only("id", "Member", "m-1".into())
            .text("name", "Name", "")
            .text("legal", "Legal name", "");
        assert_eq!(f.focused_key(), Some("name"));
        f.handle_key(key(KeyCode::Tab));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("name"));
    }

    #[test]
    fn enter_types_moves_on_and_submits_on_the_last_field() {
        let mut f = signup();
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Handled);
        assert!(f.is_typing());
        typed(&mut f, "Ron q3?");
        assert_eq!(f.value("name"), "Ron q3?");
        f.handle_key(key(KeyCode::Enter));
        assert_eq!(f.focused_key(), Some("email"));
        f.handle_key(key(KeyCode::Enter));
        f.handle_key(key(KeyCode::Enter));
        assert_eq!(f.focused_key(), Some("profile"));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Submit);
        assert!(!f.is_typing());
        // In command mode, Enter on the last (choice) field submits too.
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Submit);
    }

    #[test]
    fn after_a_submit_the_next_printable_key_is_a_command() {
        let mut f = signup();
        f.handle_key(key(KeyCode::Enter));
        typed(&mut f, "Ron");
        assert_eq!(f.handle_key(ctrl('s')), Event::Submit);
        assert!(!f.is_typing());
        assert_eq!(f.handle_key(ch('3')), Event::Ignored);
        assert_eq!(f.value("name"), "Ron");
    }

    #[test]
    fn esc_leaves_typing_then_is_the_owners() {
        let mut f = signup();
        f.handle_key(ch('i'));
        assert!(f.is_typing());
        assert_eq!(f.handle_key(key(KeyCode::Esc)), Event::Handled);
        assert!(!f.is_typing());
        assert_eq!(f.handle_key(key(KeyCode::Esc)), Event::Ignored);
    }

    #[test]
    fn a_dialog_form_confirms_with_enter_and_edits_with_i() {
        let mut f = Form::new().text("name", "Account name", "").enter_submits();
        f.prefill("name", "Luca Hansen");
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Submit);
        assert_eq!(f.handle_key(ch('y')), Event::Ignored, "y is the dialog's");
        f.handle_key(ch('i'));
        typed(&mut f, "Hansen GmbH");
        assert_eq!(f.value("name"), "Hansen GmbH");
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Submit);
        assert!(!f.is_typing());
    }

    #[test]
    fn a_prefilled_value_is_replaced_by_typing() {
        let mut f = Form::new().text("user", "Username", "");
        f.prefill("user", "luca.hansen@example.com");
        f.start_typing();
        assert_eq!(f.handle_key(ch('r')), Event::Changed("user"));
        typed(&mut f, "on@x.io");
        assert_eq!(f.value("user"), "ron@x.io");
        // Backspace clears a selected value whole; an arrow keeps it.
        f.prefill("user", "abc");
        f.handle_key(key(KeyCode::Backspace));
        assert_eq!(f.value("user"), "");
        f.prefill("user", "abc");
        f.handle_key(key(KeyCode::Left));
        typed(&mut f, "X");
        assert_eq!(f.value("user"), "abXc");
    }

    #[test]
    fn every_owner_value_is_replaced_when_typing_reaches_it() {
        // A remembered value (set, not prefill), reached by Tab then Enter.
        let mut f = signup();
        f.set("password", "literally1");
        f.handle_key(key(KeyCode::Tab));
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("password"));
        f.handle_key(key(KeyCode::Enter));
        typed(&mut f, "wrongpass");
        assert_eq!(f.value("password"), "wrongpass");
        // Reached by moving focus while typing: replaced too.
        let mut f = signup();
        f.set("email", "ann@perkins.test");
        f.handle_key(key(KeyCode::Enter));
        typed(&mut f, "Ann");
        f.handle_key(key(KeyCode::Tab));
        typed(&mut f, "b@x.io");
        assert_eq!(f.value("email"), "b@x.io");
        // Backspace edits a selected value (clears it whole); an arrow keeps it.
        f.set("name", "Ann");
        f.handle_key(key(KeyCode::Esc));
        f.handle_key(key(KeyCode::BackTab));
        f.handle_key(key(KeyCode::Enter));
        f.handle_key(key(KeyCode::Backspace));
        assert_eq!(f.value("name"), "");
        f.set("name", "Ann");
        f.handle_key(key(KeyCode::Esc));
        f.handle_key(key(KeyCode::Enter));
        f.handle_key(key(KeyCode::Left));
        typed(&mut f, "X");
        assert_eq!(f.value("name"), "AnXn");
        // What the user typed stays theirs: typing again edits it at the cursor.
        f.handle_key(key(KeyCode::Esc));
        f.handle_key(key(KeyCode::Enter));
        typed(&mut f, "e");
        assert_eq!(f.value("name"), "AnXen");
    }

    #[test]
    fn a_value_changed_by_the_owner_loses_its_stale_error() {
        let mut f = signup();
        f.invalid("email", "this profile needs an e-mail as username");
        f.set("email", "ann@perkins.test");
        assert_eq!(f.field("email").and_then(|x| x.input.error.clone()), None);
        // The same value again: the error stays (nothing changed).
        f.invalid("email", "still wrong");
        f.set("email", "ann@perkins.test");
        assert!(f.field("email").is_some_and(|x| x.input.error.is_some()));
        f.invalid("profile", "pick another");
        f.choose("profile", 1);
        assert_eq!(f.field("profile").and_then(|x| x.input.error.clone()), None);
    }

    #[test]
    fn paste_replaces_a_selection_and_drops_newlines() {
        let mut f = Form::new().text("user", "Username", "");
        f.prefill("user", "old");
        assert_eq!(f.paste("new@x.io\r\n"), Event::Changed("user"));
        assert_eq!(f.value("user"), "new@x.io");
        assert!(f.is_typing());
    }

    #[test]
    fn errors_show_whole_and_clear_when_their_field_changes() {
        let mut f = signup();
        let long = "not an e-mail address: it needs one @ and a domain with a dot, \
                    like ron@swanson.com — the server said so in full";
        f.invalid("email", long);
        assert_eq!(f.focused_key(), Some("email"));
        assert!(f.is_typing(), "a validation error resumes typing at the field");
        let s = screen(&f, 40, 16);
        let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains("✗ not an e-mail"), "{s}");
        assert!(flat.contains("said so in full"), "{s}");
        // Wrapped under the value column, not restarting at column 0.
        let err_lines: Vec<&str> = s.lines().filter(|l| l.contains("said so")).collect();
        assert!(err_lines.iter().all(|l| l.starts_with("           ")), "{s}");
        // Another field's change keeps it; its own change clears it.
        f.handle_key(key(KeyCode::BackTab));
        typed(&mut f, "R");
        assert!(f.field("email").is_some_and(|x| x.input.error.is_some()));
        f.handle_key(key(KeyCode::Tab));
        typed(&mut f, "x");
        assert!(f.field("email").is_some_and(|x| x.input.error.is_none()));
    }

    #[test]
    fn a_server_error_does_not_turn_commands_into_text() {
        let mut f = signup();
        f.handle_key(ctrl('s'));
        f.server_error("email", "409: username already exists");
        assert!(!f.is_typing());
        assert_eq!(f.focused_key(), Some("email"));
        assert_eq!(f.handle_key(ch('3')), Event::Ignored);
        f.error = Some("403: forbidden for this client".into());
        let s = screen(&f, 30, 14);
        assert!(s.contains("forbidden for"), "{s}");
    }

    #[test]
    fn placeholders_differ_from_values_without_colour() {
        let mut f = signup();
        f.set("name", "Ron Swanson");
        let s = screen(&f, 60, 8);
        assert!(s.contains("Name      Ron Swanson"), "{s}");
        assert!(s.contains("Email     ‹ron@swanson.com›"), "{s}");
    }

    #[test]
    fn typing_is_visible_cursor_and_hint() {
        let mut f = signup();
        let s = screen(&f, 80, 8);
        assert!(!s.contains("typing"), "{s}");
        f.handle_key(key(KeyCode::Enter));
        typed(&mut f, "Ro");
        let mut t = Terminal::new(TestBackend::new(80, 8)).expect("backend");
        t.draw(|fr| f.render(fr, fr.area(), &NO_COLOR)).expect("draw");
        let pos = t.get_cursor_position().expect("cursor");
        // "▸ " + "Password" + "  " = 12 columns, then two characters.
        assert_eq!((pos.x, pos.y), (14, 0));
        let s = screen(&f, 80, 8);
        assert!(s.contains("typing · Esc stop typing"), "{s}");
        assert!(f.keys().iter().any(|(k, l)| *k == "Ctrl-S" && *l == "sign up"));
    }

    #[test]
    fn reveal_toggles_and_a_cleared_form_starts_hidden() {
        let mut f = signup();
        f.set("password", "hunter22");
        assert!(screen(&f, 60, 8).contains("••••••••"));
        assert_eq!(f.handle_key(ctrl('r')), Event::Handled);
        assert!(screen(&f, 60, 8).contains("hunter22"));
        f.clear();
        assert!(!f.revealed());
        assert_eq!(f.value("password"), "");
        assert!(!f.is_typing());
        // A form without secrets leaves Ctrl-R to others.
        let mut g = Form::new().text("a", "A", "");
        assert_eq!(g.handle_key(ctrl('r')), Event::Ignored);
    }

    #[test]
    fn choices_cycle_and_keep_their_option_when_the_list_changes() {
        let mut f = signup();
        f.focus_key("profile");
        assert_eq!(f.handle_key(key(KeyCode::Right)), Event::Changed("profile"));
        assert_eq!(f.value("profile"), "Staff");
        f.handle_key(key(KeyCode::Right));
        assert_eq!(f.value("profile"), "Default");
        f.handle_key(key(KeyCode::Left));
        assert_eq!(f.value("profile"), "Staff");
        f.set_options("profile", vec!["New".into(), "Staff".into(), "Default".into()]);
        assert_eq!(f.choice_index("profile"), Some(1));
    }

    #[test]
    fn search_suggestions_are_picked_with_arrows_and_taken_with_enter() {
        let mut f = Form::new()
            .choice("purpose", "Purpose", vec!["log-in".into(), "reset".into()])
            .search("member", "Member", "type a name or e-mail");
        f.focus_key("member");
        f.start_typing();
        typed(&mut f, "lu");
        f.set_suggestions(
            "member",
            vec![
                Suggestion { label: "Luca <luca@x.io>".into(), value: "luca@x.io".into() },
                Suggestion { label: "Lucy <lucy@x.io>".into(), value: "lucy@x.io".into() },
            ],
        );
        let s = screen(&f, 60, 10);
        assert!(s.contains("▸ Luca <luca@x.io>"), "{s}");
        f.handle_key(key(KeyCode::Down));
        assert_eq!(f.focused_key(), Some("member"), "arrows pick a suggestion");
        assert_eq!(f.suggestion("member").map(|s| s.value.as_str()), Some("lucy@x.io"));
        assert_eq!(f.handle_key(key(KeyCode::Enter)), Event::Submit);
        assert_eq!(f.value("member"), "lucy@x.io");
        // Tab still leaves the field.
        f.start_typing();
        f.handle_key(key(KeyCode::Tab));
        assert_eq!(f.focused_key(), Some("purpose"));
    }

    #[test]
    fn wrap_keeps_every_character() {
        let text = "a 409 from the server: username luca.hansen@example.com already exists in profile 0f1e2d3c";
        for w in [5, 12, 30, 200] {
            let lines = wrap(text, w);
            assert!(lines.iter().all(|l| str_width(l) <= w), "{w}: {lines:?}");
            let joined: String = lines.concat().chars().filter(|c| *c != ' ').collect();
            let orig: String = text.chars().filter(|c| *c != ' ').collect();
            assert_eq!(joined, orig);
        }
    }

    #[test]
    fn the_focused_field_stays_visible_when_scrolled() {
        let mut f = Form::new().without_hint();
        for (k, l) in [("a", "A"), ("b", "B"), ("c", "C"), ("d", "D"), ("e", "E")] {
            f = f.text(k, l, "");
        }
        f.focus_key("e");
        f.start_typing();
        typed(&mut f, "zz");
        let s = screen(&f, 30, 2);
        assert!(s.contains("▸ E  zz"), "{s}");
    }
}
